//! My account, for everybody who signs in: change one's password (required once after an admin
//! set it), the open sessions, and Sign out everywhere.

use crate::api::{fetch_my_account, ChangePassword, SetLanguage, SignOutEverywhere};
use crate::components::{loaded, ErrorBox};
use crate::i18n::{t, use_i18n};
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
            <h1>{t!(i18n, account.title)}</h1>
            {loaded(page, move |a| view! {
                <p>{format!("{} ({})", a.display_name, a.username)}</p>
                {a.must_change_password.then(|| view! {
                    <p class="notice" role="status" data-testid="must-change">
                        {t!(i18n, account.must_change)}
                    </p>
                })}
                <h2>{t!(i18n, account.sessions)}</h2>
                <p class="muted">{t!(i18n, account.session_ends, minutes = a.idle_minutes)}</p>
                <table class="list" data-testid="sessions">
                    <thead><tr><th>{t!(i18n, account.signed_in)}</th><th>{t!(i18n, account.last_used)}</th><th>{t!(i18n, account.from)}</th><th></th></tr></thead>
                    <tbody>
                        {a.sessions.into_iter().map(|s| view! {
                            <tr data-session=s.id.clone()>
                                <td><When at=s.created_at/></td>
                                <td><When at=s.last_seen_at/></td>
                                <td>{s.source}</td>
                                <td>{s.current.then_some(t!(i18n, account.this_browser))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="actions">
                    <button type="button" data-testid="sign-out-everywhere" disabled=move || everywhere.pending().get()
                        on:click=move |_| { everywhere.dispatch(SignOutEverywhere {}); }>{t!(i18n, account.sign_out_everywhere)}</button>
                </p>
                <LanguageChoice chosen=a.language/>
            })}
            <h2>{t!(i18n, account.change_password)}</h2>
            <form class="options" on:submit=submit data-testid="change-password">
                {password_field(t!(i18n, account.current_password), "current", "current-password", current)}
                {password_field(t!(i18n, account.new_password), "new", "new-password", new)}
                {password_field(t!(i18n, account.new_password_again), "repeat", "new-password", repeat)}
                <p class="muted">{t!(i18n, account.password_advice)}</p>
                <p class="actions"><button type="submit" class="primary" disabled=move || change.pending().get()>{t!(i18n, account.change_password)}</button></p>
                {move || mismatch.get().then(|| view! { <p class="error" role="alert">{t!(i18n, account.passwords_differ)}</p> })}
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
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            match choice.get_untracked() {
                Some(l) => i18n.set_locale(crate::language::locale_of(l)),
                // The browser's language is what the server reads from its request.
                None => {
                    let _ = window().location().reload();
                }
            }
        }
    });
    view! {
        <h2>{t!(i18n, account.language)}</h2>
        <form class="options" data-testid="language"
            on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save.dispatch(SetLanguage { language: choice.get_untracked() });
            }>
            <label>{t!(i18n, account.pages_in)}
                <select name="language" data-testid="language-choice"
                    on:change=move |ev| choice.set(Language::from_code(&event_target_value(&ev)))>
                    <option value="" selected=chosen.is_none()>{t!(i18n, account.browser_language)}</option>
                    {Language::ALL.map(|l| view! {
                        <option value=l.code() selected=chosen == Some(l) lang=l.code()>{l.endonym()}</option>
                    }).collect_view()}
                </select>
            </label>
            <p class="actions"><button type="submit" class="primary" disabled=move || save.pending().get()>{t!(i18n, common.save)}</button></p>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
        </form>
    }
}
