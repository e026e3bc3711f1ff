use crate::api::{card_requests, pending_user_changes, requested_users, DecideCardRequest};
use crate::components::{ErrorBox, Loading};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::language::said;
use crate::pages::lists::Pager;
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::{CardRequestRow, RequestsShown};
use tessera_process::lists::{Sort, SortBy};

#[component]
fn RequestRow(row: CardRequestRow, decide: ServerAction<DecideCardRequest>) -> impl IntoView {
    let i18n = use_i18n();
    let reason = RwSignal::new(String::new());
    let (card_id, version, own) = (row.card_id, row.version, row.own_request);
    let send = move |decision: &'static str| {
        decide.dispatch(DecideCardRequest {
            card_id,
            version,
            decision: decision.into(),
            reason: reason.get_untracked(),
        });
    };
    let busy = move || own || decide.pending().get();
    view! {
        <tr data-card=card_id>
            <td><A href=format!("/cards/{card_id}")>{tu_string!(i18n, requests.card_id, id = card_id)}</A></td>
            <td><A href=format!("/users/{}", row.user_id)>{row.common_name.clone()}</A><br/><small>{row.upn.clone()}</small></td>
            <td>{row.card_profile.clone()}</td>
            <td>{row.requested_by.clone()}<br/><small><When at=row.requested_at.clone()/></small></td>
            <td>
                {row.postponed.clone().map(|p| view! { <small class="muted">{p}</small><br/> })}
                {own.then(|| view! { <small class="muted">{tu_string!(i18n, requests.own_request)}</small><br/> })}
                <button class="primary" disabled=busy on:click=move |_| send("approve")>{tu_string!(i18n, requests.approve)}</button>
                <input
                    type="text"
                    placeholder=move || t_string!(i18n, requests.reason_placeholder)
                    aria-label=move || t_string!(i18n, requests.reason)
                    maxlength="500"
                    prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))
                    disabled=busy
                />
                <button class="danger" disabled=busy on:click=move |_| send("reject")>{tu_string!(i18n, requests.reject)}</button>
                <button disabled=busy on:click=move |_| send("postpone")>{tu_string!(i18n, requests.postpone)}</button>
            </td>
        </tr>
    }
}

/// The approver's list of card requests.
#[component]
pub fn RequestsPage() -> impl IntoView {
    let i18n = use_i18n();
    let decide = ServerAction::<DecideCardRequest>::new();
    let offset = RwSignal::new(0u64);
    // None: the queue (oldest first, postponed last), until a heading is clicked.
    let sort = RwSignal::new(None::<Sort>);
    let shown = RwSignal::new(RequestsShown::All);
    let rows = Resource::new(
        move || {
            (
                decide.version().get(),
                offset.get(),
                sort.get(),
                shown.get(),
            )
        },
        |(_, offset, sort, shown)| card_requests(offset, sort, Some(shown)),
    );
    let users = Resource::new(|| (), |_| requested_users());
    let changes = Resource::new(|| (), |_| pending_user_changes());
    view! {
        <section>
            <h1>{tu_string!(i18n, requests.title)}</h1>
            <p class="muted">{tu_string!(i18n, requests.intro)}</p>
            {move || decide.value().get().map(|r| match r {
                Ok(state) => view! { <p class="notice" role="status">{tu_string!(i18n, requests.done, state = said(state.words())().to_lowercase())}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <label>{tu_string!(i18n, requests.show)} " "
                    <select name="shown" data-testid="requests-shown" on:change=move |ev| {
                        if let Some(s) = RequestsShown::parse(&event_target_value(&ev)) {
                            shown.set(s);
                            offset.set(0);
                        }
                    }>
                        {RequestsShown::ALL.map(|s| view! { <option value=s.as_str()>{said(s.words())}</option> }).collect_view()}
                    </select>
                </label>
            </form>
            <Transition fallback=Loading>
                {move || rows.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(page) if page.rows.is_empty() => view! { <p class="muted" data-testid="no-requests">{tu_string!(i18n, requests.none_waiting)}</p> }.into_any(),
                    Ok(page) => {
                        let current = sort.get_untracked();
                        let heading = move |by: SortBy, label: &'static str| {
                            let aria = match current {
                                Some(s) if s.by == by => if s.descending { "descending" } else { "ascending" },
                                _ => "none",
                            };
                            view! {
                                <th aria-sort=aria>
                                    <button type="button" class="sort" on:click=move |_| {
                                        let next = match current {
                                            Some(s) => s.toggled(by),
                                            None => Sort { by, descending: false },
                                        };
                                        sort.set(Some(next));
                                        offset.set(0);
                                    }>{label}</button>
                                </th>
                            }
                        };
                        let (start, count, total) = (page.offset, page.rows.len() as u64, page.total);
                        let (from, shown) = (start + 1, start + count);
                        view! {
                            <p data-testid="requests-count">{tu_string!(i18n, requests.range, from = from, shown = shown, total = total)}{if current.is_none() { t_string!(i18n, requests.queue_order) } else { t_string!(i18n, requests.chosen_order) }}</p>
                            <table class="list" data-testid="requests">
                                <thead><tr>
                                    {heading(SortBy::Object, t_string!(i18n, requests.card))}{heading(SortBy::Holder, t_string!(i18n, requests.user))}<th>{tu_string!(i18n, requests.profile)}</th>
                                    {heading(SortBy::Changed, t_string!(i18n, requests.requested_by))}<th>{tu_string!(i18n, requests.decision)}</th>
                                </tr></thead>
                                <tbody>
                                    {page.rows.into_iter().map(|row| view! { <RequestRow row decide/> }).collect_view()}
                                </tbody>
                            </table>
                            <Pager offset=start rows=count total next_testid="requests-next"
                                page=Callback::new(move |o| offset.set(o))/>
                        }.into_any()
                    }
                })}
            </Transition>
            <h2>{tu_string!(i18n, requests.users_waiting)}</h2>
            <Transition fallback=Loading>
                {move || users.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-user-requests">{tu_string!(i18n, requests.no_users_waiting)}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="list" data-testid="user-requests">
                            <thead><tr><th>{tu_string!(i18n, requests.user)}</th><th>{tu_string!(i18n, requests.employee_id)}</th><th>{tu_string!(i18n, requests.department)}</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|u| view! {
                                    <tr><td><A href=format!("/users/{}", u.id)>{u.common_name}</A><br/><small>{u.upn}</small></td><td>{u.employee_id}</td><td>{u.department}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
            <h2>{tu_string!(i18n, requests.changes_waiting)}</h2>
            <p class="muted">{tu_string!(i18n, requests.changes_intro)}</p>
            <Transition fallback=Loading>
                {move || changes.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-user-changes">{tu_string!(i18n, requests.no_changes_waiting)}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="list" data-testid="user-changes">
                            <thead><tr><th>{tu_string!(i18n, requests.user)}</th><th>{tu_string!(i18n, requests.change)}</th><th>{tu_string!(i18n, requests.requested_by)}</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|c| view! {
                                    <tr data-change=c.id>
                                        <td><A href=format!("/users/{}", c.user_id)>{c.common_name}</A><br/><small>{c.employee_id}</small></td>
                                        <td>{c.changes.join("; ")}</td>
                                        <td>{c.requested_by}<br/><small><When at=c.requested_at/></small></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
