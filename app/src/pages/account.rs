//! My account, for everybody who signs in: change one's password (required once after an admin
//! set it), the open sessions, and Sign out everywhere.

use crate::api::{fetch_my_account, ChangePassword, SignOutEverywhere};
use crate::components::{loaded, ErrorBox};
use crate::time::When;
use leptos::prelude::*;

#[component]
pub fn AccountPage() -> impl IntoView {
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
    let field = |label: &'static str,
                 name: &'static str,
                 auto: &'static str,
                 s: RwSignal<String>| {
        view! {
            <label>{label} <input type="password" name=name autocomplete=auto required
                prop:value=move || s.get() on:input=move |ev| s.set(event_target_value(&ev))/></label>
        }
    };
    view! {
        <section>
            <h1>"My account"</h1>
            {loaded(page, move |a| view! {
                <p>{format!("{} ({})", a.display_name, a.username)}</p>
                {a.must_change_password.then(|| view! {
                    <p class="notice" role="status" data-testid="must-change">
                        "Your password was set by an administrator. Choose your own before you go on: until then your account can do nothing else."
                    </p>
                })}
                <h2>"Sessions"</h2>
                <p class="muted">{format!("A session ends after {} minutes without use, and 12 hours after signing in.", a.idle_minutes)}</p>
                <table class="list" data-testid="sessions">
                    <thead><tr><th>"Signed in"</th><th>"Last used"</th><th>"From"</th><th></th></tr></thead>
                    <tbody>
                        {a.sessions.into_iter().map(|s| view! {
                            <tr data-session=s.id.clone()>
                                <td><When at=s.created_at/></td>
                                <td><When at=s.last_seen_at/></td>
                                <td>{s.source}</td>
                                <td>{s.current.then_some("this browser")}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="actions">
                    <button type="button" data-testid="sign-out-everywhere" disabled=move || everywhere.pending().get()
                        on:click=move |_| { everywhere.dispatch(SignOutEverywhere {}); }>"Sign out everywhere"</button>
                </p>
            })}
            <h2>"Change password"</h2>
            <form class="options" on:submit=submit data-testid="change-password">
                {field("Current password", "current", "current-password", current)}
                {field("New password", "new", "new-password", new)}
                {field("New password again", "repeat", "new-password", repeat)}
                <p class="muted">"At least 10 characters. Several unusual words make a password that is easy to remember and hard to guess; names, dates and common passwords are refused."</p>
                <p class="actions"><button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button></p>
                {move || mismatch.get().then(|| view! { <p class="error" role="alert">"The two new passwords differ."</p> })}
                {move || change.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
            </form>
        </section>
    }
}
