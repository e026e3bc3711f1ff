//! Small pieces every page uses.

use crate::api::error_text;
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::time::When;
use crate::Auth;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::SessionInfo;
use tessera_process::{ObjectKind, Role};

/// An error as a person reads it. Signed out (or the session ended), the browser goes to the
/// sign-in page, which brings the person back here afterwards.
#[component]
pub fn ErrorBox(error: tessera_process::AppError) -> impl IntoView {
    let i18n = use_i18n();
    let text = error_text(&error);
    let signed_out = error.kind == tessera_process::ErrorKind::Unauthenticated;
    #[cfg(feature = "hydrate")]
    let signed_out_here =
        use_context::<Auth>().is_none_or(|auth| auth.logout.version().get_untracked() == 0);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        // After Sign out the browser is on its way to the sign-in page already.
        if signed_out && signed_out_here {
            if let Some(to) = browser::sign_in_and_back() {
                let _ = window().location().set_href(&to);
            }
        }
    });
    view! {
        <div class="error" role="alert">
            <p>{text}</p>
            <Show when=move || signed_out>
                <p><a href="/login">{tu_string!(i18n, common.sign_in)}</a></p>
            </Show>
        </div>
    }
}

/// The pages anyone may open without signing in: signing in, choosing a password with a mailed
/// link, and what a phone without the app sees of a mobile ID's link.
#[cfg(feature = "hydrate")]
const FOR_EVERYONE: &[&str] = &["/login", "/welcome", "/mobile-id"];

#[cfg(feature = "hydrate")]
fn for_everyone(path: &str) -> bool {
    FOR_EVERYONE.contains(&path)
}

/// Where the sign-in page sends a person afterwards: `next` if it is a page of Tessera (a path
/// of this site, not another site's address), else Home.
pub fn after_sign_in(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with("/login") =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The last refusal of a form's action, for the form to show at the field it names.
pub fn refusal_of<T>(action: ServerAction<T>) -> Signal<Option<tessera_process::AppError>>
where
    T: leptos::server_fn::ServerFn<Error = tessera_process::AppError>
        + Clone
        + Send
        + Sync
        + 'static,
    T::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r| r.err()))
}

/// A refusal at the form field `name`, when it is about that field.
#[component]
pub fn FieldRefusal(
    refused: Signal<Option<tessera_process::AppError>>,
    name: &'static str,
) -> impl IntoView {
    move || {
        refused
            .get()
            .filter(|e| e.field.as_deref() == Some(name))
            .map(|e| view! { <small class="error" role="alert">{e.message}</small> })
    }
}

/// A refusal of a form's save, unless it is about one of the form's `fields`: those are shown
/// at the field (`FieldRefusal`), not twice.
#[component]
pub fn FormRefusal(
    error: tessera_process::AppError,
    fields: &'static [&'static str],
) -> impl IntoView {
    let at_a_field = error.field.as_deref().is_some_and(|f| fields.contains(&f));
    (!at_a_field).then(|| view! { <ErrorBox error/> })
}

/// The key of a page's submission: the server does the work of one key once, and answers the
/// same key again with the first outcome (`tessera_engine::submission`).
#[derive(Clone, Copy)]
pub struct SubmissionKey(RwSignal<Option<String>>);

impl SubmissionKey {
    /// The key to send with Next. It is written into the page's address now, when the page
    /// is surely the current entry of the history (while the router is still navigating to
    /// the page, the entry can be the page before).
    pub fn get(&self) -> Option<String> {
        let key = self.0.get_untracked();
        #[cfg(feature = "hydrate")]
        if let Some(key) = &key {
            browser::keep_in_address(key);
        }
        key
    }

    /// A new key, for a form that stays open for the next submission after an outcome (Create
    /// user, Request temporary cards).
    pub fn renew(&self) {
        #[cfg(feature = "hydrate")]
        self.0.set(browser::new_submission_key());
    }
}

/// This page's submission key. It is made in the browser when the page opens and kept in the
/// page's address (`?once=`), so a double click, a retry and the back button all send the same
/// key, and a page opened anew makes a new one.
pub fn submission_key() -> SubmissionKey {
    let from_address = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("once"));
    let key = SubmissionKey(RwSignal::new(from_address));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if key.get().is_none() {
            key.renew();
        }
    });
    key
}

