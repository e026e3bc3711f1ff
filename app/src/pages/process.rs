//! The page of every lifecycle process (Deactivate user, Lock card, Assign temporary card,
//! Reactivate mobile ID, …) at `/<kind>/:id/process/:process`: the object, what happens to it
//! and what follows it, Next / Cancel, then the outcome.

use crate::api::{fetch_process, search_users, RunProcess};
use crate::components::{
    counted, id_param, object_href, submission_key, Confirm, ErrorBox, Loading, StateBadge,
    Stepper, UserData,
};
use crate::time::When;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tessera_process::dto::{
    CascadeLine, ProcessInput, ProcessPreview, ProcessSubject, TempCardRow,
};
use tessera_process::{ObjectKind, ProcessId, RevocationReason, UserState};

/// The steps of every process page, as the guides walk them.
pub(crate) const PROCESS_STEPS: &[&str] = &["Data", "Options", "Next", "Outcome"];

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

pub(crate) fn holder(c: &TempCardRow) -> String {
    match (&c.user, &c.assigned_until) {
        (Some(u), Some(until)) => format!("{u}, until {until}"),
        (Some(u), None) => u.clone(),
        _ => "—".into(),
    }
}

#[component]
fn Cascade(lines: Vec<CascadeLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="muted" data-testid="cascade">"No credential changes with the user."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="cascade">
            <thead><tr><th>"Credential"</th><th>"From"</th><th>"To"</th><th>"Process"</th></tr></thead>
            <tbody>
                {lines.into_iter().map(|l| view! {
                    <tr>
                        <td>{format!("{} {}", l.kind.label(), l.id)}</td>
                        <td><StateBadge name=l.from.as_str() label=l.from.label()/></td>
                        <td><StateBadge name=l.to.as_str() label=l.to.label()/></td>
                        <td title=l.process.as_str()>{l.process.def().name}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}

/// The object as the process page shows it.
#[component]
fn SubjectData(subject: ProcessSubject) -> impl IntoView {
    match subject {
        ProcessSubject::User(user) => view! { <h2>"User data"</h2><UserData user/> }.into_any(),
        ProcessSubject::Card { card, user } => view! {
            <dl class="data" data-testid="card-data">
                <dt>"Card"</dt><dd>{format!("{} ({})", card.id, card.card_profile)}</dd>
                <dt>"State"</dt><dd><StateBadge name=card.state.as_str() label=card.state.label()/></dd>
                <dt>"User"</dt><dd data-field="common_name">{user.common_name}</dd>
                <dt>"UPN"</dt><dd data-field="upn">{user.upn}</dd>
            </dl>
        }.into_any(),
        ProcessSubject::TempCard(card) => view! {
            <dl class="data">
                <dt>"Temporary card"</dt><dd>{card.id}</dd>
                <dt>"State"</dt><dd><StateBadge name=card.state.as_str() label=card.state.label()/></dd>
                <dt>"Holder"</dt><dd>{holder(&card)}</dd>
            </dl>
        }.into_any(),
        ProcessSubject::MobileId { mobile_id, user } => view! {
            <dl class="data">
                <dt>"Mobile ID"</dt><dd>{mobile_id.id}</dd>
                <dt>"User"</dt><dd>{format!("{} ({})", user.common_name, user.upn)}</dd>
                <dt>"State"</dt><dd><StateBadge name=mobile_id.state.as_str() label=mobile_id.state.label()/></dd>
            </dl>
        }.into_any(),
    }
}

/// What Next will do.
#[component]
fn WhatHappens(p: ProcessPreview) -> impl IntoView {
    let noun = p.subject.kind().noun();
    let user_process = p.subject.kind() == ObjectKind::User;
    view! {
        <h2>"What happens"</h2>
        <p>{format!("The {noun} becomes ")}<StateBadge name=p.end_state.as_str() label=p.end_state.label()/>"."</p>
        {user_process.then(|| view! { <Cascade lines=p.cascade.clone()/> })}
        {p.validity_days.map(|d| view! { <p data-testid="validity">{format!("Valid for {d} days from now (or from the current end, when extending).")}</p> })}
        <p data-testid="certificates-affected">{format!("{} change state.", counted(p.certificates, "certificate"))}</p>
    }
}

#[component]
pub fn ProcessPage(kind: ObjectKind) -> impl IntoView {
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
                None => Err(tessera_process::AppError::not_found(
                    "There is no such process.",
                )),
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
    let run = ServerAction::<RunProcess>::new();
    let once = submission_key();
    let reason = RwSignal::new(String::new());
    let user = RwSignal::new(String::new());
    let noun = kind.noun();
    let step = process_step(
        move || matches!(run.value().get(), Some(Ok(_))),
        run.pending(),
    );
    view! {
        <section>
            <Stepper steps=PROCESS_STEPS current=step/>
            {move || match run.value().get() {
                Some(Ok(out)) => view! {
                    <h1>"Done"</h1>
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{format!("The {noun} is now ")}<StateBadge name=out.state.as_str() label=out.state.label()/>"."</p>
                        {out.assigned_until.clone().map(|u| view! { <p>"Assigned until "<When at=u relative=true/>"."</p> })}
                        {if kind == ObjectKind::User {
                            view! {
                                <p>{format!("{} and {} changed with the user.", counted(out.cascade.len(), "credential"), counted(out.certificates_changed, "certificate"))}</p>
                                <Cascade lines=out.cascade.clone()/>
                            }.into_any()
                        } else {
                            view! { <p>{format!("{} changed with the {noun}.", counted(out.certificates_changed, "certificate"))}</p> }.into_any()
                        }}
                        <p class="actions"><A href=object_href(out.kind, out.id)>{format!("Back to the {noun}")}</A></p>
                    </div>
                }.into_any(),
                _ => view! {
                    <Transition fallback=Loading>
                        {move || preview.get().map(|p| match p {
                            Err(e) => view! {
                                <ErrorBox error=e/>
                                <p><A href=object_href(kind, id())>{format!("Back to the {noun}")}</A></p>
                            }.into_any(),
                            Ok(p) => {
                                let (object_id, version, process) = (p.subject.id(), p.subject.version(), p.process);
                                let needs_reason = p.needs_reason;
                                // A step to a final state (Lock, Abort, Revoke) asks first.
                                let (name, end_state) = (p.name.clone(), p.end_state);
                                let final_step = end_state.is_final();
                                view! {
                                    <h1>{p.name.clone()}</h1>
                                    <div class="columns">
                                        <div><SubjectData subject=p.subject.clone()/></div>
                                        <div><WhatHappens p=p.clone()/></div>
                                    </div>
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
                                        <ErrorBox error=e/>
                                    })}
                                    <p class="actions">
                                        <Confirm label="Next" test_id="next" primary=true disabled=run.pending()
                                            question=final_step.then(|| format!("{name}: the {noun} becomes {}, which is final: it cannot be undone. Go on?", end_state.label()))
                                            yes=format!("Yes, {}", name.to_lowercase())
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
                                        <A href=object_href(kind, object_id) attr:class="button cancel">"Cancel"</A>
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
