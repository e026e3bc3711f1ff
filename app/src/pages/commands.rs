//! Additional Commands: per object kind, one tab per state with the processes enabled there;
//! the admin adds what the process model allows and removes what is enabled.

use crate::api::{fetch_commands_page, SaveCommands};
use crate::components::{loaded, Confirm, ErrorBox};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::language::said;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::{CommandEntry, StateCommands};
use tessera_process::Language;
use tessera_process::{ObjectKind, ProcessId};

/// The kinds whose objects have "What do you want to do?" lists.
const KINDS: &[ObjectKind] = &[
    ObjectKind::User,
    ObjectKind::Card,
    ObjectKind::TempCard,
    ObjectKind::MobileId,
];

fn roles(e: &CommandEntry, language: Language) -> String {
    e.roles
        .iter()
        .map(|r| r.words().of(language))
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn CommandsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let kind = move || {
        params
            .read()
            .get("kind")
            .and_then(|k| ObjectKind::parse(&k))
            .unwrap_or(ObjectKind::User)
    };
    let save = ServerAction::<SaveCommands>::new();
    let page = Resource::new(
        move || (kind(), save.version().get()),
        |(k, _)| fetch_commands_page(k),
    );
    let tab = RwSignal::new(String::new());
    view! {
        <section>
            <h1>{tu_string!(i18n, commands.title)}</h1>
            <nav class="tabs">
                {KINDS.iter().map(|k| view! { <A href=format!("/admin/commands/{}", k.as_str())>{said(k.words())}</A> }).collect_view()}
            </nav>
            {move || save.value().get().map(|r| match r {
                Ok(n) => view! { <p class="notice" role="status" data-testid="saved">{if n == 1 {
                    tu_string!(i18n, commands.saved_singular).into_any()
                } else {
                    tu_string!(i18n, commands.saved_plural, count = n).into_any()
                }}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {loaded(page, move |p| {
                let kind = p.kind;
                let first = p.states.first().map(|s| s.state.as_str().to_string()).unwrap_or_default();
                if tab.get_untracked().is_empty() || !p.states.iter().any(|s| s.state.as_str() == tab.get_untracked()) {
                    tab.set(first);
                }
                view! {
                    <nav class="tabs states" data-testid="state-tabs">
                        {p.states.iter().map(|s| {
                            let name = s.state.as_str().to_string();
                            let n = name.clone();
                            view! {
                                <button type="button" class="tab" data-state=name.clone()
                                    class:active=move || tab.get() == n
                                    on:click=move |_| tab.set(name.clone())>{said(s.state.words())}</button>
                            }
                        }).collect_view()}
                    </nav>
                    {p.states.into_iter().map(|s| {
                        let name = s.state.as_str().to_string();
                        view! {
                            <Show when={let name = name.clone(); move || tab.get() == name}>
                                <StateTab kind s=s.clone() save/>
                            </Show>
                        }
                    }).collect_view()}
                }
            })}
        </section>
    }
}

/// One state's tab, as the guides use it: the rows of the Process list, **New** (the pen
/// symbol) adds a row in which the Process and its Mapping are chosen, **Remove** takes a row
/// out, and nothing changes until **Save**.
#[component]
fn StateTab(kind: ObjectKind, s: StateCommands, save: ServerAction<SaveCommands>) -> impl IntoView {
    let i18n = use_i18n();
    let language = crate::language::current();
    let state = s.state;
    let every: Vec<CommandEntry> = s
        .enabled
        .iter()
        .chain(s.available.iter())
        .cloned()
        .collect();
    let saved: Vec<ProcessId> = s.enabled.iter().map(|e| e.process).collect();
    // The rows as they stand on the screen; `None` is a new row whose Process is not chosen.
    let rows = RwSignal::new(saved.iter().copied().map(Some).collect::<Vec<_>>());
    let entry = {
        let every = every.clone();
        move |p: ProcessId| every.iter().find(|e| e.process == p).cloned()
    };
    let unsaved = {
        let saved = saved.clone();
        move || rows.with(|r| r.iter().copied().flatten().collect::<Vec<_>>()) != saved
    };
    let choices = StoredValue::new(every);
    let saved_here = StoredValue::new(saved.clone());
    view! {
        <div class="state-tab" data-testid="state-tab" data-state=s.state.as_str()>
            <h2>{said(kind.words())} " / " {said(s.state.words())}</h2>
            <table class="list" data-testid="enabled">
                <thead><tr><th>{tu_string!(i18n, commands.process)}</th><th>{tu_string!(i18n, commands.symbolic_name)}</th><th>{tu_string!(i18n, commands.mapping)}</th><th>{tu_string!(i18n, commands.started_by)}</th><th></th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().enumerate().map(|(i, p)| match p.and_then(entry.clone()) {
                        Some(e) => {
                            let is_new = !saved_here.with_value(|s| s.contains(&e.process));
                            let mapping = e.mapping.clone().unwrap_or_default();
                            view! {
                                <tr data-process=e.process.as_str()>
                                    <td>{said(e.process.def().name)}{(!e.implemented).then(|| view! { " " {tu_string!(i18n, commands.not_implemented)} })}</td>
                                    <td><code>{e.process.as_str()}</code></td>
                                    <td>{if is_new {
                                        view! { <label>{tu_string!(i18n, commands.mapping)} " " <select name="mapping"><option value=mapping.clone() selected=true>{mapping.clone()}</option></select></label> }.into_any()
                                    } else {
                                        view! { {mapping} }.into_any()
                                    }}</td>
                                    <td>{roles(&e, language())}</td>
                                    <td><Confirm label=t_string!(i18n, commands.remove) test_id="remove"
                                        question=(!is_new).then(|| t_string!(i18n, commands.remove_question, process = e.process.def().name.of(language()), kind = kind.words().of(language()).to_lowercase()))
                                        yes=t_string!(i18n, commands.yes_remove)
                                        on_run=Callback::new(move |_| rows.update(|r| { r.remove(i); }))/></td>
                                </tr>
                            }.into_any()
                        }
                        None => view! {
                            <tr data-testid="new-row">
                                <td colspan="2">
                                    <label>{tu_string!(i18n, commands.process)} " " <select name="process" on:change=move |ev| {
                                        let chosen = ProcessId::parse(&event_target_value(&ev));
                                        rows.update(|r| r[i] = chosen);
                                    }>
                                        <option value="">{tu_string!(i18n, commands.choose)}</option>
                                        {choices.with_value(|all| all.iter()
                                            .filter(|e| !rows.with_untracked(|r| r.contains(&Some(e.process))))
                                            .map(|e| view! { <option value=e.process.as_str()>{format!("{} ({})", e.process.def().name.of(language()), e.process.as_str())}</option> })
                                            .collect_view())}
                                    </select></label>
                                </td>
                                <td></td>
                                <td></td>
                                <td><button type="button" on:click=move |_| rows.update(|r| { r.remove(i); })>{tu_string!(i18n, commands.remove)}</button></td>
                            </tr>
                        }.into_any(),
                    }).collect_view()}
                </tbody>
            </table>
            <p class="actions">
                <button type="button" data-testid="new-row-button" title=move || t_string!(i18n, commands.new)
                    on:click=move |_| rows.update(|r| r.push(None))>{tu_string!(i18n, commands.new_button)}</button>
                <button type="button" class="primary" disabled=move || save.pending().get()
                    on:click=move |_| {
                        let processes = rows.get_untracked().into_iter().flatten().collect();
                        save.dispatch(SaveCommands { state, processes });
                    }>{tu_string!(i18n, common.save)}</button>
                <Show when=unsaved>
                    <span class="muted" data-testid="unsaved">{tu_string!(i18n, commands.unsaved)}</span>
                </Show>
            </p>
        </div>
    }
}
