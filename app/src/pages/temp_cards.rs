//! Temporary cards: the list with Request temporary cards and Order temporary cards, the card
//! page (with Initialize temporary card and Reconcile), and Abort order / Assign / Withdraw /
//! Extend / Lock temporary card (Next / Cancel, then the outcome).

use crate::api::{
    error_text, fetch_temp_card_page, fetch_temp_card_process, search_users, temp_cards,
    OrderTempCards, RequestTempCards, RunTempCardProcess,
};
use crate::components::{loaded, CommandList, ErrorBox, Loading, StateBadge};
use crate::pages::user::id_param;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::TempCardRow;
use tessera_process::{ObjectKind, TempCardState, UserState};

fn holder(c: &TempCardRow) -> String {
    match (&c.user, &c.assigned_until) {
        (Some(u), Some(until)) => format!("{u}, until {until}"),
        (Some(u), None) => u.clone(),
        _ => "—".into(),
    }
}

#[component]
pub fn TempCardsPage() -> impl IntoView {
    let request = ServerAction::<RequestTempCards>::new();
    let order = ServerAction::<OrderTempCards>::new();
    let count = RwSignal::new("10".to_string());
    let order_count = RwSignal::new("10".to_string());
    let list = Resource::new(
        move || (request.version().get(), order.version().get()),
        |_| temp_cards(String::new()),
    );
    view! {
        <section>
            <h1>"Temporary cards"</h1>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                match count.get_untracked().trim().parse::<u32>() {
                    Ok(n) => { request.dispatch(RequestTempCards { count: n }); }
                    Err(_) => { request.value().set(Some(Err(leptos::prelude::ServerFnError::new("Enter how many cards, as a number.")))); }
                }
            }>
                <label for="count"><strong>"Request temporary cards"</strong></label>
                <input id="count" name="count" inputmode="numeric" data-testid="count"
                    prop:value=move || count.get() on:input=move |ev| count.set(event_target_value(&ev))/>
                <button type="submit" class="primary" data-testid="request-temp-cards" disabled=move || request.pending().get()>"Request"</button>
            </form>
            {move || request.value().get().map(|r| match r {
                Ok(ids) => view! { <p class="outcome" role="status" data-testid="requested">{format!("{} temporary cards requested. Produce them on the BATCH ORDERS page.", ids.len())}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            <p><A href="/batch-orders">"BATCH ORDERS: Issue multiple temporary cards"</A></p>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                match order_count.get_untracked().trim().parse::<u32>() {
                    Ok(n) => { order.dispatch(OrderTempCards { count: n }); }
                    Err(_) => { order.value().set(Some(Err(leptos::prelude::ServerFnError::new("Enter how many cards, as a number.")))); }
                }
            }>
                <label for="order-count"><strong>"Order temporary cards from the bureau"</strong></label>
                <input id="order-count" name="order-count" inputmode="numeric" data-testid="order-count"
                    prop:value=move || order_count.get() on:input=move |ev| order_count.set(event_target_value(&ev))/>
                <button type="submit" data-testid="order-temp-cards" disabled=move || order.pending().get()>"Order"</button>
            </form>
            {move || order.value().get().map(|r| match r {
                Ok((n, state)) => view! { <p class="outcome" role="status" data-testid="ordered">{
                    if state == TempCardState::Processing {
                        format!("{n} temporary cards ordered. They wait (processing) for the next sync with the bureau and can be aborted until then.")
                    } else {
                        format!("{n} temporary cards ordered at once: they go to the bureau's outbox now (admin → External production shows the order files).")
                    }
                }</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            {loaded(list, |cards| view! {
                <table data-testid="temp-cards">
                    <thead><tr><th>"Card"</th><th>"State"</th><th>"Holder"</th><th>"Chip"</th><th>"Batch order"</th></tr></thead>
                    <tbody>
                        {cards.into_iter().map(|c| view! {
                            <tr data-testid="temp-card" data-id=c.id>
                                <td><A href=format!("/temp-cards/{}", c.id)>{c.id}</A></td>
                                <td><StateBadge name=c.state.as_str() label=c.state.label()/></td>
                                <td>{holder(&c)}</td>
                                <td>{c.chip_serial.clone().unwrap_or_default()}</td>
                                <td>{c.batch_order_id.map(|b| b.to_string()).unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}

#[component]
pub fn TempCardPage() -> impl IntoView {
    let id = id_param("id");
    let page = Resource::new(id, fetch_temp_card_page);
    view! {
        <section>
            {loaded(page, move |p| {
                let card_id = p.card.id;
                view! {
                    <h1>{format!("Temporary card {card_id}")}</h1>
                    <dl class="data" data-testid="temp-card-data">
                        <dt>"State"</dt><dd><StateBadge name=p.card.state.as_str() label=p.card.state.label()/></dd>
                        <dt>"Holder"</dt><dd data-testid="holder">{holder(&p.card)}</dd>
                        <dt>"Chip serial"</dt><dd>{p.card.chip_serial.clone().unwrap_or_else(|| "not encoded".into())}</dd>
                        <dt>"Batch order"</dt><dd>{p.card.batch_order_id.map(|b| view! { <A href=format!("/batch-orders/{b}")>{b}</A> })}</dd>
                        <dt>"Requested"</dt><dd><time>{p.card.created_at.clone()}</time></dd>
                    </dl>
                    <h2>"What do you want to do?"</h2>
                    <CommandList commands=p.commands.clone() href=move |pr| format!("/temp-cards/{card_id}/process/{}", pr.as_str())/>
                    <h2>"Certificates"</h2>
                    <p>{format!("{} certificates", p.certificates.len())}</p>
                    <ul data-testid="certificates">
                        {p.certificates.iter().map(|c| view! { <li>{format!("{} — {} ({})", c.profile, c.subject, c.state.as_str())}</li> }).collect_view()}
                    </ul>
                    <h2>"History"</h2>
                    <ul class="history">
                        {p.history.iter().map(|h| view! { <li><time>{h.at.clone()}</time>" "{h.actor.clone()}": "{h.detail.clone()}</li> }).collect_view()}
                    </ul>
                }
            })}
        </section>
        // Outside the card's data, so that the job's progress and the PIN stay on screen while
        // the card is reloaded after the job.
        {move || {
            let card_id = id();
            (card_id > 0).then(|| view! {
                <crate::pages::issue_card::IssueCardPanel kind=ObjectKind::TempCard card_id on_change=move |_| page.refetch()/>
            })
        }}
    }
}

#[component]
pub fn TempCardProcessPage() -> impl IntoView {
    let id = id_param("id");
    let params = use_params_map();
    let process = move || params.read().get("process").unwrap_or_default();
    let preview = Resource::new(
        move || (process(), id()),
        |(p, id)| fetch_temp_card_process(p, id),
    );
    // The user chooser only for Assign; a search narrows it in a large organisation.
    // Known from the address, not from the preview: reading the preview here, outside its
    // <Suspense/>, re-rendered the page after hydration and lost the first click.
    let needs_user =
        Memo::new(move |_| process() == tessera_process::ProcessId::TempCardsProcAssign.as_str());
    let query = RwSignal::new(String::new());
    let users = Resource::new(
        move || (needs_user.get(), query.get()),
        |(needed, q)| async move {
            if needed {
                search_users(q).await
            } else {
                Ok(vec![])
            }
        },
    );
    let run = ServerAction::<RunTempCardProcess>::new();
    let reason = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    view! {
        <section>
            {move || match run.value().get() {
                Some(Ok(out)) => view! {
                    <h1>"Done"</h1>
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>"The temporary card is now " <StateBadge name=out.state.as_str() label=out.state.label()/> "."</p>
                        {out.assigned_until.clone().map(|u| view! { <p>{format!("Assigned until {u}.")}</p> })}
                        <p>{format!("{} certificates changed with the card.", out.certificates_changed)}</p>
                        <p class="actions"><A href=format!("/temp-cards/{}", out.id)>"Back to the card"</A></p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Transition fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><A href=format!("/temp-cards/{}", id())>"Back to the card"</A></p>
                            }.into_any(),
                            Ok(p) => {
                                let (card_id, version, name) = (p.card.id, p.card.version, p.process.as_str().to_string());
                                let needs_reason = p.needs_reason;
                                view! {
                                    <h1>{p.name.clone()}</h1>
                                    <dl class="data">
                                        <dt>"Temporary card"</dt><dd>{card_id}</dd>
                                        <dt>"State"</dt><dd><StateBadge name=p.card.state.as_str() label=p.card.state.label()/></dd>
                                        <dt>"Holder"</dt><dd>{holder(&p.card)}</dd>
                                    </dl>
                                    <h2>"What happens"</h2>
                                    <p>"The card becomes " <StateBadge name=p.end_state.as_str() label=p.end_state.label()/> "."</p>
                                    {p.validity_days.map(|d| view! { <p data-testid="validity">{format!("Valid for {d} days from now (or from the current end, when extending).")}</p> })}
                                    <p>{format!("{} certificates change state.", p.certificates)}</p>
                                    <Show when=move || needs_user.get()>
                                        <div class="field">
                                            <label for="user-search"><strong>"User"</strong></label>
                                            <input id="user-search" type="search" placeholder="Search by name, UPN or employee id"
                                                on:change=move |ev| query.set(event_target_value(&ev))/>
                                            <select id="user" name="user" data-testid="user" on:change=move |ev| user.set(event_target_value(&ev))>
                                                <option value="">"Choose…"</option>
                                                // Read in the page's own <Transition/>, which waits for the list
                                                // too: a <Suspense/> of its own inside the <select> hydrated in
                                                // whichever order the two lists arrived, and when the users came
                                                // second the page's hydration failed and no click worked.
                                                {move || users.get().and_then(|r| r.ok()).map(|list| list.into_iter()
                                                    .filter(|u| u.state == UserState::Active)
                                                    .map(|u| view! { <option value=u.id>{format!("{} ({})", u.common_name, u.upn)}</option> })
                                                    .collect_view())}
                                            </select>
                                        </div>
                                    </Show>
                                    <Show when=move || needs_reason>
                                        <crate::components::RevocationReasonField reason/>
                                    </Show>
                                    {move || run.value().get().and_then(|r| r.err()).map(|e| view! {
                                        <p class="error" role="alert">{error_text(&e)}</p>
                                    })}
                                    <p class="actions">
                                        <button type="button" class="primary" data-testid="next" disabled=move || run.pending().get()
                                            on:click={
                                                let name = name.clone();
                                                move |_| { run.dispatch(RunTempCardProcess {
                                                    process: name.clone(),
                                                    id: card_id,
                                                    version,
                                                    user_id: user.get_untracked().parse().ok(),
                                                    reason: Some(reason.get_untracked()),
                                                }); }
                                            }>"Next"</button>
                                        <A href=format!("/temp-cards/{card_id}")>"Cancel"</A>
                                    </p>
                                }.into_any()
                            }
                        })}
                    </Transition>
                }.into_any(),
            }}
        </section>
    }
}
