//! BATCH ORDERS: Issue multiple temporary cards and Issue multiple cards. Search lists the cards
//! ready for production (requested temporary cards, approved personal cards), the ticked ones
//! become a batch order; on the batch page Next produces them (through the card bridge when
//! they are encoded) with a live progress bar and a result per card, then Repeat production for
//! failed cards and Complete order.

use crate::api::{
    batch_search, close_batch, create_batch, error_text, fetch_batch, fetch_list, produce_batch,
    stop_batch,
};
use crate::components::id_param;
use crate::components::{Confirm, ErrorBox, Loading, StateBadge, Stepper};
use crate::i18n::{t_string, td_string, tu_string, use_i18n, Locale};
use crate::language::said;
use crate::pages::issue_card::{watch_readers, Readers};
use crate::pages::lists::ObjectTable;
use crate::time::When;
use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use tessera_process::dto::{BatchCandidate, BatchView};
use tessera_process::lists::{ListId, Sort};
use tessera_process::{BatchOrderState, ObjectKind, ProcessId, State};

/// What the page calls a batch of `kind`: the process, and what its cards wait in (in the
/// language of the page; tracked, so call it in a reactive closure).
fn wording(i18n: I18nContext<Locale>, kind: ObjectKind) -> (&'static str, &'static str) {
    match kind {
        ObjectKind::Card => (
            t_string!(i18n, batch_orders.issue_multiple_cards),
            t_string!(i18n, batch_orders.cards_waiting),
        ),
        _ => (
            t_string!(i18n, batch_orders.issue_multiple_temp_cards),
            t_string!(i18n, batch_orders.temp_cards_waiting),
        ),
    }
}

/// How many steps a batch order has (see [`batch_steps`]).
const BATCH_STEP_COUNT: usize = 5;

/// The steps of a batch order in `locale`, as the guide walks them: Search, tick the cards,
/// Issue multiple, Next (production), then Complete order.
fn batch_steps(locale: Locale) -> &'static [&'static str] {
    fn steps(l: Locale) -> [&'static str; BATCH_STEP_COUNT] {
        [
            td_string!(l, batch_orders.step_search),
            td_string!(l, batch_orders.step_select),
            td_string!(l, batch_orders.step_issue),
            td_string!(l, common.next),
            td_string!(l, batch_orders.step_complete),
        ]
    }
    static EN: LazyLock<[&str; BATCH_STEP_COUNT]> = LazyLock::new(|| steps(Locale::en));
    static SV: LazyLock<[&str; BATCH_STEP_COUNT]> = LazyLock::new(|| steps(Locale::sv));
    match locale {
        Locale::en => &*EN,
        Locale::sv => &*SV,
    }
}

/// Where a batch order in `state` is among [`batch_steps`].
fn batch_step(state: BatchOrderState) -> usize {
    match state {
        BatchOrderState::Open => 3,
        BatchOrderState::InProduction => 4,
        BatchOrderState::Completed | BatchOrderState::Cancelled => BATCH_STEP_COUNT,
    }
}

/// The page of a card of a batch.
fn card_href(kind: ObjectKind, id: i64) -> String {
    match kind {
        ObjectKind::Card => format!("/cards/{id}"),
        _ => format!("/temp-cards/{id}"),
    }
}

