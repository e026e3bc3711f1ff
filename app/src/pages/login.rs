use crate::api::error_text;
use crate::i18n::{tu_string, use_i18n};
use crate::Auth;
use leptos::prelude::*;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<Auth>();
    // The page that sent the person here (`?next=`), to go back to.
    let query = leptos_router::hooks::use_query_map();
    let next = move || query.with_untracked(|q| q.get("next"));
    // A full page load after signing in: every page then renders for the new session, and no
    // page sees the session from before (which would send it back here).
    Effect::new(move |_| {
        if let Some(Ok(info)) = auth.login.value().get() {
            // A password an admin set is changed first.
            let to = if info.must_change_password {
                "/account".to_string()
            } else {
                crate::components::after_sign_in(next().as_deref())
            };
            let _ = window().location().set_href(&to);
        }
    });
    let error = move || match auth.login.value().get() {
        Some(Err(e)) => Some(error_text(&e)),
        _ => None,
    };
    view! {
        <section class="card narrow">
            <h1>{tu_string!(i18n, login.title)}</h1>
            <ActionForm action=auth.login>
                <label>{tu_string!(i18n, login.user_name)} <input type="text" name="username" autocomplete="username" required/></label>
                <label>{tu_string!(i18n, login.password)} <input type="password" name="password" autocomplete="current-password" required/></label>
                <button type="submit" class="primary" disabled=move || auth.login.pending().get()>{tu_string!(i18n, common.sign_in)}</button>
            </ActionForm>
            {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}
