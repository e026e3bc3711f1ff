use crate::api::{dashboard, my_notifications};
use crate::components::{object_href, signed_in, Loading};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::time::When;
use crate::Auth;
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};
use tessera_process::dto::DashboardLine;
use tessera_process::Role;

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<Auth>();
    let session = signed_in();
    // `try_get`: a request the browser gave up on ends its page while the server still renders
    // it, and then the session it reads is already gone (a panic in the log, not an answer).
    // Whether someone is signed in: both resources are fetched again when that changes.
    let signed_in_now = move || {
        auth.session
            .try_get()
            .flatten()
            .map(|s| s.ok().flatten().is_some())
    };
    let notes = Resource::new(signed_in_now, |_| my_notifications());
    // Fetched whatever the session is (a self-service or signed-out caller is refused and sees
    // no panels): a fetcher that asked only once the session was known raced it on the server,
    // and the page now and then hydrated with no dashboard.
    let work = Resource::new(signed_in_now, |_| dashboard());
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
                            <h1>{tu_string!(i18n, home.welcome, name = s.display_name.clone())}</h1>
                            <div class="tiles">
                                <Show when=move || session().is_some_and(|s| s.has(Role::Operator) || s.has(Role::Approver))>
                                    <A href="/users" attr:class="tile">
                                        <strong>{tu_string!(i18n, home.quick_search)}</strong>
                                        <span>{tu_string!(i18n, home.quick_search_text)}</span>
                                    </A>
                                </Show>
                                <Show when=move || session().is_some_and(|s| s.has(Role::Approver))>
                                    <A href="/requests" attr:class="tile">
                                        <strong>{tu_string!(i18n, home.requests)}</strong>
                                        <span>{tu_string!(i18n, home.requests_text)}</span>
                                    </A>
                                </Show>
                                <Show when=move || session().is_some_and(|s| s.has(Role::Admin))>
                                    <A href="/admin/options/CardsScriptOptions" attr:class="tile">
                                        <strong>{tu_string!(i18n, home.options)}</strong>
                                        <span>{tu_string!(i18n, home.options_text)}</span>
                                    </A>
                                    <A href="/admin/audit" attr:class="tile">
                                        <strong>{tu_string!(i18n, home.audit_log)}</strong>
                                        <span>{tu_string!(i18n, home.audit_log_text)}</span>
                                    </A>
                                </Show>
                            </div>
                            {move || work.get().and_then(|w| w.ok()).map(|d| view! {
                                <div class="dashboard" data-testid="dashboard">
                                    {d.requests_for_me.map(|n| view! {
                                        <section class="panel" data-testid="requests-for-me">
                                            <h2>{tu_string!(i18n, home.requests_for_me)}</h2>
                                            <p><A href="/requests">{match n {
                                                0 => tu_string!(i18n, home.none).into_any(),
                                                1 => tu_string!(i18n, home.request_to_decide, count = n).into_any(),
                                                _ => tu_string!(i18n, home.requests_to_decide, count = n).into_any(),
                                            }}</A></p>
                                        </section>
                                    })}
                                    {d.jobs_in_doubt.map(|l| view! { <Panel title=t_string!(i18n, home.jobs_in_doubt) test_id="jobs-in-doubt" count=l.len() as u64 lines=l empty=t_string!(i18n, home.jobs_in_doubt_none)/> })}
                                    {d.open_batches.map(|l| view! { <Panel title=t_string!(i18n, home.open_batches) test_id="open-batches" count=l.len() as u64 lines=l empty=t_string!(i18n, home.none)/> })}
                                    {d.expiring.map(|(n, l)| view! { <Panel title=t_string!(i18n, home.expiring) test_id="expiring" count=n lines=l empty=t_string!(i18n, home.none)/> })}
                                    {d.mails_given_up.map(|(n, l)| view! { <Panel title=t_string!(i18n, home.mails_given_up) test_id="mails-given-up" count=n lines=l empty=t_string!(i18n, home.mails_given_up_none)/> })}
                                </div>
                            })}
                            <h2>{tu_string!(i18n, home.messages)}</h2>
                            // Read in the page's <Suspense/>, which then waits for the messages too: a
                            // <Suspense/> nested in another hydrated in the order its data arrived.
                            {move || notes.get().map(|n| match n {
                                Ok(n) if n.is_empty() => view! { <p class="muted">{tu_string!(i18n, home.no_messages)}</p> }.into_any(),
                                Ok(n) => view! {
                                    <ul class="messages">
                                        {n.into_iter().map(|(at, m)| view! { <li><When at=at/> " " {m}</li> }).collect_view()}
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

/// A panel of the dashboard: its lines (each linking to its object), and how many there are
/// when that is more than it shows.
#[component]
fn Panel(
    title: &'static str,
    test_id: &'static str,
    count: u64,
    lines: Vec<DashboardLine>,
    empty: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let shown = lines.len() as u64;
    view! {
        <section class="panel" data-testid=test_id data-count=count>
            <h2>{title}" "<span class="count">{count}</span></h2>
            {if lines.is_empty() {
                view! { <p class="muted">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {lines.into_iter().map(|l| view! {
                            <li>
                                {match l.object {
                                    Some((kind, id)) => view! { <A href=object_href(kind, id)>{l.text.clone()}</A> }.into_any(),
                                    None => view! { <span>{l.text.clone()}</span> }.into_any(),
                                }}
                                " " <small class="muted"><When at=l.at.clone() relative=true/></small>
                            </li>
                        }).collect_view()}
                    </ul>
                    {(count > shown).then(|| view! { <p class="muted">{tu_string!(i18n, home.and_more, count = count - shown)}</p> })}
                }.into_any()
            }}
        </section>
    }
}
