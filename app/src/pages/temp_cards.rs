//! Temporary cards: the list with Request temporary cards and Order temporary cards, the card
//! page (with Initialize temporary card and Reconcile), and Abort order / Assign / Withdraw /
//! Extend / Lock temporary card (Next / Cancel, then the outcome).

use crate::api::{fetch_temp_card_page, quick_search, OrderTempCards, RequestTempCards};
use crate::components::id_param;
use crate::components::{loaded, submission_key, CommandPanel, ErrorBox, Loading, StateBadge};
use crate::i18n::{tu_string, use_i18n};
use crate::language::said;
use crate::pages::lists::ObjectTable;
use crate::pages::process::holder;
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::lists::Sort;
use tessera_process::{ObjectKind, State, TempCardState};

#[component]
pub fn TempCardsPage() -> impl IntoView {
    let i18n = use_i18n();
    let request = ServerAction::<RequestTempCards>::new();
    let once = submission_key();
    // The form stays for the next request: a new key for it once these cards are made.
    Effect::new(move |_| {
        if matches!(request.value().get(), Some(Ok(_))) {
            once.renew();
        }
    });
    let order = ServerAction::<OrderTempCards>::new();
    let order_once = submission_key();
    Effect::new(move |_| {
        if matches!(order.value().get(), Some(Ok(_))) {
            order_once.renew();
        }
    });
    // Empty: a count is typed, never a click away from ten cards.
    let count = RwSignal::new(String::new());
    let order_count = RwSignal::new(String::new());
    // The list: a Status, an order and a page, refetched after a request or an order.
    let status = RwSignal::new(String::new());
    let offset = RwSignal::new(0u64);
    let sort = RwSignal::new(Sort::default());
    let list = Resource::new(
        move || {
            (
                (request.version().get(), order.version().get()),
                status.get(),
                (offset.get(), sort.get()),
            )
        },
        |(_, status, (offset, sort))| {
            let state = TempCardState::parse(&status).map(State::TempCard);
            quick_search(
                ObjectKind::TempCard,
                state,
                String::new(),
                offset,
                Some(sort),
            )
        },
    );
    view! {
        <section>
            <h1>{tu_string!(i18n, temp_cards.title)}</h1>
            <div class="row">
                <form class="card" on:submit=move |ev| {
                    ev.prevent_default();
                    match count.get_untracked().trim().parse::<u32>() {
                        Ok(n) => { request.dispatch(RequestTempCards { count: n, once: once.get() }); }
                        Err(_) => { request.value().set(Some(Err(tessera_process::AppError::bad_request(tu_string!(i18n, temp_cards.enter_count))))); }
                    }
                }>
                    <h2>{tu_string!(i18n, temp_cards.request_title)}</h2>
                    <p class="hint">{tu_string!(i18n, temp_cards.request_hint)}</p>
                    <div class="field">
                        <label for="count">{tu_string!(i18n, temp_cards.how_many)}</label>
                        <input id="count" name="count" class="short" inputmode="numeric" data-testid="count" required
                            prop:value=move || count.get() on:input=move |ev| count.set(event_target_value(&ev))/>
                    </div>
                    <p class="actions">
                        <button type="submit" class="primary" data-testid="request-temp-cards" disabled=move || request.pending().get()>{tu_string!(i18n, temp_cards.request)}</button>
                        <A href="/batch-orders">{tu_string!(i18n, temp_cards.batch_link)}</A>
                    </p>
                    {move || request.value().get().map(|r| match r {
                        Ok(ids) => {
                            let count = ids.len();
                            view! { <p class="outcome" role="status" data-testid="requested">{
                                if count == 1 {
                                    view! { {tu_string!(i18n, temp_cards.requested_singular, count = count)} }.into_any()
                                } else {
                                    view! { {tu_string!(i18n, temp_cards.requested_plural, count = count)} }.into_any()
                                }
                            }</p> }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    })}
                </form>
                <form class="card" on:submit=move |ev| {
                    ev.prevent_default();
                    match order_count.get_untracked().trim().parse::<u32>() {
                        Ok(n) => { order.dispatch(OrderTempCards { count: n, once: order_once.get() }); }
                        Err(_) => { order.value().set(Some(Err(tessera_process::AppError::bad_request(tu_string!(i18n, temp_cards.enter_count))))); }
                    }
                }>
                    <h2>{tu_string!(i18n, temp_cards.order_title)}</h2>
                    <p class="hint">{tu_string!(i18n, temp_cards.order_hint)}</p>
                    <div class="field">
                        <label for="order-count">{tu_string!(i18n, temp_cards.how_many)}</label>
                        <input id="order-count" name="order-count" class="short" inputmode="numeric" data-testid="order-count" required
                            prop:value=move || order_count.get() on:input=move |ev| order_count.set(event_target_value(&ev))/>
                    </div>
                    <p class="actions">
                        <button type="submit" data-testid="order-temp-cards" disabled=move || order.pending().get()>{tu_string!(i18n, temp_cards.order)}</button>
                    </p>
                    {move || order.value().get().map(|r| match r {
                        Ok((n, state)) => view! { <p class="outcome" role="status" data-testid="ordered">{
                            match (state == TempCardState::Processing, n == 1) {
                                (true, true) => view! { {tu_string!(i18n, temp_cards.ordered_processing_singular, count = n)} }.into_any(),
                                (true, false) => view! { {tu_string!(i18n, temp_cards.ordered_processing_plural, count = n)} }.into_any(),
                                (false, true) => view! { {tu_string!(i18n, temp_cards.ordered_at_once_singular, count = n)} }.into_any(),
                                (false, false) => view! { {tu_string!(i18n, temp_cards.ordered_at_once_plural, count = n)} }.into_any(),
                            }
                        }</p> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    })}
                </form>
            </div>
            <h2>{tu_string!(i18n, temp_cards.all)}</h2>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <label>{tu_string!(i18n, temp_cards.status)}
                    <select data-testid="temp-card-state" on:change=move |ev| { status.set(event_target_value(&ev)); offset.set(0); }>
                        <option value="">{tu_string!(i18n, temp_cards.any)}</option>
                        {TempCardState::ALL.iter().map(|s| view! { <option value=s.as_str()>{said(s.words())}</option> }).collect_view()}
                    </select>
                </label>
            </form>
            <Transition fallback=Loading>
                {move || list.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(f) if f.rows.is_empty() => view! { <p class="empty" data-testid="temp-cards">{tu_string!(i18n, temp_cards.none)}</p> }.into_any(),
                    Ok(f) => view! {
                        <ObjectTable kind=ObjectKind::TempCard rows=f.rows total=f.total offset=f.offset testid="temp-cards"
                            page=Callback::new(move |o| offset.set(o))
                            sort=sort.get_untracked()
                            order=Callback::new(move |s| { sort.set(s); offset.set(0); })/>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn TempCardPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param("id");
    let page = Resource::new(id, fetch_temp_card_page);
    view! {
        <section>
            {loaded(page, move |p| {
                let card_id = p.card.id;
                view! {
                    <h1>{tu_string!(i18n, temp_cards.card_title, id = card_id)}</h1>
                    <div class="columns">
                        <dl class="data" data-testid="temp-card-data">
                            <dt>{tu_string!(i18n, temp_cards.state)}</dt><dd><StateBadge name=p.card.state.as_str() label=p.card.state.words()/></dd>
                            <dt>{tu_string!(i18n, temp_cards.holder)}</dt><dd data-testid="holder">{holder(&p.card)}</dd>
                            <dt>{tu_string!(i18n, temp_cards.chip_serial)}</dt><dd>{match p.card.chip_serial.clone() {
                                Some(serial) => serial.into_any(),
                                None => view! { {tu_string!(i18n, temp_cards.not_encoded)} }.into_any(),
                            }}</dd>
                            <dt>{tu_string!(i18n, temp_cards.batch_order)}</dt><dd>{p.card.batch_order_id.map(|b| view! { <A href=format!("/batch-orders/{b}")>{b}</A> })}</dd>
                            <dt>{tu_string!(i18n, temp_cards.requested)}</dt><dd><When at=p.card.created_at.clone()/></dd>
                        </dl>
                        <CommandPanel noun="temporary card" commands=p.commands.clone() href=move |pr| format!("/temp-cards/{card_id}/process/{}", pr.as_str())/>
                    </div>
                    <h2>{tu_string!(i18n, temp_cards.certificates)}</h2>
                    <crate::pages::certificates::CertificatesPanel certificates=p.certificates.clone()/>
                    <h2>{tu_string!(i18n, temp_cards.history)}</h2>
                    <crate::components::HistoryTable history=p.history.clone()/>
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
