//! The SEARCH tab (`/search`): a kind, a Status and the text, as the guides use it ("In the
//! SEARCH tab, select Temporary card … Select state Produced in the Status drop-down list, and
//! click Search"). Quick search in the header lands here too.

use crate::api::quick_search;
use crate::components::{ErrorBox, Loading};
use crate::pages::lists::ObjectTable;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use tessera_process::lists::{Sort, SEARCH_KINDS};
use tessera_process::{AppError, ObjectKind, State};

/// The `by` of a search for mobile IDs that lists their users: "select Mobile ID. Select User
/// in the drop-down menu and select the user that shall have a mobile ID" (Supply mobile ID for
/// user is then on the user's page).
pub const BY_USER: &str = "user";

/// Mobile IDs found by their user (the guide's way, the default) or by themselves.
#[component]
pub fn FindBy(#[prop(optional, into)] chosen: Signal<String>) -> impl IntoView {
    view! {
        <select name="by" aria-label="Find mobile IDs by" data-testid="find-by">
            <option value=BY_USER selected=move || chosen.get() != "mobile_id">"User"</option>
            <option value="mobile_id" selected=move || chosen.get() == "mobile_id">"Mobile ID"</option>
        </select>
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
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
        |(kind, state, text, (offset, sort))| async move {
            let state = match state.as_str() {
                "" => None,
                s => Some(State::parse(kind, s).ok_or_else(|| {
                    AppError::bad_request(format!(
                        "\"{s}\" is not a state of a {}; choose one from the Status list.",
                        kind.label().to_lowercase()
                    ))
                })?),
            };
            quick_search(kind, state, text, offset, Some(sort)).await
        },
    );
    // The Status list follows the kind chosen in the form, before Search is clicked.
    let chosen = RwSignal::new(kind.get_untracked());
    Effect::new(move |_| chosen.set(kind.get()));
    view! {
        <section>
            <h1>"Search"</h1>
            <Form method="GET" action="/search" attr:class="search-tab" attr:data-testid="search-tab">
                <label>"Kind "
                    <select name="kind" data-testid="search-kind"
                        on:change=move |ev| if let Some(k) = ObjectKind::parse(&event_target_value(&ev)) { chosen.set(k) }>
                        {SEARCH_KINDS.iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == *k>{k.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Status "
                    <select name="state" data-testid="search-state">
                        <option value="">"Any"</option>
                        {move || State::all(chosen.get()).into_iter().map(|s| view! {
                            <option value=s.as_str() selected=move || state.get() == s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || chosen.get() == ObjectKind::MobileId>
                    <label>"Find by " <FindBy chosen=Signal::derive(move || by.get())/></label>
                </Show>
                <label>"Search for "
                    <input type="search" name="q" prop:value=move || text.get()
                        placeholder="Id, name, UPN, employee id or serial"/>
                </label>
                <button type="submit" class="primary">"Search"</button>
            </Form>
            <Show when=move || listed.get() != kind.get()>
                <p class="hint" data-testid="find-by-user">"Users who match: open the user that shall have a mobile ID and click Supply mobile ID for user."</p>
            </Show>
            <Transition fallback=Loading>
                {move || found.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(f) if f.rows.is_empty() => view! {
                        <p class="muted" data-testid="search-empty">{format!("No {} matches.", listed.get_untracked().label().to_lowercase())}</p>
                    }.into_any(),
                    Ok(f) => view! {
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