#[component]
pub fn BatchOrdersPage() -> impl IntoView {
    let i18n = use_i18n();
    // The cards found, with the kind they were searched for: Issue multiple uses that kind.
    let found = RwSignal::new(None::<(ObjectKind, Vec<BatchCandidate>)>);
    let kind = RwSignal::new(ObjectKind::TempCard);
    let picked = RwSignal::new(BTreeSet::<i64>::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let offset = RwSignal::new(0u64);
    let sort = RwSignal::new(Sort::default());
    let status = RwSignal::new(None::<BatchOrderState>);
    let batches = Resource::new(
        move || (offset.get(), sort.get(), status.get()),
        |(offset, sort, status)| {
            let state = status.map(State::BatchOrder);
            fetch_list(ListId::BatchOrders, offset, Some(sort), state)
        },
    );
    let navigate = use_navigate();
    let search = move |_| {
        error.set(None);
        leptos::task::spawn_local(async move {
            let searched = kind.get_untracked();
            match batch_search(searched).await {
                Ok(list) => {
                    picked.set(BTreeSet::new());
                    found.set(Some((searched, list)));
                }
                Err(e) => error.set(Some(error_text(&e))),
            }
        });
    };
    let issue = move |_| {
        let ids: Vec<i64> = picked.get_untracked().into_iter().collect();
        let Some(searched) = found.with_untracked(|f| f.as_ref().map(|(k, _)| *k)) else {
            return;
        };
        let navigate = navigate.clone();
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            match create_batch(searched, ids).await {
                Ok(batch) => navigate(&format!("/batch-orders/{batch}"), Default::default()),
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <section>
            <h1>{tu_string!(i18n, batch_orders.title)}</h1>
            {move || view! { <Stepper steps=batch_steps(i18n.get_locale()) current=Signal::derive(move || usize::from(found.with(|f| f.is_some())))/> }}
            <div class="field" role="radiogroup" aria-label=move || t_string!(i18n, batch_orders.cards_to_produce)>
                {[ObjectKind::TempCard, ObjectKind::Card].into_iter().map(|k| view! {
                    <label class="inline">
                        <input type="radio" name="kind" data-testid=format!("kind-{}", k.as_str())
                            prop:checked=move || kind.get() == k
                            on:change=move |_| { kind.set(k); found.set(None); picked.set(BTreeSet::new()); }/>
                        " " {move || wording(i18n, k).0}
                    </label>
                }).collect_view()}
            </div>
            <h2>{move || wording(i18n, kind.get()).0}</h2>
            <p class="muted">{move || {
                let (process, cards) = wording(i18n, kind.get());
                tu_string!(i18n, batch_orders.search_lists, cards = cards, process = process)
            }}</p>
            <p class="actions"><button type="button" data-testid="search" on:click=search>{tu_string!(i18n, batch_orders.search)}</button></p>
            {move || found.get().map(|(searched, list)| if list.is_empty() {
                view! { <p data-testid="no-requested">{move || tu_string!(i18n, batch_orders.none_found, cards = wording(i18n, searched).1)}</p> }.into_any()
            } else {
                let all: Vec<i64> = list.iter().map(|c| c.id).collect();
                let count = all.len();
                view! {
                    <table class="list" data-testid="requested">
                        <thead><tr>
                            <th><input type="checkbox" aria-label=move || t_string!(i18n, batch_orders.select_all) data-testid="pick-all"
                                prop:checked=move || picked.with(|p| p.len() == count)
                                on:change={
                                    let all = all.clone();
                                    move |ev| {
                                        let on = event_target_checked(&ev);
                                        picked.set(if on { all.iter().copied().collect() } else { BTreeSet::new() });
                                    }
                                }/></th>
                            <th>{tu_string!(i18n, batch_orders.card)}</th><th>{tu_string!(i18n, batch_orders.holder)}</th><th>{tu_string!(i18n, batch_orders.created)}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|c| {
                                let id = c.id;
                                view! {
                                    <tr data-testid="requested-card" data-id=id>
                                        <td><input type="checkbox" data-testid="pick" aria-label=move || format!("{} {id}", t_string!(i18n, batch_orders.card))
                                            prop:checked=move || picked.with(|p| p.contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                picked.update(|p| { if on { p.insert(id); } else { p.remove(&id); } });
                                            }/></td>
                                        <td>{id}</td>
                                        <td>{c.holder.clone().unwrap_or_default()}</td>
                                        <td><When at=c.created_at.clone()/></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <p class="actions">
                        <button type="button" class="primary" data-testid="issue-multiple" disabled=move || busy.get() on:click=issue.clone()>
                            {move || {
                                let count = picked.with(|p| p.len());
                                tu_string!(i18n, batch_orders.issue_selected, process = wording(i18n, searched).0, count = count)
                            }}
                        </button>
                    </p>
                }.into_any()
            })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="batch-error">{e}</p> })}
            <h2>{tu_string!(i18n, batch_orders.batch_orders)}</h2>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <label>{tu_string!(i18n, batch_orders.status)}
                    <select data-testid="batch-state" on:change=move |ev| {
                        status.set(BatchOrderState::parse(&event_target_value(&ev)));
                        offset.set(0);
                    }>
                        <option value="">{tu_string!(i18n, batch_orders.any)}</option>
                        {BatchOrderState::ALL.iter().map(|s| view! { <option value=s.as_str()>{said(s.words())}</option> }).collect_view()}
                    </select>
                </label>
            </form>
            <Transition fallback=Loading>
                {move || batches.get().map(|r| match r {
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    Ok(p) if p.rows.is_empty() => view! { <p class="empty" data-testid="batches">{tu_string!(i18n, batch_orders.no_batch_orders)}</p> }.into_any(),
                    Ok(p) => view! {
                        <ObjectTable kind=ObjectKind::BatchOrder rows=p.rows total=p.total offset=p.offset testid="batches"
                            page=Callback::new(move |o| offset.set(o))
                            sort=sort.get_untracked()
                            order=Callback::new(move |s| { sort.set(s); offset.set(0); })/>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

fn result_text(i18n: I18nContext<Locale>, c: &tessera_process::dto::BatchCard) -> String {
    match &c.error {
        Some(e) => e.clone(),
        None if c.waiting => t_string!(i18n, batch_orders.result_waiting).into(),
        None if c.failed => t_string!(i18n, batch_orders.result_failed).into(),
        None => t_string!(i18n, batch_orders.result_produced).into(),
    }
}

/// What an action on the batch page did, shown until the next one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Next or Repeat production made this many cards (without encoding: at once).
    Produced(usize),
    /// Production runs in the background.
    Started,
    Completed,
    Cancelled,
    Stopping,
}

/// An outcome in words.
fn outcome_text(i18n: I18nContext<Locale>, outcome: Outcome) -> AnyView {
    match outcome {
        Outcome::Produced(1) => {
            view! { {tu_string!(i18n, batch_orders.cards_produced_singular, count = 1)} }.into_any()
        }
        Outcome::Produced(n) => {
            view! { {tu_string!(i18n, batch_orders.cards_produced_plural, count = n)} }.into_any()
        }
        Outcome::Started => {
            view! { {tu_string!(i18n, batch_orders.production_started)} }.into_any()
        }
        Outcome::Completed => view! { {tu_string!(i18n, batch_orders.completed)} }.into_any(),
        Outcome::Cancelled => view! { {tu_string!(i18n, batch_orders.cancelled)} }.into_any(),
        Outcome::Stopping => view! { {tu_string!(i18n, batch_orders.stopping)} }.into_any(),
    }
}

/// What a button on the batch page asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Next,
    Repeat,
    Complete,
    Cancel,
    Stop,
}

#[component]
pub fn BatchOrderPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param("id");
    let refresh = RwSignal::new(0u32);
    let view_data = Resource::new(move || (id(), refresh.get()), |(id, _)| fetch_batch(id));
    // PINs arrive once (with the view or from Next without encoding); they stay on this page.
    let pins = RwSignal::new(std::collections::BTreeMap::<i64, String>::new());
    let readers = RwSignal::new(None);
    let chosen = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Outcome>);
    let busy = RwSignal::new(false);
    // The cards Repeat production makes again: the failed ones unless the operator ticks others.
    let again = RwSignal::new(BTreeSet::<i64>::new());
    // Ticks since a refresh was asked for and not yet answered (0: none pending). An answer
    // that equals the last one may not wake the effect, so a wait ends after a few ticks.
    let waiting = StoredValue::new(0u8);
    watch_readers(readers);
    // While production runs in the background, follow it; one request at a time, because a
    // superseded answer would be dropped with the PINs it carried.
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || {
                let running = view_data
                    .get_untracked()
                    .and_then(|r| r.ok())
                    .is_some_and(|v| v.running);
                let pending = waiting.get_value();
                if running && (pending == 0 || pending >= 5) {
                    waiting.set_value(1);
                    refresh.update(|n| *n += 1);
                } else if pending > 0 {
                    waiting.set_value(pending + 1);
                }
            },
            std::time::Duration::from_millis(400),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    Effect::new(move |_| {
        let answer = view_data.get();
        waiting.set_value(0);
        if let Some(Ok(v)) = answer {
            if !v.running {
                again.set(v.cards.iter().filter(|c| c.failed).map(|c| c.id).collect());
            }
            pins.update(|p| {
                for c in &v.cards {
                    if let Some(pin) = &c.pin {
                        p.insert(c.id, pin.clone());
                    }
                }
            });
        }
    });
    let act = move |what: Action, batch: i64, version: i64, kind: ObjectKind| {
        let (complete, cancel) = match kind {
            ObjectKind::Card => (
                ProcessId::CardsBoProcCompleteOrder,
                ProcessId::CardsBoProcCancelOrder,
            ),
            _ => (
                ProcessId::TempCardsBoProcCompleteOrder,
                ProcessId::TempCardsBoProcCancelOrder,
            ),
        };
        error.set(None);
        outcome.set(None);
        busy.set(true);
        let reader = chosen.get_untracked();
        leptos::task::spawn_local(async move {
            let result = match what {
                Action::Next | Action::Repeat => {
                    let cards = (what == Action::Repeat)
                        .then(|| again.get_untracked().into_iter().collect());
                    produce_batch(batch, version, reader, what == Action::Repeat, cards)
                        .await
                        .map(|got| {
                            let n = got.len();
                            pins.update(|p| p.extend(got));
                            if n > 0 {
                                Outcome::Produced(n)
                            } else {
                                Outcome::Started
                            }
                        })
                }
                Action::Complete => close_batch(complete, batch, version)
                    .await
                    .map(|_| Outcome::Completed),
                Action::Cancel => close_batch(cancel, batch, version)
                    .await
                    .map(|_| Outcome::Cancelled),
                Action::Stop => stop_batch(batch).await.map(|_| Outcome::Stopping),
            };
            match result {
                Ok(m) => outcome.set(Some(m)),
                Err(e) => error.set(Some(error_text(&e))),
            }
            busy.set(false);
            refresh.update(|n| *n += 1);
        });
    };
    let page = move |v: BatchView| {
        let total = v.cards.len();
        let requested = v.cards.iter().filter(|c| c.waiting).count();
        let (batch, version, kind) = (v.id, v.version, v.kind);
        let (state, running, encode, failed) = (v.state, v.running, v.encode, v.failed);
        let repeatable = v.cards.iter().filter(|c| c.repeatable).count();
        let choosing = !running && repeatable > 0;
        // Encoding needs a reader; the server would refuse Next without one.
        let blocked = move || busy.get() || (encode && chosen.get().is_none());
        let button = move |action: Action,
                           label: AnyView,
                           test_id: &'static str,
                           primary: bool,
                           needs_reader: bool| {
            view! {
                <button type="button" class:primary=primary data-testid=test_id
                    disabled=move || if needs_reader { blocked() } else { busy.get() }
                    on:click=move |_| act(action, batch, version, kind)>{label}</button>
            }
        };
        view! {
            {move || view! { <Stepper steps=batch_steps(i18n.get_locale()) current=batch_step(state)/> }}
            <h1>{tu_string!(i18n, batch_orders.batch_order_title, id = batch)}</h1>
            <p class="muted">{move || wording(i18n, kind).0}</p>
            <dl class="data" data-testid="batch-data" data-state=state.as_str()>
                <dt>{tu_string!(i18n, batch_orders.state)}</dt><dd><StateBadge name=state.as_str() label=state.words()/></dd>
                <dt>{tu_string!(i18n, batch_orders.ordered_by)}</dt><dd>{v.created_by.clone()}" "<When at=v.created_at.clone()/></dd>
                <dt>{tu_string!(i18n, batch_orders.encoding)}</dt><dd>{move || if encode { t_string!(i18n, batch_orders.encoding_on) } else { t_string!(i18n, batch_orders.encoding_off) }}</dd>
            </dl>
            <div class="progress" data-testid="batch-progress" data-produced=v.produced data-failed=failed data-total=total>
                <progress max=total value=v.produced></progress>
                <span>{tu_string!(i18n, batch_orders.progress, produced = v.produced, total = total, failed = failed)}</span>
            </div>
            {v.message.clone().map(|m| view! { <p class="muted" role="status" data-testid="batch-message">{m}</p> })}
            {(encode && !running && matches!(state, BatchOrderState::Open | BatchOrderState::InProduction)).then(|| view! {
                <h3>{tu_string!(i18n, batch_orders.card_reader)}</h3>
                <Readers readers chosen/>
            })}
            <p class="actions">
                {(!running && (state == BatchOrderState::Open || (state == BatchOrderState::InProduction && requested > 0)))
                    .then(|| button(Action::Next, view! { {tu_string!(i18n, common.next)} }.into_any(), "next", true, true))}
                {(!running && repeatable > 0).then(|| {
                    // Making a produced card again ends the one made before: that asks first.
                    let produced: BTreeSet<i64> = v.cards.iter().filter(|c| c.repeatable && !c.failed).map(|c| c.id).collect();
                    let takes_back = Memo::new(move |_| again.with(|a| a.iter().any(|id| produced.contains(id))));
                    move || view! {
                        <Confirm label=t_string!(i18n, batch_orders.repeat_production) test_id="repeat"
                            disabled=Signal::derive(move || blocked() || again.with(|a| a.is_empty()))
                            question=takes_back.get().then(|| t_string!(i18n, batch_orders.repeat_question).to_string())
                            yes=t_string!(i18n, batch_orders.repeat_yes)
                            on_run=Callback::new(move |_| act(Action::Repeat, batch, version, kind))/>
                    }
                })}
                {(!running && state == BatchOrderState::InProduction && requested == 0).then_some(move || view! {
                    <Confirm label=t_string!(i18n, batch_orders.complete_order) test_id="complete" disabled=busy
                        question=Some(format!("{}{batch}{}", t_string!(i18n, batch_orders.complete_question_before), t_string!(i18n, batch_orders.complete_question_after)))
                        yes=t_string!(i18n, batch_orders.complete_yes)
                        on_run=Callback::new(move |_| act(Action::Complete, batch, version, kind))/>
                })}
                {(state == BatchOrderState::Open).then_some(move || view! {
                    <Confirm label=t_string!(i18n, batch_orders.cancel_order) test_id="cancel" disabled=busy
                        question=Some(format!("{}{batch}{}", t_string!(i18n, batch_orders.cancel_question_before), t_string!(i18n, batch_orders.cancel_question_after)))
                        yes=t_string!(i18n, batch_orders.cancel_yes)
                        on_run=Callback::new(move |_| act(Action::Cancel, batch, version, kind))/>
                })}
                {running.then(|| button(Action::Stop, view! { {tu_string!(i18n, batch_orders.stop)} }.into_any(), "stop", false, false))}
                {(encode && !running && state != BatchOrderState::Completed && state != BatchOrderState::Cancelled).then(|| view! {
                    <span class="muted">{tu_string!(i18n, batch_orders.insert_blank)}</span>
                })}
            </p>
            {move || outcome.get().map(|m| view! { <p class="outcome" role="status" data-testid="batch-outcome">{outcome_text(i18n, m)}</p> })}
            {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="batch-error">{e}</p> })}
            {v.job.clone().map(|j| view! { <p class="muted" data-testid="batch-job">{tu_string!(i18n, batch_orders.encoding_job, job = j.job_id, kind = said(kind.words())().to_lowercase(), card = j.card_id)}</p> })}
            {move || (!pins.with(|p| p.is_empty())).then(|| view! {
                <div class="notice pins-warning" role="note" data-testid="pins-warning">
                    <p><strong>{tu_string!(i18n, batch_orders.pins_shown_now)}</strong>{tu_string!(i18n, batch_orders.pins_print_first)}</p>
                    <button type="button" class="primary" data-testid="print-pins" on:click=move |_| { let _ = window().print(); }>
                        {move || {
                            let count = pins.with(|p| p.len());
                            tu_string!(i18n, batch_orders.print_pin_letters, count = count)
                        }}
                    </button>
                </div>
            })}
            <table class="list" data-testid="batch-cards">
                <thead><tr>
                    {choosing.then(|| view! { <th><span class="visually-hidden">{tu_string!(i18n, batch_orders.repeat_production)}</span></th> })}
                    <th>{tu_string!(i18n, batch_orders.card)}</th><th>{tu_string!(i18n, batch_orders.holder)}</th><th>{tu_string!(i18n, batch_orders.state)}</th><th>{tu_string!(i18n, batch_orders.chip)}</th><th>{tu_string!(i18n, batch_orders.result)}</th><th>{tu_string!(i18n, batch_orders.pin_shown_once)}</th>
                </tr></thead>
                <tbody>
                    {v.cards.iter().map(|c| {
                        let (id, repeatable) = (c.id, c.repeatable);
                        view! {
                            <tr data-testid="batch-card" data-id=id data-state=c.state.as_str()>
                                {choosing.then(|| view! {
                                    <td>{repeatable.then(|| view! {
                                        <input type="checkbox" data-testid="again" aria-label=move || format!("{}{id}{}", t_string!(i18n, batch_orders.produce_again_before), t_string!(i18n, batch_orders.produce_again_after))
                                            prop:checked=move || again.with(|a| a.contains(&id))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                again.update(|a| { if on { a.insert(id); } else { a.remove(&id); } });
                                            }/>
                                    })}</td>
                                })}
                                <td><A href=card_href(kind, id)>{id}</A></td>
                                <td>{c.holder.clone().unwrap_or_default()}</td>
                                <td><StateBadge name=c.state.as_str() label=c.state.words()/></td>
                                <td>{c.chip_serial.clone().unwrap_or_default()}</td>
                                <td>{result_text(i18n, c)}</td>
                                <td data-testid="pin">{move || pins.with(|p| p.get(&id).cloned()).unwrap_or_default()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <PinLetters kind batch cards=v.cards.iter().map(|c| (c.id, c.holder.clone())).collect() pins/>
        }
    };
    guard_pins(pins);
    view! {
        <section class:has-pins=move || !pins.with(|p| p.is_empty())>
            <p><A href="/batch-orders">{tu_string!(i18n, batch_orders.back)}</A></p>
            // Transition, not Suspense: the page stays while it follows production.
            <Transition fallback=Loading>
                {move || view_data.get().map(|r| match r {
                    Ok(v) => page(v).into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// The PIN letters of a batch, one a card, for the printer only (print styles): what the
/// holder gets in a sealed envelope apart from the card.
#[component]
fn PinLetters(
    kind: ObjectKind,
    batch: i64,
    cards: Vec<(i64, Option<String>)>,
    pins: RwSignal<std::collections::BTreeMap<i64, String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let noun = said(kind.noun_words());
    view! {
        <div class="pin-letters" data-testid="pin-letters">
            {move || cards.iter().filter_map(|(id, holder)| {
                let pin = pins.with(|p| p.get(id).cloned())?;
                Some(view! {
                    <article class="pin-letter" data-testid="pin-letter" data-id=*id>
                        <h2>{tu_string!(i18n, batch_orders.your_pin)}</h2>
                        <dl class="data">
                            <dt>{move || { let mut c = noun().chars(); format!("{} ", c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()) }}</dt><dd>{*id}</dd>
                            <dt>{tu_string!(i18n, batch_orders.holder)}</dt><dd>{holder.clone().unwrap_or_else(|| t_string!(i18n, batch_orders.not_assigned).into())}</dd>
                            <dt>{tu_string!(i18n, batch_orders.batch_order)}</dt><dd>{batch}</dd>
                            <dt>{tu_string!(i18n, batch_orders.pin)}</dt><dd class="pin">{pin}</dd>
                        </dl>
                        <p>{tu_string!(i18n, batch_orders.pin_letter_advice)}</p>
                    </article>
                })
            }).collect_view()}
        </div>
    }
}

/// While PINs are on the page, leaving it asks first: closing or reloading the page (the
/// browser's own question) and following a link of the app.
fn guard_pins(pins: RwSignal<std::collections::BTreeMap<i64, String>>) {
    #[cfg(feature = "hydrate")]
    {
        use crate::i18n::tu_string;
        let i18n = use_i18n();
        let shown = move || pins.with_untracked(|p| !p.is_empty());
        let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
            if shown() {
                ev.prevent_default();
            }
        });
        // The listener is the browser's: it stays on this thread, whatever on_cleanup asks.
        let leave = send_wrapper::SendWrapper::new(browser::on_link_click(move |ev| {
            if shown()
                && !window()
                    .confirm_with_message(tu_string!(i18n, batch_orders.leave_question))
                    .unwrap_or(true)
            {
                ev.prevent_default();
                ev.stop_propagation();
            }
        }));
        on_cleanup(move || {
            unload.remove();
            drop(leave);
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = pins;
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// A listener of clicks on links, called before the router's own (capture phase); removed
    /// when dropped.
    pub struct LinkClicks(Option<Closure<dyn Fn(web_sys::MouseEvent)>>);

    impl Drop for LinkClicks {
        fn drop(&mut self) {
            if let (Some(f), Some(doc)) =
                (self.0.take(), web_sys::window().and_then(|w| w.document()))
            {
                let _ = doc.remove_event_listener_with_callback_and_bool(
                    "click",
                    f.as_ref().unchecked_ref(),
                    true,
                );
            }
        }
    }

    pub fn on_link_click(f: impl Fn(&web_sys::MouseEvent) + 'static) -> LinkClicks {
        let listener =
            Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
                let on_link = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|e| e.closest("a[href]").ok().flatten())
                    .is_some();
                if on_link {
                    f(&ev);
                }
            });
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let _ = doc.add_event_listener_with_callback_and_bool(
                "click",
                listener.as_ref().unchecked_ref(),
                true,
            );
        }
        LinkClicks(Some(listener))
    }
}