#[cfg(feature = "hydrate")]
mod browser {
    /// 16 random bytes as hex.
    pub fn new_submission_key() -> Option<String> {
        let mut bytes = [0u8; 16];
        web_sys::window()?
            .crypto()
            .ok()?
            .get_random_values_with_u8_array(&mut bytes)
            .ok()?;
        Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Whether a key was typed into a field (where `/` is a character, not a shortcut).
    pub fn in_a_field(ev: &web_sys::KeyboardEvent) -> bool {
        use wasm_bindgen::JsCast;
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
    }

    /// The sign-in page, with this page to come back to.
    pub fn sign_in_and_back() -> Option<String> {
        let location = web_sys::window()?.location();
        let here = format!("{}{}", location.pathname().ok()?, location.search().ok()?);
        let params = web_sys::UrlSearchParams::new().ok()?;
        params.set("next", &here);
        Some(format!("/login?{}", String::from(params.to_string())))
    }

    /// Writes `?once=key` into the address without a navigation: the router would render the
    /// page again for a changed address, and the key is not a page of its own. Without it the
    /// key still guards double clicks and retries.
    pub fn keep_in_address(key: &str) {
        let _ = write_into_address(key);
    }

    fn write_into_address(key: &str) -> Option<()> {
        let window = web_sys::window()?;
        let url = web_sys::Url::new(&window.location().href().ok()?).ok()?;
        if url.search_params().get("once").as_deref() == Some(key) {
            return Some(());
        }
        url.search_params().set("once", key);
        let history = window.history().ok()?;
        // The router keeps its own state in the entry; it stays as it was.
        let state = history.state().ok()?;
        history
            .replace_state_with_url(&state, "", Some(&url.href()))
            .ok()
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading">{tu_string!(i18n, common.loading)}</p> }
}

/// A final action asks before it runs: its button opens the question in the page, with a
/// button in the action's own words ("Yes, cancel order") and No, which has the focus, so that
/// Enter or Esc never does what cannot be undone. Without a question the action runs at once
/// (a process page's Next when its end state is not final).
#[component]
pub fn Confirm(
    /// The button's words, e.g. "Cancel order".
    label: &'static str,
    /// What will happen, asked; `None` runs the action at once.
    question: Option<String>,
    /// The words of the button that runs it after the question.
    #[prop(into)]
    yes: String,
    #[prop(into, optional)] disabled: Signal<bool>,
    #[prop(optional)] primary: bool,
    test_id: &'static str,
    on_run: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let asking = RwSignal::new(false);
    let opener = NodeRef::<leptos::html::Button>::new();
    let no = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if asking.get() {
            if let Some(b) = no.get() {
                let _ = b.focus();
            }
        }
    });
    let close = move || {
        asking.set(false);
        if let Some(b) = opener.get_untracked() {
            let _ = b.focus();
        }
    };
    let ask = question.is_some();
    let question_id = format!("{test_id}-question");
    view! {
        <button type="button" class:primary=primary data-testid=test_id node_ref=opener
            disabled=move || disabled.get()
            aria-haspopup=ask.then_some("dialog")
            aria-expanded=move || ask.then(|| asking.get().to_string())
            on:click=move |_| if ask { asking.set(true) } else { on_run.run(()) }>{label}</button>
        {question.map(|q| view! {
            <Show when=move || asking.get()>
                <div class="confirm" role="alertdialog" aria-labelledby=question_id.clone()
                    data-testid=format!("{test_id}-confirm")
                    on:keydown=move |ev| if ev.key() == "Escape" { close() }>
                    <p id=question_id.clone()>{q.clone()}</p>
                    <button type="button" class="danger" on:click=move |_| { asking.set(false); on_run.run(()) }>{yes.clone()}</button>
                    <button type="button" node_ref=no on:click=move |_| close()>{tu_string!(i18n, common.no)}</button>
                </div>
            </Show>
        })}
    }
}

/// A state as a small label, e.g. "Requested".
#[component]
pub fn StateBadge(name: &'static str, label: tessera_process::Words) -> impl IntoView {
    view! { <span class=format!("state state-{name}") data-state=name>{crate::language::said(label)}</span> }
}

/// The signed-in account, if any (from the shared session resource).
pub fn signed_in() -> impl Fn() -> Option<SessionInfo> + Copy {
    let auth = expect_context::<Auth>();
    move || auth.session.get().and_then(|r| r.ok()).flatten()
}

