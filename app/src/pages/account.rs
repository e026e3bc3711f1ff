//! My account, for everybody who signs in: change one's password (required once after an admin
//! set it), the open sessions, and Sign out everywhere.

use crate::api::{fetch_my_account, ChangePassword, SetLanguage, SignOutEverywhere};
use crate::components::{loaded, ErrorBox};
use crate::i18n::{tu_string, use_i18n};
use crate::time::When;
use leptos::prelude::*;
use tessera_process::Language;

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let change = ServerAction::<ChangePassword>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let page = Resource::new(move || change.version().get(), |_| fetch_my_account());
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let mismatch = RwSignal::new(false);
    // After a change, a full load: the session now has its roles.
    Effect::new(move |_| {
        if let Some(Ok(())) = change.value().get() {
            let _ = window().location().set_href("/account?changed");
        }
        if let Some(Ok(_)) = everywhere.value().get() {
            let _ = window().location().set_href("/login");
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if new.get_untracked() != repeat.get_untracked() {
            mismatch.set(true);
            return;
        }
        mismatch.set(false);
        change.dispatch(ChangePassword {
            current: current.get_untracked(),
            new: new.get_untracked(),
        });
    };
    view! {
        <section>
            <h1>{tu_string!(i18n, account.title)}</h1>
            {loaded(page, move |a| view! {
                <p>{format!("{} ({})", a.display_name, a.username)}</p>
                {a.must_change_password.then(|| view! {
                    <p class="notice" role="status" data-testid="must-change">
                        {tu_string!(i18n, account.must_change)}
                    </p>
                })}
                <h2>{tu_string!(i18n, account.sessions)}</h2>
                <p class="muted">{tu_string!(i18n, account.session_ends, minutes = a.idle_minutes)}</p>
                <table class="list" data-testid="sessions">
                    <thead><tr><th>{tu_string!(i18n, account.signed_in)}</th><th>{tu_string!(i18n, account.last_used)}</th><th>{tu_string!(i18n, account.from)}</th><th></th></tr></thead>
                    <tbody>
                        {a.sessions.into_iter().map(|s| view! {
                            <tr data-session=s.id.clone()>
                                <td><When at=s.created_at/></td>
                                <td><When at=s.last_seen_at/></td>
                                <td>{s.source}</td>
                                <td>{s.current.then_some(tu_string!(i18n, account.this_browser))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="actions">
                    <button type="button" data-testid="sign-out-everywhere" disabled=move || everywhere.pending().get()
                        on:click=move |_| { everywhere.dispatch(SignOutEverywhere {}); }>{tu_string!(i18n, account.sign_out_everywhere)}</button>
                </p>
                <LanguageChoice chosen=a.language/>
            })}
            <h2>{tu_string!(i18n, account.change_password)}</h2>
            <form class="options" on:submit=submit data-testid="change-password">
                {password_field(tu_string!(i18n, account.current_password), "current", "current-password", current)}
                {password_field(tu_string!(i18n, account.new_password), "new", "new-password", new)}
                {password_field(tu_string!(i18n, account.new_password_again), "repeat", "new-password", repeat)}
                <p class="muted">{tu_string!(i18n, account.password_advice)}</p>
                <p class="actions"><button type="submit" class="primary" disabled=move || change.pending().get()>{tu_string!(i18n, account.change_password)}</button></p>
                {move || mismatch.get().then(|| view! { <p class="error" role="alert">{tu_string!(i18n, account.passwords_differ)}</p> })}
                {move || change.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
            </form>
        </section>
    }
}

fn password_field(
    label: impl IntoView + 'static,
    name: &'static str,
    auto: &'static str,
    s: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label>{label} <input type="password" name=name autocomplete=auto required
            prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev))/></label>
    }
}

/// The language of Tessera's pages for this account: English, Svenska, or the browser's.
#[component]
fn LanguageChoice(chosen: Option<Language>) -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SetLanguage>::new();
    let choice = RwSignal::new(chosen);
    // The page again, as the server renders it in the new language (its cookie is set). The
    // words of a page are written once, not watched: a change of language is rare, and
    // watching every sentence for it made the browser bundle a fifth bigger.
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            let _ = window().location().reload();
        }
    });
    view! {
        <h2>{tu_string!(i18n, account.language)}</h2>
        <form class="options" data-testid="language"
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save.dispatch(SetLanguage { language: choice.get_untracked() });
            }>
            <label>{tu_string!(i18n, account.pages_in)}
                <select name="language" data-testid="language-choice"
                    on:change=move |ev| choice.set(Language::from_code(&event_target_value(&ev)))>
                    <option value="" selected=chosen.is_none()>{tu_string!(i18n, account.browser_language)}</option>
                    {Language::ALL.map(|l| view! {
                        <option value=l.code() selected=chosen == Some(l) lang=l.code()>{l.endonym()}</option>
                    }).collect_view()}
                </select>
            </label>
            <p class="actions"><button type="submit" class="primary" disabled=move || save.pending().get()>{tu_string!(i18n, common.save)}</button></p>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
        </form>
    }
}
