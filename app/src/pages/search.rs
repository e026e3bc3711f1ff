//! The SEARCH tab (`/search`): a kind, a Status and the text, as the guides use it ("In the
//! SEARCH tab, select Temporary card … Select state Produced in the Status drop-down list, and
//! click Search"). Quick search in the header lands here too.

use crate::api::quick_search;
use crate::components::{ErrorBox, Loading};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::language::said;
use crate::pages::lists::ObjectTable;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use tessera_process::lists::{Sort, SEARCH_KINDS};
use tessera_process::{ObjectKind, ProcessId, State};

/// The `by` of a search for mobile IDs that lists their users: "select Mobile ID. Select User
/// in the drop-down menu and select the user that shall have a mobile ID" (Supply mobile ID for
/// user is then on the user's page).
pub const BY_USER: &str = "user";

/// Mobile IDs found by their user (the guide's way, the default) or by themselves.
#[component]
pub fn FindBy(#[prop(optional, into)] chosen: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <select name="by" aria-label=move || t_string!(i18n, search.find_by_label) data-testid="find-by">
            <option value=BY_USER selected=move || chosen.get() != "mobile_id">{tu_string!(i18n, search.by_user)}</option>
            <option value="mobile_id" selected=move || chosen.get() == "mobile_id">{tu_string!(i18n, search.by_mobile_id)}</option>
        </select>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let kind = Memo::new(move |_| {
        query
            .with(|q| q.get("kind").and_then(|k| ObjectKind::parse(&k)))
            .unwrap_or(ObjectKind::User)
    });
    let state = Memo::new(move |_| query.with(|q| q.get("state")).unwrap_or_default());
    let text = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let by = Memo::new(move |_| query.with(|q| q.get("by")).unwrap_or_default());
    // What is listed: mobile IDs found by their user list the users.
    let listed = Memo::new(move |_| {
        if kind.get() == ObjectKind::MobileId && by.get() == BY_USER {
            ObjectKind::User
        } else {
            kind.get()
        }
    });
    let offset = RwSignal::new(0u64);
    let sort = RwSignal::new(Sort::default());
    // Another search starts at its first page, newest first.
    Effect::new(move |_| {
        listed.track();
        state.track();
        text.track();
        offset.set(0);
        sort.set(Sort::default());
    });
    let found = Resource::new(
        move || {
            // A mobile ID's Status does not narrow the users listed for it.
            let state = if listed.get() == kind.get() {
                state.get()
            } else {
                String::new()
            };
            (listed.get(), state, text.get(), (offset.get(), sort.get()))
        },
        // Inside, `Err(state)`: the address names a state the kind does not have (the page says
        // so in its own words).
        |(kind, state, text, (offset, sort))| async move {
            let state = match state.as_str() {
                "" => None,
                s => match State::parse(kind, s) {
                    Some(state) => Some(state),
                    None => return Ok(Err(s.to_string())),
                },
            };
            quick_search(kind, state, text, offset, Some(sort))
                .await
                .map(Ok)
        },
    );
    // The Status list follows the kind chosen in the form, before Search is clicked.
    let chosen = RwSignal::new(kind.get_untracked());
    Effect::new(move |_| chosen.set(kind.get()));
    view! {
        <section>
            <h1>{tu_string!(i18n, search.search)}</h1>
            <Form method="GET" action="/search" attr:class="search-tab" attr:data-testid="search-tab">
                <label>{tu_string!(i18n, search.kind)}" "
                    <select name="kind" data-testid="search-kind"
                        on:change=move |ev| if let Some(k) = ObjectKind::parse(&event_target_value(&ev)) { chosen.set(k) }>
                        {SEARCH_KINDS.iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == *k>{said(k.words())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{tu_string!(i18n, search.status)}" "
                    <select name="state" data-testid="search-state">
                        <option value="">{tu_string!(i18n, search.any)}</option>
                        {move || State::all(chosen.get()).into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || state.get() == s.as_str()>{said(s.words())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || chosen.get() == ObjectKind::MobileId>
                    <label>{tu_string!(i18n, search.find_by)}" " <FindBy chosen=Signal::derive(move || by.get())/></label>
                </Show>
                <label>{tu_string!(i18n, search.search_for)}" "
                    <input type="search" name="q" prop:value=move || text.get()
                        placeholder=move || t_string!(i18n, search.placeholder)/>
                </label>
                <button type="submit" class="primary">{tu_string!(i18n, search.search)}</button>
            </Form>
            <Show when=move || listed.get() != kind.get()>
                <p class="hint" data-testid="find-by-user">{tu_string!(i18n, search.find_by_user_hint, process = crate::language::said(ProcessId::MobileIDProcSupplyMobileIDForUser.def().name)())}</p>
            </Show>
            <Transition fallback=Loading>
                {move || found.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    // As ErrorBox shows a refusal.
                    Ok(Err(s)) => {
                        let kind = said(listed.get_untracked().words())().to_lowercase();
                        view! {
                            <div class="error" role="alert">
                                <p>{tu_string!(i18n, search.not_a_state, state = s, kind = kind)}</p>
                            </div>
                        }.into_any()
                    }
                    Ok(Ok(f)) if f.rows.is_empty() => {
                        let kind = said(listed.get_untracked().words())().to_lowercase();
                        view! {
                            <p class="muted" data-testid="search-empty">{tu_string!(i18n, search.no_matches, kind = kind)}</p>
                        }.into_any()
                    }
                    Ok(Ok(f)) => view! {
                        <ObjectTable kind=listed.get_untracked() rows=f.rows total=f.total offset=f.offset testid="search-results"
                            page=Callback::new(move |o| offset.set(o))
                            sort=sort.get_untracked()
                            order=Callback::new(move |s| { sort.set(s); offset.set(0); })/>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
