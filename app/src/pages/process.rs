//! The page of every lifecycle process (Deactivate user, Lock card, Assign temporary card,
//! Reactivate mobile ID, …) at `/<kind>/:id/process/:process`: the object, what happens to it
//! and what follows it, Next / Cancel, then the outcome.

use crate::api::{fetch_process, search_users, RunProcess};
use crate::components::{
    id_param, object_href, submission_key, Confirm, ErrorBox, Loading, StateBadge, Stepper,
    UserData,
};
use crate::i18n::{t_string, td_string, tu_string, use_i18n, I18nLocaleTrait, Locale};
use crate::language::said;
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use std::sync::LazyLock;
use tessera_process::dto::{
    CascadeLine, ProcessInput, ProcessPreview, ProcessSubject, TempCardRow,
};
use tessera_process::{ObjectKind, ProcessId, RevocationReason, UserState};

/// The steps of every process page, as the guides walk them.
pub(crate) const PROCESS_STEPS: &[&str] = &["Data", "Options", "Next", "Outcome"];

/// [`PROCESS_STEPS`] in the words of `locale`, for `<Stepper steps=.../>`.
pub(crate) fn process_steps(locale: Locale) -> &'static [&'static str] {
    static STEPS: LazyLock<Vec<(Locale, [&'static str; 4])>> = LazyLock::new(|| {
        Locale::get_all()
            .iter()
            .map(|&l| {
                let steps = [
                    td_string!(l, process.step_data),
                    td_string!(l, process.step_options),
                    td_string!(l, process.step_next),
                    td_string!(l, process.step_outcome),
                ];
                (l, steps)
            })
            .collect()
    });
    STEPS
        .iter()
        .find(|(l, _)| *l == locale)
        .map_or(PROCESS_STEPS, |(_, steps)| steps.as_slice())
}

/// "1 certificate", "2 certificates".
fn certificates_count(locale: Locale, n: usize) -> String {
    if n == 1 {
        td_string!(locale, process.certificates_singular, count = n)
    } else {
        td_string!(locale, process.certificates_plural, count = n)
    }
}

/// "1 credential", "2 credentials".
fn credentials_count(locale: Locale, n: usize) -> String {
    if n == 1 {
        td_string!(locale, process.credentials_singular, count = n)
    } else {
        td_string!(locale, process.credentials_plural, count = n)
    }
}

/// The step a process page is at: the options until Next is pressed, Next while it runs, the
/// outcome once `done`.
pub(crate) fn process_step(
    done: impl Fn() -> bool + Send + Sync + 'static,
    pending: Memo<bool>,
) -> Signal<usize> {
    Signal::derive(move || {
        if done() {
            3
        } else if pending.get() {
            2
        } else {
            1
        }
    })
}

/// Must be called while a page renders (it reads the i18n context).
pub(crate) fn holder(c: &TempCardRow) -> String {
    match (&c.user, &c.assigned_until) {
        (Some(u), Some(until)) => {
            tu_string!(use_i18n(), process.holder_until, user = u, until = until)
        }
        (Some(u), None) => u.clone(),
        _ => "—".into(),
    }
}

