use crate::api::my_notifications;
use crate::components::{signed_in, Loading};
use crate::Auth;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};
use tessera_process::Role;

#[component]
pub fn HomePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let session = signed_in();
    // `try_get`: a request the browser gave up on ends its page while the server still renders
    // it, and then the session it reads is already gone (a panic in the log, not an answer).
    let notes = Resource::new(
        move || {
            auth.session
                .try_get()
                .flatten()
                .map(|s| s.ok().flatten().is_some())
        },
        |_| my_notifications(),
    );
    // Home is what a browser opens right after signing in, while the header fetches the same
    // session: rendered on the server too, it now and then hydrated into a panic (the page then
    // took no clicks). Its content is drawn only once the page runs in the browser, from the
    // data the server sent: the server and the browser then start from the same empty page.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    view! {
        <Show when=move || mounted.get() fallback=Loading>
        <Suspense fallback=Loading>
            {move || {
                auth.session.get().map(|s| match s.ok().flatten() {
                    None => view! { <Redirect path="/login"/> }.into_any(),
                    Some(s) if s.roles == [Role::SelfService] => view! { <Redirect path="/me"/> }.into_any(),
                    Some(s) => view! {
                        <section>
                            <h1>"Welcome, " {s.display_name.clone()}</h1>
                            <div class="tiles">
                                <Show when=move || session().is_some_and(|s| s.has(Role::Operator) || s.has(Role::Approver))>
                                    <A href="/users" attr:class="tile">
                                        <strong>"Quick search"</strong>
                                        <span>"Find a user by name, UPN or employee id"</span>
                                    </A>
                                </Show>
                                <Show when=move || session().is_some_and(|s| s.has(Role::Approver))>
                                    <A href="/requests" attr:class="tile">
                                        <strong>"Requests"</strong>
                                        <span>"Card requests waiting for approval"</span>
                                    </A>
                                </Show>
                                <Show when=move || session().is_some_and(|s| s.has(Role::Admin))>
                                    <A href="/admin/options/CardsScriptOptions" attr:class="tile">
                                        <strong>"Options"</strong>
                                        <span>"How processes behave"</span>
                                    </A>
                                    <A href="/admin/audit" attr:class="tile">
                                        <strong>"Audit log"</strong>
                                        <span>"Who did what, and whether the record is intact"</span>
                                    </A>
                                </Show>
                            </div>
                            <h2>"Messages"</h2>
                            // Read in the page's <Suspense/>, which then waits for the messages too: a
                            // <Suspense/> nested in another hydrated in the order its data arrived.
                            {move || notes.get().map(|n| match n {
                                Ok(n) if n.is_empty() => view! { <p class="muted">"No messages."</p> }.into_any(),
                                Ok(n) => view! {
                                    <ul class="messages">
                                        {n.into_iter().map(|(at, m)| view! { <li><time>{at}</time> " " {m}</li> }).collect_view()}
                                    </ul>
                                }.into_any(),
                                Err(_) => ().into_any(),
                            })}
                        </section>
                    }.into_any(),
                })
            }}
        </Suspense>
        </Show>
    }
}