/// Quick search on every staff page, as the guides begin: the kind from the drop-down, then
/// one box; Enter searches. `/` anywhere but in a field puts the cursor in the box.
#[component]
fn QuickSearch() -> impl IntoView {
    let i18n = use_i18n();
    let input = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "/" && !browser::in_a_field(&ev) {
                ev.prevent_default();
                if let Some(box_) = input.get() {
                    let _ = box_.focus();
                }
            }
        });
        on_cleanup(move || handle.remove());
    }
    let kind = RwSignal::new(ObjectKind::User);
    view! {
        <leptos_router::components::Form method="GET" action="/search" attr:class="quick-search quick" attr:role="search">
            <select name="kind" aria-label=move || t_string!(i18n, common.quick_search_kind) data-testid="quick-search-kind"
                on:change=move |ev| if let Some(k) = ObjectKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                {tessera_process::lists::SEARCH_KINDS.iter().map(|k| view! {
                    <option value=k.as_str()>{crate::language::said(k.words())}</option>
                }).collect_view()}
            </select>
            // "In the Quick search drop-down list, select Mobile ID. Select User in the drop-down
            // menu and select the user that shall have a mobile ID."
            <Show when=move || kind.get() == ObjectKind::MobileId>
                <crate::pages::search::FindBy/>
            </Show>
            <input type="search" name="q" aria-label=move || t_string!(i18n, common.quick_search)
                placeholder=move || t_string!(i18n, common.quick_search_placeholder)
                data-testid="quick-search" node_ref=input/>
        </leptos_router::components::Form>
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<Auth>();
    let session = signed_in();
    let has = move |r: Role| session().is_some_and(|s| s.has(r));
    let staff = move || {
        has(Role::Operator) || has(Role::Approver) || has(Role::Admin) || has(Role::KeyRecovery)
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = auth.logout.value().get() {
            let _ = window().location().set_href("/login");
        }
    });
    // Signed out, a page that is not for everyone sends the browser to sign in, and back here
    // afterwards; a page whose data was refused does the same (ErrorBox).
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        // After Sign out the browser goes to the sign-in page as it is (above), not back here.
        let signed_out = matches!(auth.session.get(), Some(Ok(None)))
            && auth.logout.version().get_untracked() == 0;
        let here = window().location().pathname().unwrap_or_default();
        if signed_out && !for_everyone(&here) {
            if let Some(to) = browser::sign_in_and_back() {
                let _ = window().location().set_href(&to);
            }
        }
    });
    // The navigation and the account are drawn once the page runs in the browser. Rendered on
    // the server, this <Transition/> outside the routes and a page's own <Suspense/> over the
    // same session hydrated into a panic now and then (leptos-rs/leptos#3707), and then the
    // page took no clicks; drawn after hydration, both sides start from the same header.
    let mounted = RwSignal::new(false);
    Effect::new(move |_| mounted.set(true));
    view! {
        <header class="top">
            <div class="bar">
                <A href="/" attr:class="brand">"Tessera"</A>
                <Show when=move || mounted.get()>
                    <Transition fallback=|| ()>
                        <Show when=staff><QuickSearch/></Show>
                    </Transition>
                </Show>
                <Show when=move || mounted.get()>
                <Transition fallback=|| ()>
                    <div class="who">
                        {move || match session() {
                            Some(s) => {
                                let language = crate::language::current();
                                let roles = move || s.roles.iter().map(|r| r.words().of(language())).collect::<Vec<_>>().join(", ");
                                view! {
                                    <A href="/account" attr:class="account" attr:data-testid="account">
                                        {s.display_name.clone()} " (" {roles} ")"
                                    </A>
                                    <ActionForm action=auth.logout>
                                        <button type="submit" class="link">{tu_string!(i18n, common.sign_out)}</button>
                                    </ActionForm>
                                }
                                    .into_any()
                            }
                            None => view! { <A href="/login">{tu_string!(i18n, common.sign_in)}</A> }.into_any(),
                        }}
                    </div>
                </Transition>
                </Show>
            </div>
            <Show when=move || mounted.get()>
            <Transition fallback=|| ()>
                <nav aria-label=move || t_string!(i18n, common.nav_pages)>
                    <Show when=staff>
                        <A href="/users">{tu_string!(i18n, common.nav_users)}</A>
                        <A href="/search">{tu_string!(i18n, common.nav_search)}</A>
                    </Show>
                    <Show when=move || has(Role::Operator)>
                        <A href="/temp-cards">{tu_string!(i18n, common.nav_temp_cards)}</A>
                        <A href="/batch-orders">{tu_string!(i18n, common.nav_batch_orders)}</A>
                    </Show>
                    <Show when=move || has(Role::Approver)>
                        <A href="/requests">{tu_string!(i18n, common.nav_requests)}</A>
                    </Show>
                    <Show when=move || has(Role::Admin)>
                        <A href="/admin/accounts">{tu_string!(i18n, common.nav_accounts)}</A>
                        <A href="/admin/commands/user">{tu_string!(i18n, common.nav_commands)}</A>
                        <A href="/admin/options/CardsScriptOptions">{tu_string!(i18n, common.nav_options)}</A>
                        <A href="/admin/ca">{tu_string!(i18n, common.nav_ca)}</A>
                        <A href="/admin/certificate-profiles">{tu_string!(i18n, common.nav_certificate_profiles)}</A>
                        <A href="/admin/external-production">{tu_string!(i18n, common.nav_external_production)}</A>
                        <A href="/admin/audit">{tu_string!(i18n, common.nav_audit)}</A>
                    </Show>
                    <Show when=move || has(Role::SelfService)>
                        <A href="/me">{tu_string!(i18n, common.nav_my_credentials)}</A>
                    </Show>
                    {move || session().map(|s| {
                        tessera_process::lists::LISTS
                            .iter()
                            .filter(|d| d.menu && d.open_to(&s.roles))
                            .map(|d| view! { <A href=format!("/lists/{}", d.id.as_str())>{crate::language::said(d.title)}</A> })
                            .collect_view()
                    })}
                </nav>
            </Transition>
            </Show>
        </header>
    }
}

