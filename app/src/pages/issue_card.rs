//! Issue card on the card page: the readers live (Server-Sent Events from the bridge), the
//! Issue button, the job's steps as they happen, and the new PIN, shown once.

#[cfg(feature = "hydrate")]
use crate::api::encoding_job;
use crate::api::{error_text, issue_card, issue_panel, reconcile_job};
use crate::i18n::{t_string, td_string, tu_string, use_i18n, Locale};
use crate::language::said;
use crate::time::When;
use leptos::prelude::*;
use tessera_process::bridge::{
    IssuePanel, JobState, JobView, ReaderInfo, ReaderSnapshot, StepStatus,
};
use tessera_process::ObjectKind;

/// What Reconcile answered: its message and a new PIN, or why it could not.
type Reconciled = Option<Result<(String, Option<String>), String>>;

/// Subscribes to the reader snapshots while the component lives, if the account may issue
/// cards: for any other the stream is refused (403), so the page does not open it.
pub(crate) fn watch_readers(readers: RwSignal<Option<ReaderSnapshot>>) {
    #[cfg(feature = "hydrate")]
    let session = crate::components::signed_in();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::{closure::Closure, JsCast};
        let may_issue = session().is_some_and(|s| {
            tessera_process::ProcessId::CardsProcIssue
                .def()
                .may_start(&s.roles)
        });
        if !may_issue {
            return;
        }
        let Ok(source) = web_sys::EventSource::new("/bridge/readers") else {
            return;
        };
        let on_readers =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string() {
                    if let Ok(s) = serde_json::from_str::<ReaderSnapshot>(&text) {
                        readers.set(Some(s));
                    }
                }
            });
        let _ =
            source.add_event_listener_with_callback("readers", on_readers.as_ref().unchecked_ref());
        // Both live until the component goes: the listener is dropped with the source.
        let kept = send_wrapper::SendWrapper::new((source, on_readers));
        on_cleanup(move || {
            kept.0.close();
            drop(kept);
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = readers;
}

/// Asks for the job's progress until it ends.
fn poll_job(
    job: RwSignal<Option<i64>>,
    view: RwSignal<Option<JobView>>,
    pin: RwSignal<Option<String>>,
    on_end: Callback<()>,
) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let Some(id) = job.get() else { return };
        let busy = StoredValue::new(false);
        let handle = set_interval_with_handle(
            move || {
                if busy.get_value() {
                    return;
                }
                busy.set_value(true);
                leptos::task::spawn_local(async move {
                    if let Ok(v) = encoding_job(id).await {
                        // The operator may have left the page while the answer was on its way.
                        if let Some(p) = v.pin.clone() {
                            pin.try_set(Some(p));
                        }
                        let ended = v.state != JobState::Encoding;
                        view.try_set(Some(v));
                        if ended && job.try_get_untracked().flatten() == Some(id) {
                            job.try_set(None);
                            on_end.run(());
                        }
                    }
                    busy.try_set_value(false);
                });
            },
            std::time::Duration::from_millis(300),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (job, view, pin, on_end);
}

fn reader_line(locale: Locale, r: &ReaderInfo) -> String {
    match &r.card {
        _ if r.busy => td_string!(locale, issue_card.reader_busy).into(),
        None => td_string!(locale, issue_card.reader_no_card).into(),
        Some(c) => {
            let mut parts = vec![td_string!(locale, issue_card.reader_card_present).to_string()];
            if let Some(b) = c.blank {
                parts.push(if b {
                    td_string!(locale, issue_card.reader_blank).into()
                } else {
                    td_string!(locale, issue_card.reader_encoded).into()
                });
            }
            if let Some(s) = &c.serial {
                parts.push(td_string!(locale, issue_card.reader_serial, serial = s));
            }
            if let Some(n) = &c.note {
                parts.push(n.clone());
            }
            parts.push(td_string!(locale, issue_card.reader_atr, atr = &c.atr));
            parts.join(", ")
        }
    }
}

#[component]
pub(crate) fn Readers(
    readers: RwSignal<Option<ReaderSnapshot>>,
    chosen: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="readers" data-testid="readers">
            {move || match readers.get() {
                None => view! { <p class="muted">{tu_string!(i18n, issue_card.looking_for_readers)}</p> }.into_any(),
                Some(ReaderSnapshot { unavailable: Some(why), .. }) => view! {
                    <p class="warning" role="status" data-testid="readers-unavailable">{why}</p>
                }.into_any(),
                Some(s) if s.readers.is_empty() => view! {
                    <p class="warning" role="status" data-testid="readers-unavailable">
                        {tu_string!(i18n, issue_card.no_reader)}
                    </p>
                }.into_any(),
                Some(s) => view! {
                    <ul class="reader-list">
                        {s.readers.into_iter().map(|r| {
                            let name = r.name.clone();
                            let usable = r.card.as_ref().is_some_and(|c| c.piv) && !r.busy;
                            let line = reader_line(i18n.get_locale(), &r);
                            let n2 = name.clone();
                            let n3 = name.clone();
                            view! {
                                <li data-testid="reader" data-present=r.card.is_some().to_string()>
                                    <label class="inline">
                                        <input type="radio" name="reader" value=name.clone()
                                            disabled=!usable
                                            prop:checked=move || chosen.get().as_deref() == Some(n2.as_str())
                                            on:change=move |_| chosen.set(Some(n3.clone()))/>
                                        <strong>{name.clone()}</strong>
                                        " — " <span>{line}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn Steps(view: JobView) -> impl IntoView {
    view! {
        <ol class="steps" data-testid="steps">
            {view.steps.into_iter().map(|s| {
                let (mark, class) = match s.status {
                    StepStatus::Pending => ("○", "pending"),
                    StepStatus::Running => ("◐", "running"),
                    StepStatus::Done => ("✓", "done"),
                    StepStatus::Failed => ("✗", "failed"),
                };
                view! {
                    <li class=class data-step=s.step.as_str() data-status=class>
                        <span class="mark">{mark}</span> " " {said(s.step.words())}
                        {s.detail.map(|d| view! { <span class="muted">" — " {d}</span> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// The PIN, once, with a PIN letter to print.
#[component]
fn PinOnce(pin: String, kind: ObjectKind, card_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let temp = kind == ObjectKind::TempCard;
    view! {
        <div class="pin-letter" role="status" data-testid="pin">
            <p>{move || if temp {
                t_string!(i18n, issue_card.pin_once_temp_card)
            } else {
                t_string!(i18n, issue_card.pin_once_card)
            }}</p>
            <p class="pin"><code data-testid="pin-value">{pin}</code></p>
            <p class="muted">{move || if temp {
                t_string!(i18n, issue_card.pin_letter_temp_card, id = card_id)
            } else {
                t_string!(i18n, issue_card.pin_letter_card, id = card_id)
            }}</p>
            <button type="button" class="no-print" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                { let _ = window().print(); }
            }>{tu_string!(i18n, issue_card.print_pin_letter)}</button>
        </div>
    }
}

fn jobs_table(
    p: &IssuePanel,
    chosen: RwSignal<Option<String>>,
    reconciled: RwSignal<Reconciled>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let rows = p.jobs.clone();
    (!rows.is_empty()).then(|| view! {
        <h3>{tu_string!(i18n, issue_card.encoding_jobs)}</h3>
        <table class="list" data-testid="jobs">
            <thead><tr>
                <th>{tu_string!(i18n, issue_card.job)}</th>
                <th>{tu_string!(i18n, issue_card.started)}</th>
                <th>{tu_string!(i18n, issue_card.by)}</th>
                <th>{tu_string!(i18n, issue_card.reader)}</th>
                <th>{tu_string!(i18n, issue_card.state)}</th>
                <th>{tu_string!(i18n, issue_card.details)}</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|j| {
                    let id = j.job_id;
                    let doubt = j.state == JobState::InDoubt;
                    view! {
                        <tr data-testid="job" data-state=j.state.as_str()>
                            <td>{id}</td>
                            <td><When at=j.started_at.clone()/></td>
                            <td>{j.started_by.clone()}</td>
                            <td>{j.reader.clone()}</td>
                            <td>{said(j.state.words())}</td>
                            <td>
                                {j.error.clone()}
                                {doubt.then(|| view! {
                                    <p class="muted">{tu_string!(i18n, issue_card.in_doubt_help)}</p>
                                    <button type="button" data-testid="reconcile"
                                        disabled=move || chosen.get().is_none()
                                        on:click=move |_| {
                                            let reader = chosen.get_untracked().unwrap_or_default();
                                            leptos::task::spawn_local(async move {
                                                let r = reconcile_job(id, reader).await.map_err(|e| error_text(&e));
                                                reconciled.try_set(Some(r));
                                                refresh.try_update(|n| *n += 1);
                                            });
                                        }>{tu_string!(i18n, issue_card.reconcile)}</button>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    })
}

/// The encoding panel of a card page (Issue card) or of a temporary card from the bureau
/// (Initialize temporary card). Renders nothing for those who may not encode cards.
#[component]
pub fn IssueCardPanel(
    #[prop(optional)] kind: Option<ObjectKind>,
    card_id: i64,
    #[prop(into)] on_change: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let kind = kind.unwrap_or(ObjectKind::Card);
    let refresh = RwSignal::new(0u32);
    let panel = Resource::new(move || refresh.get(), move |_| issue_panel(kind, card_id));
    let readers = RwSignal::new(None::<ReaderSnapshot>);
    let chosen = RwSignal::new(None::<String>);
    let job = RwSignal::new(None::<i64>);
    let job_view = RwSignal::new(None::<JobView>);
    let pin = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let reconciled = RwSignal::new(Reconciled::None);
    watch_readers(readers);
    poll_job(
        job,
        job_view,
        pin,
        Callback::new(move |_| {
            refresh.update(|n| *n += 1);
            on_change.run(());
        }),
    );
    // A chosen reader that loses its card is no longer a choice.
    Effect::new(move |_| {
        if let (Some(name), Some(s)) = (chosen.get(), readers.get()) {
            let still = s.readers.iter().any(|r| r.name == name && r.card.is_some());
            if !still && job.get_untracked().is_none() {
                chosen.set(None);
            }
        }
    });
    view! {
        <Suspense>
            {move || panel.get().and_then(|r| r.ok()).filter(|p| p.can_issue || !p.jobs.is_empty() || job_view.get().is_some()).map(|p| {
                let version = p.version;
                let can_issue = p.can_issue;
                let title = said(p.process.def().name);
                view! {
                    <section class="issue-card" data-testid="issue-card" id=crate::components::ENCODE_PANEL tabindex="-1"
                        aria-label=title>
                        // Without the process to start, the panel is there for the card's jobs.
                        <h2>{if can_issue { title.into_any() } else { tu_string!(i18n, issue_card.encoding).into_any() }}</h2>
                        {can_issue.then(|| view! {
                            <dl class="data">
                                <dt>{tu_string!(i18n, issue_card.certificates)}</dt><dd>{p.certificates.join("; ")}</dd>
                                <dt>{tu_string!(i18n, issue_card.pin)}</dt><dd>{tu_string!(i18n, issue_card.pin_digits, n = p.pin_length)}</dd>
                                <dt>{tu_string!(i18n, issue_card.puk)}</dt><dd>{tu_string!(i18n, issue_card.puk_digits, n = p.puk_length)}</dd>
                            </dl>
                        })}
                        <h3>{tu_string!(i18n, issue_card.card_readers)}</h3>
                        <Readers readers chosen/>
                        {can_issue.then(|| view! {
                            <p class="actions">
                                <button class="primary" data-testid="issue"
                                    disabled=move || chosen.get().is_none() || job.get().is_some()
                                    on:click=move |_| {
                                        let Some(reader) = chosen.get_untracked() else { return };
                                        error.set(None);
                                        pin.set(None);
                                        job_view.set(None);
                                        leptos::task::spawn_local(async move {
                                            match issue_card(kind, card_id, version, reader).await {
                                                Ok(id) => { job.try_set(Some(id)); },
                                                Err(e) => { error.try_set(Some(error_text(&e))); },
                                            }
                                        });
                                    }>{tu_string!(i18n, common.next)}</button>
                                <span class="muted">{tu_string!(i18n, issue_card.insert_hint)}</span>
                            </p>
                        })}
                        {jobs_table(&p, chosen, reconciled, refresh)}
                    </section>
                }
            })}
        </Suspense>
        {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="issue-error">{e}</p> })}
        {move || job_view.get().map(|v| {
            let outcome = match v.state {
                JobState::Succeeded => Some(view! { <p class="outcome" role="status" data-testid="job-outcome">{move || if kind == ObjectKind::TempCard {
                    t_string!(i18n, issue_card.outcome_temp_card)
                } else {
                    t_string!(i18n, issue_card.outcome_card)
                }}</p> }.into_any()),
                JobState::Failed => Some(view! { <p class="error" role="alert" data-testid="job-outcome">{v.error.clone().unwrap_or_default()}</p> }.into_any()),
                JobState::InDoubt => Some(view! { <p class="warning" data-testid="job-outcome">{tu_string!(i18n, issue_card.in_doubt)}</p> }.into_any()),
                JobState::Encoding => None,
            };
            view! {
                <section class="job" data-testid="job-progress" data-state=v.state.as_str()>
                    <h3>{tu_string!(i18n, issue_card.job_heading, id = v.job_id, reader = v.reader.clone())}</h3>
                    <Steps view=v.clone()/>
                    {outcome}
                    {(v.pin_delivered && pin.get().is_none()).then(|| view! { <p class="muted">{tu_string!(i18n, issue_card.pin_not_again)}</p> })}
                </section>
            }
        })}
        {move || pin.get().map(|p| view! { <PinOnce pin=p kind card_id/> })}
        {move || reconciled.get().map(|r| match r {
            Ok((message, new_pin)) => view! {
                <div class="outcome" role="status" data-testid="reconciled"><p>{message}</p></div>
                {new_pin.map(|p| view! { <PinOnce pin=p kind card_id/> })}
            }.into_any(),
            Err(e) => view! { <p class="error" role="alert" data-testid="reconciled">{e}</p> }.into_any(),
        })}
    }
}
