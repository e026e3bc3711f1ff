//! Welcome: a self-service user chooses their password with the link Tessera mailed them (a new
//! account, or an admin's reset). The token is in the link's fragment, which the browser never
//! sends: the page reads it and posts it with the password.

use crate::api::{error_text, ChoosePassword};
use crate::components::ErrorBox;
use crate::i18n::{tu_string, use_i18n};
use leptos::prelude::*;

/// The token from `#t=…`, once the page runs in the browser.
fn token_in_fragment() -> String {
    window()
        .location()
        .hash()
        .ok()
        .and_then(|h| h.strip_prefix("#t=").map(str::to_string))
        .unwrap_or_default()
}

#[component]
pub fn WelcomePage() -> impl IntoView {
    let i18n = use_i18n();
    let choose = ServerAction::<ChoosePassword>::new();
    let token = RwSignal::new(String::new());
    // The account the link is for, or why it does not work.
    let greeting = RwSignal::new(None::<Result<String, String>>);
    Effect::new(move |_| {
        let t = token_in_fragment();
        token.set(t.clone());
        leptos::task::spawn_local(async move {
            let r = crate::api::welcome_link(t)
                .await
                .map_err(|e| error_text(&e));
            greeting.set(Some(r));
        });
    });
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let mismatch = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if new.get_untracked() != repeat.get_untracked() {
            mismatch.set(true);
            return;
        }
        mismatch.set(false);
        choose.dispatch(ChoosePassword {
            token: token.get_untracked(),
            password: new.get_untracked(),
        });
    };
    view! {
        <section class="card narrow">
            <h1>{tu_string!(i18n, welcome.title)}</h1>
            {move || match (greeting.get(), choose.value().get()) {
                (_, Some(Ok(username))) => view! {
                    <p class="outcome" role="status" data-testid="password-chosen">
                        {tu_string!(i18n, welcome.password_set, username = username)}
                    </p>
                    <p><a href="/login">{tu_string!(i18n, common.sign_in)}</a></p>
                }.into_any(),
                (None, _) => view! { <p class="muted">{tu_string!(i18n, welcome.checking)}</p> }.into_any(),
                (Some(Err(e)), _) => view! { <p class="error" role="alert" data-testid="link-refused">{e}</p> }.into_any(),
                (Some(Ok(username)), _) => view! {
                    <p data-testid="welcome-account">{tu_string!(i18n, welcome.your_account, username = username)}</p>
                    <form on:submit=submit data-testid="choose-password">
                        {field(tu_string!(i18n, welcome.new_password), "new", new)}
                        {field(tu_string!(i18n, welcome.new_password_again), "repeat", repeat)}
                        <p class="muted">{tu_string!(i18n, welcome.password_advice)}</p>
                        <p class="actions"><button type="submit" class="primary" disabled=move || choose.pending().get()>{tu_string!(i18n, welcome.set_password)}</button></p>
                        {move || mismatch.get().then(|| view! { <p class="error" role="alert">{tu_string!(i18n, welcome.passwords_differ)}</p> })}
                        {move || choose.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

/// A password field with its label.
fn field(label: impl IntoView + 'static, name: &'static str, s: RwSignal<String>) -> impl IntoView {
    view! {
        <label>{label} <input type="password" name=name autocomplete="new-password" required
            prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev))/></label>
    }
}