/// A page's data as a view: "Loading…", then what `render` makes of it, or the error in words.
pub fn loaded<T, V>(
    data: Resource<Result<T, tessera_process::AppError>>,
    render: impl Fn(T) -> V + Clone + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=Loading>
            {move || {
                let render = render.clone();
                data.get()
                    .map(move |r| match r {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorBox error/> }.into_any(),
                    })
            }}
        </Suspense>
    }
}

/// The revocation reason a revoking process asks for ("certificate hold" is no reason to revoke).
#[component]
pub fn RevocationReasonField(reason: RwSignal<String>) -> impl IntoView {
    use tessera_process::RevocationReason;
    let i18n = use_i18n();
    view! {
        <div class="field">
            <label for="reason"><strong>{tu_string!(i18n, common.revocation_reason)}</strong></label>
            <select id="reason" name="reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                <option value="">{tu_string!(i18n, common.choose)}</option>
                {RevocationReason::ALL.iter().filter(|r| **r != RevocationReason::CertificateHold).map(|r| view! {
                    <option value=r.as_str()>{crate::language::said(r.words())}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// Where the operator is in a process (data → options → Next → outcome): the steps before
/// `current` are done, `current` is marked for assistive technology too.
#[component]
pub fn Stepper(
    steps: &'static [&'static str],
    #[prop(into)] current: Signal<usize>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ol class="stepper" aria-label=move || t_string!(i18n, common.steps) data-testid="stepper">
            {steps.iter().enumerate().map(|(i, step)| view! {
                <li class:done=move || i < current.get()
                    aria-current=move || (i == current.get()).then_some("step")>
                    <span class="dot" aria-hidden="true"></span>{*step}
                </li>
            }).collect_view()}
        </ol>
    }
}

/// The id of the reader panel an encoding command leads to.
pub const ENCODE_PANEL: &str = "encode";

/// "What do you want to do?": the processes the object's state allows, each a button that opens
/// its page, and never an empty panel: without any it says so.
#[component]
pub fn CommandPanel(
    /// The object, in words ("user", "temporary card").
    noun: &'static str,
    commands: Vec<tessera_process::dto::Command>,
    href: impl Fn(tessera_process::ProcessId) -> String + 'static,
    /// What comes before the buttons (a consent a process needs first).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let buttons = if commands.is_empty() {
        // The sentence about the object as a whole: Swedish nouns take their own article.
        let nothing = match noun {
            "user" => tu_string!(i18n, common.no_commands_user).into_any(),
            "card" => tu_string!(i18n, common.no_commands_card).into_any(),
            "temporary card" => tu_string!(i18n, common.no_commands_temp_card).into_any(),
            "mobile ID" => tu_string!(i18n, common.no_commands_mobile_id).into_any(),
            "account" => tu_string!(i18n, common.no_commands_account).into_any(),
            _ => tu_string!(i18n, common.no_commands_any, noun = noun).into_any(),
        };
        view! {
            <p class="muted" data-testid="no-commands">{nothing}" "{tu_string!(i18n, common.no_commands_admin)}</p>
        }
        .into_any()
    } else {
        view! {
            <nav class="commands" aria-label=move || t_string!(i18n, common.what_to_do) data-testid="commands">
                {commands.into_iter().map(|c| {
                    // An encoding process is carried out in the reader panel further down the
                    // page ("click Initialize temporary card", then Next there): the button takes
                    // the focus there, so that the keyboard goes on from the panel.
                    if c.process.def().handler == tessera_process::Handler::Encode {
                        view! {
                            <button type="button" data-process=c.process.as_str() on:click=move |_| {
                                if let Some(panel) = document().get_element_by_id(ENCODE_PANEL) {
                                    if let Ok(panel) = leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(panel) {
                                        let _ = panel.focus();
                                    }
                                }
                            }>{crate::language::said(c.process.def().name)}</button>
                        }.into_any()
                    } else {
                        view! {
                            <A href=href(c.process) attr:class="button" attr:data-process=c.process.as_str()>{crate::language::said(c.process.def().name)}</A>
                        }.into_any()
                    }
                }).collect_view()}
            </nav>
        }
        .into_any()
    };
    view! {
        <aside class="commands">
            <h2>{tu_string!(i18n, common.what_to_do)}</h2>
            {children.map(|c| c())}
            {buttons}
        </aside>
    }
}

/// The audit records of one object, oldest first: who did what, from which state to which.
#[component]
pub fn HistoryTable(history: Vec<tessera_process::dto::AuditRow>) -> impl IntoView {
    let i18n = use_i18n();
    if history.is_empty() {
        return view! { <p class="empty" data-testid="history">{tu_string!(i18n, common.history_empty)}</p> }
            .into_any();
    }
    let language = crate::language::current();
    let state = move |s: Option<String>| {
        move || {
            s.as_deref()
                .map(|s| tessera_process::State::label_of_in(s, language()))
                .unwrap_or_default()
        }
    };
    view! {
        <table class="list" data-testid="history">
            <thead><tr>
                <th>{tu_string!(i18n, common.history_when)}</th><th>{tu_string!(i18n, common.history_who)}</th>
                <th>{tu_string!(i18n, common.history_process)}</th><th>{tu_string!(i18n, common.history_from)}</th>
                <th>{tu_string!(i18n, common.history_to)}</th><th>{tu_string!(i18n, common.history_details)}</th>
            </tr></thead>
            <tbody>
                {history.into_iter().map(|h| {
                    let action = h.action.clone();
                    // A process by the name the operator knows; other records by their action.
                    let name = match tessera_process::ProcessId::parse(&h.action) {
                        Some(p) => crate::language::said(p.def().name).into_any(),
                        None => h.action.clone().into_any(),
                    };
                    view! {
                        <tr data-action=action>
                            <td><When at=h.at/></td>
                            <td>{h.actor}</td>
                            <td title=h.action>{name}</td>
                            <td>{state(h.from_state)}</td>
                            <td>{state(h.to_state)}</td>
                            <td>{h.detail}{(!h.data.is_empty()).then(|| view! {
                                <details><summary>{tu_string!(i18n, common.history_data)}</summary><pre class="data">{h.data.clone()}</pre></details>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A number in the address (`/cards/:id`): 0 when it is missing or not a number, which no
/// object has.
pub fn id_param(name: &'static str) -> impl Fn() -> i64 + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || {
        params
            .read()
            .get(name)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// The page of an object.
pub fn object_href(kind: tessera_process::ObjectKind, id: i64) -> String {
    use tessera_process::ObjectKind;
    match kind {
        ObjectKind::User => format!("/users/{id}"),
        ObjectKind::Card => format!("/cards/{id}"),
        ObjectKind::TempCard => format!("/temp-cards/{id}"),
        ObjectKind::MobileId => format!("/mobile-ids/{id}"),
        ObjectKind::BatchOrder => format!("/batch-orders/{id}"),
        // Certificates are shown on the page of the credential that holds them.
        ObjectKind::Certificate => "/".into(),
    }
}

/// A user's data, as every page about a user shows it.
#[component]
pub fn UserData(user: tessera_process::dto::UserDetail) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <dl class="data" data-testid="user-data">
            <dt>{tu_string!(i18n, common.common_name)}</dt><dd data-field="common_name">{user.common_name}</dd>
            <dt>{tu_string!(i18n, common.upn)}</dt><dd data-field="upn">{user.upn}</dd>
            <dt>{tu_string!(i18n, common.employee_id)}</dt><dd>{user.employee_id}</dd>
            <dt>{tu_string!(i18n, common.given_name)}</dt><dd>{user.given_name}</dd>
            <dt>{tu_string!(i18n, common.surname)}</dt><dd>{user.surname}</dd>
            <dt>{tu_string!(i18n, common.email)}</dt><dd data-field="email">{user.email}</dd>
            <dt>{tu_string!(i18n, common.department)}</dt><dd>{user.department}</dd>
            <dt>{tu_string!(i18n, common.state)}</dt><dd><StateBadge name=user.state.as_str() label=user.state.words()/></dd>
        </dl>
    }
}
