use crate::api::{fetch_options_page, RestoreOptions, SaveOptions};
use crate::components::{ErrorBox, Loading};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::language::said;
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::{OptionField, OptionInput};
use tessera_process::OptionsPackage;

/// One option as a form control; writes what the admin enters, as text, into `value`.
#[component]
fn OptionControl(field: OptionField, value: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let key = field.key.clone();
    let control = match field.input.clone() {
        OptionInput::Bool => view! {
            <input type="checkbox" name=key.clone() id=key.clone()
                prop:checked=move || value.get() == "yes"
                on:change=move |ev| value.set(if event_target_checked(&ev) { "yes".into() } else { "no".into() })/>
        }.into_any(),
        OptionInput::Int { min, max } => view! {
            // No min/max on the element: the server's range check and its message are the rule.
            <input type="text" inputmode="numeric" name=key.clone() id=key.clone()
                title=move || t_string!(i18n, options.range, min = min, max = max)
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        }.into_any(),
        OptionInput::Choice(choices) => view! {
            <select name=key.clone() id=key.clone() on:change=move |ev| value.set(event_target_value(&ev))>
                {choices.into_iter().map(|c| {
                    let c2 = c.clone();
                    view! { <option value=c.clone() selected=move || value.get() == c2>{c.clone()}</option> }
                }).collect_view()}
            </select>
        }.into_any(),
        OptionInput::Set(choices) => view! {
            <span class="set" id=key.clone()>
                {choices.into_iter().map(|c| {
                    let (c1, c2) = (c.clone(), c.clone());
                    let has = move || value.get().split(',').any(|v| v.trim() == c1);
                    view! {
                        <label class="inline">
                            <input type="checkbox" name=format!("{key}.{c}") prop:checked=has
                                on:change=move |ev| {
                                    let mut items: Vec<String> = value.get_untracked().split(',')
                                        .map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && *s != c2 && s != "none").collect();
                                    if event_target_checked(&ev) { items.push(c2.clone()); }
                                    value.set(items.join(", "));
                                }/>
                            {c.clone()}
                        </label>
                    }
                }).collect_view()}
            </span>
        }.into_any(),
    };
    view! {
        <div class="field" data-option=field.key.clone()>
            <label for=field.key.clone()><strong>{crate::language::said_option(&field.key, false, field.label.clone())}</strong> " " <code>{field.key.clone()}</code></label>
            {control}
            <small class="muted">{crate::language::said_option(&field.key, true, field.help.clone())} " " {tu_string!(i18n, options.default_is, value = field.default.clone())}</small>
        </div>
    }
}

/// The admin's editor of one options document (`CardsScriptOptions`, …).
#[component]
pub fn OptionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let package = move || params.read().get("package").unwrap_or_default();
    let save = ServerAction::<SaveOptions>::new();
    let restore = ServerAction::<RestoreOptions>::new();
    // Problems found in the browser before anything is sent (the server checks again).
    let local_errors = RwSignal::new(Vec::<String>::new());
    // Reload after a successful save only: a refused one keeps what the admin typed.
    let saved = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = restore.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    let page = Resource::new(
        move || (package(), saved.get()),
        |(p, _)| fetch_options_page(p),
    );
    view! {
        <section>
            <h1>{tu_string!(i18n, options.title)}</h1>
            <nav class="tabs">
                {OptionsPackage::ALL.iter().map(|p| view! {
                    <A href=format!("/admin/options/{}", p.as_str())>{said(p.words())}</A>
                }).collect_view()}
            </nav>
            {move || save.value().get().map(|r| match r {
                Ok(v) => view! { <p class="notice" role="status">{tu_string!(i18n, options.saved_as, version = v)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {move || restore.value().get().map(|r| match r {
                Ok(v) => view! { <p class="notice" role="status">{tu_string!(i18n, options.restored_as, version = v)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {move || {
                let errors = local_errors.get();
                (!errors.is_empty()).then(|| view! {
                    <div class="error" role="alert" data-testid="local-errors">
                        {errors.into_iter().map(|e| view! { <p>{e}</p> }).collect_view()}
                    </div>
                })
            }}
            <Transition fallback=Loading>
                {move || page.get().map(|p| match p {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(p) => {
                        let values: Vec<(OptionField, RwSignal<String>)> = p.fields.iter()
                            .map(|f| (f.clone(), RwSignal::new(f.value.clone()))).collect();
                        let originals: Vec<(String, String)> = p.fields.iter().map(|f| (f.key.clone(), f.value.clone())).collect();
                        let signals: Vec<RwSignal<String>> = values.iter().map(|(_, s)| *s).collect();
                        let (package_name, version) = (p.package.clone(), p.version);
                        let history = p.history.clone();
                        let package_for_restore = p.package.clone();
                        let submit = move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            let changes: Vec<(String, String)> = originals.iter().zip(&signals)
                                .filter(|((_, old), s)| s.get_untracked() != *old)
                                .map(|((k, _), s)| (k.clone(), s.get_untracked()))
                                .collect();
                            // The same schema check the server makes, before anything is sent.
                            if let Some(pkg) = OptionsPackage::parse(&package_name) {
                                if let Err(errors) = pkg.apply_form_in(&pkg.defaults(), &changes, crate::language::of_locale(i18n.get_locale_untracked())) {
                                    local_errors.set(errors.iter().map(|e| e.to_string()).collect());
                                    return;
                                }
                            }
                            local_errors.set(Vec::new());
                            save.dispatch(SaveOptions { package_name: package_name.clone(), version, changes });
                        };
                        view! {
                            <h2><code>{p.package.clone()}</code> " — " {match tessera_process::OptionsPackage::parse(&p.package) {
                                Some(package) => said(package.words()).into_any(),
                                None => p.label.clone().into_any(),
                            }}</h2>
                            <p class="muted" data-testid="options-version">{tu_string!(i18n, options.version_changed_by, version = p.version, by = p.changed_by.clone())} " " <When at=p.changed_at.clone()/></p>
                            <form on:submit=submit class="options">
                                {values.into_iter().map(|(field, value)| view! { <OptionControl field value/> }).collect_view()}
                                <p class="actions"><button type="submit" class="primary" disabled=move || save.pending().get()>{tu_string!(i18n, common.save)}</button></p>
                            </form>
                            <h2>{tu_string!(i18n, options.versions)}</h2>
                            <table class="list" data-testid="options-history">
                                <thead><tr><th>{tu_string!(i18n, options.version)}</th><th>{tu_string!(i18n, options.changed_by)}</th><th>{tu_string!(i18n, options.when)}</th><th>{tu_string!(i18n, options.changes)}</th><th></th></tr></thead>
                                <tbody>
                                    {history.into_iter().map(|h| {
                                        let package_name = package_for_restore.clone();
                                        let current = h.version == version;
                                        let restore_to = h.version;
                                        view! {
                                            <tr data-version=h.version>
                                                <td>{h.version}</td>
                                                <td>{h.changed_by}</td>
                                                <td><When at=h.changed_at/></td>
                                                <td>{if h.changes.is_empty() { t_string!(i18n, options.installation_defaults).to_string() } else { h.changes.join("; ") }}</td>
                                                <td>{if current {
                                                    view! { <span class="muted">{tu_string!(i18n, options.in_force)}</span> }.into_any()
                                                } else {
                                                    view! { <button type="button" on:click=move |_| { restore.dispatch(RestoreOptions {
                                                        package_name: package_name.clone(), version, restore: restore_to,
                                                    }); }>{tu_string!(i18n, options.restore)}</button> }.into_any()
                                                }}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}