#[component]
fn Cascade(lines: Vec<CascadeLine>) -> impl IntoView {
    let i18n = use_i18n();
    if lines.is_empty() {
        return view! { <p class="muted" data-testid="cascade">{tu_string!(i18n, process.no_cascade)}</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="cascade">
            <thead><tr>
                <th>{tu_string!(i18n, process.credential)}</th>
                <th>{tu_string!(i18n, process.from)}</th>
                <th>{tu_string!(i18n, process.to)}</th>
                <th>{tu_string!(i18n, process.process)}</th>
            </tr></thead>
            <tbody>
                {lines.into_iter().map(|l| view! {
                    <tr>
                        <td>{said(l.kind.words())} " " {l.id}</td>
                        <td><StateBadge name=l.from.as_str() label=l.from.words()/></td>
                        <td><StateBadge name=l.to.as_str() label=l.to.words()/></td>
                        <td title=l.process.as_str()>{said(l.process.def().name)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The object as the process page shows it.
#[component]
fn SubjectData(subject: ProcessSubject) -> impl IntoView {
    let i18n = use_i18n();
    match subject {
        ProcessSubject::User(user) => view! { <h2>{tu_string!(i18n, process.user_data)}</h2><UserData user/> }.into_any(),
        ProcessSubject::Card { card, user } => view! {
            <dl class="data" data-testid="card-data">
                <dt>{tu_string!(i18n, process.card)}</dt><dd>{format!("{} ({})", card.id, card.card_profile)}</dd>
                <dt>{tu_string!(i18n, process.state)}</dt><dd><StateBadge name=card.state.as_str() label=card.state.words()/></dd>
                <dt>{tu_string!(i18n, process.user)}</dt><dd data-field="common_name">{user.common_name}</dd>
                <dt>{tu_string!(i18n, process.upn)}</dt><dd data-field="upn">{user.upn}</dd>
            </dl>
        }.into_any(),
        ProcessSubject::TempCard(card) => view! {
            <dl class="data">
                <dt>{tu_string!(i18n, process.temp_card)}</dt><dd>{card.id}</dd>
                <dt>{tu_string!(i18n, process.state)}</dt><dd><StateBadge name=card.state.as_str() label=card.state.words()/></dd>
                <dt>{tu_string!(i18n, process.holder)}</dt><dd>{holder(&card)}</dd>
            </dl>
        }.into_any(),
        ProcessSubject::MobileId { mobile_id, user } => view! {
            <dl class="data">
                <dt>{tu_string!(i18n, process.mobile_id)}</dt><dd>{mobile_id.id}</dd>
                <dt>{tu_string!(i18n, process.user)}</dt><dd>{format!("{} ({})", user.common_name, user.upn)}</dd>
                <dt>{tu_string!(i18n, process.state)}</dt><dd><StateBadge name=mobile_id.state.as_str() label=mobile_id.state.words()/></dd>
            </dl>
        }.into_any(),
    }
}

/// What Next will do.
#[component]
fn WhatHappens(p: ProcessPreview) -> impl IntoView {
    let i18n = use_i18n();
    let noun = said(p.subject.kind().noun_words());
    let user_process = p.subject.kind() == ObjectKind::User;
    let certificates = p.certificates;
    view! {
        <h2>{tu_string!(i18n, process.what_happens)}</h2>
        <p>{tu_string!(i18n, process.becomes_before, noun = noun())}<StateBadge name=p.end_state.as_str() label=p.end_state.words()/>{tu_string!(i18n, process.becomes_after)}</p>
        {user_process.then(|| view! { <Cascade lines=p.cascade.clone()/> })}
        {p.validity_days.map(|d| view! { <p data-testid="validity">{tu_string!(i18n, process.valid_for, days = d)}</p> })}
        <p data-testid="certificates-affected">{move || t_string!(i18n, process.change_state,
            certificates = certificates_count(i18n.get_locale(), certificates))}</p>
    }
}

/// Where a process page leads back to: the object's page, or, after a holder's own process
/// (Lock my mobile ID), their own page rather than the staff's page of the object.
#[component]
fn BackLink(kind: ObjectKind, id: i64, self_service: bool) -> impl IntoView {
    let i18n = use_i18n();
    if self_service {
        view! { <A href="/me">{tu_string!(i18n, process.back_to_mine)}</A> }.into_any()
    } else {
        let noun = said(kind.noun_words());
        view! { <A href=object_href(kind, id)>{tu_string!(i18n, process.back_to, noun = noun())}</A> }.into_any()
    }
}

#[component]
pub fn ProcessPage(kind: ObjectKind) -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param("id");
    let params = use_params_map();
    let process = move || {
        params
            .read()
            .get("process")
            .and_then(|p| ProcessId::parse(&p))
    };
    let preview = Resource::new(
        move || (process(), id()),
        move |(p, id)| async move {
            match p {
                Some(p) => fetch_process(p, kind, id).await,
                None => Err(tessera_process::AppError::not_found(tu_string!(
                    i18n,
                    process.no_such_process
                ))),
            }
        },
    );
    // The user chooser only for Assign; a search narrows it in a large organisation.
    // Known from the address, not from the preview: reading the preview here, outside its
    // <Transition/>, re-rendered the page after hydration and lost the first click.
    let needs_user = Memo::new(move |_| process() == Some(ProcessId::TempCardsProcAssign));
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
    let self_service = move || {
        process().is_some_and(|p| {
            p.def().component == tessera_process::catalogue::Component::SelfService
        })
    };
    let run = ServerAction::<RunProcess>::new();
    let once = submission_key();
    let reason = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let noun = said(kind.noun_words());
    let language = crate::language::current();
    let step = process_step(
        move || matches!(run.value().get(), Some(Ok(_))),
        run.pending(),
    );
    view! {
        <section>
            <Stepper steps=process_steps(i18n.get_locale_untracked()) current=step/>
            {move || match run.value().get() {
                Some(Ok(out)) => view! {
                    <h1>{tu_string!(i18n, process.done)}</h1>
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{tu_string!(i18n, process.is_now_before, noun = noun())}<StateBadge name=out.state.as_str() label=out.state.words()/>{tu_string!(i18n, process.is_now_after)}</p>
                        {out.assigned_until.clone().map(|u| view! { <p>{tu_string!(i18n, process.assigned_until_before)}<When at=u relative=true/>{tu_string!(i18n, process.assigned_until_after)}</p> })}
                        {if kind == ObjectKind::User {
                            let (credentials, certificates) = (out.cascade.len(), out.certificates_changed);
                            view! {
                                <p>{move || t_string!(i18n, process.changed_with_user,
                                    credentials = credentials_count(i18n.get_locale(), credentials),
                                    certificates = certificates_count(i18n.get_locale(), certificates))}</p>
                                <Cascade lines=out.cascade.clone()/>
                            }.into_any()
                        } else {
                            let certificates = out.certificates_changed;
                            view! { <p>{move || t_string!(i18n, process.changed_with,
                                certificates = certificates_count(i18n.get_locale(), certificates),
                                noun = noun())}</p> }.into_any()
                        }}
                        <p class="actions"><BackLink kind=out.kind id=out.id self_service=self_service()/></p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Transition fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><BackLink kind id=id() self_service=self_service()/></p>
                            }.into_any(),
                            Ok(p) => {
                                let (object_id, version, process) = (p.subject.id(), p.subject.version(), p.process);
                                let needs_reason = p.needs_reason;
                                // A step to a final state (Lock, Abort, Revoke) asks first.
                                let (name, end_state) = (p.process.def().name, p.end_state);
                                let final_step = end_state.is_final();
                                view! {
                                    <h1>{said(name)}</h1>
                                    <div class="columns">
                                        <div><SubjectData subject=p.subject.clone()/></div>
                                        <div><WhatHappens p=p.clone()/></div>
                                    </div>
                                    <Show when=move || needs_user.get()>
                                        <div class="field">
                                            <label for="user-search"><strong>{tu_string!(i18n, process.user)}</strong></label>
                                            <input id="user-search" type="search" placeholder=move || t_string!(i18n, process.search_placeholder)
                                                on:change=move |ev| query.set(event_target_value(&ev))/>
                                            <select id="user" name="user" data-testid="user" on:change=move |ev| user.set(event_target_value(&ev))>
                                                <option value="">{tu_string!(i18n, process.choose)}</option>
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
                                        <ErrorBox error=e/>
                                    })}
                                    <p class="actions">
                                        <Confirm label=t_string!(i18n, common.next) test_id="next" primary=true disabled=run.pending()
                                            question=final_step.then(|| t_string!(i18n, process.final_question,
                                                name = name.of(language()), noun = noun(), state = end_state.words().of(language())))
                                            yes=t_string!(i18n, process.yes, action = name.of(language()).to_lowercase())
                                            on_run=Callback::new(move |_| { run.dispatch(RunProcess {
                                                process,
                                                kind,
                                                id: object_id,
                                                version,
                                                input: ProcessInput {
                                                    reason: RevocationReason::parse(&reason.get_untracked()),
                                                    user_id: user.get_untracked().parse().ok(),
                                                },
                                                once: once.get(),
                                            }); })/>
                                        <A href=object_href(kind, object_id) attr:class="button cancel">{tu_string!(i18n, common.cancel)}</A>
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
