//! Create and edit users, approve or reject a requested user, and import users from CSV.

use crate::api::{
    fetch_user_page, CheckImport, CreateUser, DecideUser, DecideUserChange, ImportUsers, UpdateUser,
};
use crate::components::id_param;
use crate::components::{
    loaded, refusal_of, signed_in, submission_key, ErrorBox, FormRefusal, StateBadge,
};
use crate::i18n::{t_string, tu_string, use_i18n};
use crate::language::said;
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::{PendingChange, UserDetail, UserEditOutcome};
use tessera_process::person::{PersonInput, CSV_COLUMNS};
use tessera_process::{AppError, Role, UserState};

type I18n = leptos_i18n::I18nContext<crate::i18n::Locale>;

/// The person form; `submit` gets the entered data once the shared rules pass in the browser.
#[component]
fn PersonForm(
    initial: PersonInput,
    employee_id_fixed: bool,
    pending: Signal<bool>,
    submit: Callback<PersonInput>,
    /// The server's refusal of the last save: one about a field is shown at that field.
    refused: Signal<Option<AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let fields: Vec<(&'static str, Signal<&'static str>, RwSignal<String>)> = vec![
        (
            "employee_id",
            Signal::derive(move || t_string!(i18n, people.employee_id)),
            RwSignal::new(initial.employee_id.clone()),
        ),
        (
            "given_name",
            Signal::derive(move || t_string!(i18n, people.given_name)),
            RwSignal::new(initial.given_name.clone()),
        ),
        (
            "surname",
            Signal::derive(move || t_string!(i18n, people.surname)),
            RwSignal::new(initial.surname.clone()),
        ),
        (
            "email",
            Signal::derive(move || t_string!(i18n, people.email)),
            RwSignal::new(initial.email.clone()),
        ),
        (
            "upn",
            Signal::derive(move || t_string!(i18n, people.upn)),
            RwSignal::new(initial.upn.clone()),
        ),
        (
            "department",
            Signal::derive(move || t_string!(i18n, people.department)),
            RwSignal::new(initial.department.clone()),
        ),
    ];
    let errors = RwSignal::new(Vec::<(String, String)>::new());
    let values = fields.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let get = |name: &str| {
            values
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, _, s)| s.get_untracked())
                .unwrap_or_default()
        };
        let input = PersonInput::from_fields(get);
        let found = input.validate();
        errors.set(
            found
                .iter()
                .map(|e| (e.field.to_string(), e.message.clone()))
                .collect(),
        );
        if found.is_empty() {
            submit.run(input);
        }
    };
    view! {
        <form class="options person" on:submit=on_submit data-testid="person-form">
            {fields.into_iter().map(|(name, label, value)| {
                let readonly = employee_id_fixed && name == "employee_id";
                view! {
                    <div class="field" data-field=name>
                        <label for=name><strong>{label}</strong></label>
                        <input type="text" id=name name=name readonly=readonly prop:value=move || value.get()
                            on:input=move |ev| value.set(event_target_value(&ev))/>
                        {move || errors.get().into_iter().filter(|(f, _)| f == name).map(|(_, m)| m)
                            .chain(refused.get().filter(|e| e.field.as_deref() == Some(name)).map(|e| e.message))
                            .map(|m| view! { <small class="error" role="alert">{m}</small> })
                            .collect_view()}
                    </div>
                }
            }).collect_view()}
            <p class="muted">{tu_string!(i18n, people.common_name_hint)}</p>
            <p class="actions"><button type="submit" class="primary" disabled=move || pending.get()>{tu_string!(i18n, common.save)}</button></p>
        </form>
    }
}

fn created_text(i18n: I18n, u: &UserDetail) -> impl IntoView {
    let name = u.common_name.clone();
    match u.state {
        UserState::Requested => tu_string!(i18n, people.created_waits, name = name).into_any(),
        _ => tu_string!(i18n, people.created_active, name = name).into_any(),
    }
}

/// Create user.
#[component]
pub fn NewUserPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateUser>::new();
    let once = submission_key();
    // The form stays for the next user: a new key for it once this one is created.
    Effect::new(move |_| {
        if matches!(create.value().get(), Some(Ok(_))) {
            once.renew();
        }
    });
    view! {
        <section>
            <h1>{tu_string!(i18n, people.create_user)}</h1>
            {move || create.value().get().map(|r| match r {
                Ok(u) => view! {
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{created_text(i18n, &u)}</p>
                        <p><A href=format!("/users/{}", u.id)>{tu_string!(i18n, people.open_user)}</A></p>
                    </div>
                }.into_any(),
                Err(e) => view! { <FormRefusal error=e fields=CSV_COLUMNS/> }.into_any(),
            })}
            <PersonForm initial=PersonInput::default() employee_id_fixed=false
                pending=create.pending().into() refused=refusal_of(create)
                submit=Callback::new(move |input| { create.dispatch(CreateUser { input, once: once.get() }); })/>
        </section>
    }
}

/// Edit user.
#[component]
pub fn EditUserPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param("id");
    let page = Resource::new(id, fetch_user_page);
    let update = ServerAction::<UpdateUser>::new();
    view! {
        <section>
            <h1>{tu_string!(i18n, people.edit_user)}</h1>
            {move || update.value().get().map(|r| match r {
                Ok(UserEditOutcome { user: u, pending: Some(c) }) => view! {
                    <p class="notice" role="status" data-testid="change-waits">
                        {tu_string!(i18n, people.change_waits, name = u.common_name.clone(), because = c.because)}
                        " " <A href=format!("/users/{}", u.id)>{tu_string!(i18n, people.open_user)}</A></p>
                }.into_any(),
                Ok(UserEditOutcome { user: u, pending: None }) => view! {
                    <p class="notice" role="status">{tu_string!(i18n, people.saved_version, name = u.common_name.clone(), version = u.version)}
                        " " <A href=format!("/users/{}", u.id)>{tu_string!(i18n, people.open_user)}</A></p>
                }.into_any(),
                Err(e) => view! { <FormRefusal error=e fields=CSV_COLUMNS/> }.into_any(),
            })}
            {loaded(page, move |p| {
                let u = p.user;
                let (user_id, version) = (u.id, u.version);
                let initial = PersonInput {
                    employee_id: u.employee_id, given_name: u.given_name, surname: u.surname,
                    email: u.email, upn: u.upn, department: u.department,
                };
                view! {
                    <PersonForm initial employee_id_fixed=true pending=update.pending().into() refused=refusal_of(update)
                        submit=Callback::new(move |input| { update.dispatch(UpdateUser { user_id, version, input }); })/>
                }
            })}
        </section>
    }
}

/// "Edit user data", for those who may edit users (operators and admins).
#[component]
pub fn EditLink(user_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let session = signed_in();
    let may = move || session().is_some_and(|s| s.has(Role::Operator) || s.has(Role::Admin));
    view! {
        <Show when=may>
            <p><A href=format!("/users/{user_id}/edit")>{tu_string!(i18n, people.edit_user_data)}</A></p>
        </Show>
    }
}

/// On the page of a requested user: Approve or Reject (approvers).
#[component]
pub fn UserDecision(user: UserDetail) -> impl IntoView {
    let i18n = use_i18n();
    let session = signed_in();
    let decide = ServerAction::<DecideUser>::new();
    let reason = RwSignal::new(String::new());
    let (id, version) = (user.id, user.version);
    let approver = move || session().is_some_and(|s| s.has(Role::Approver));
    view! {
        <Show when=move || user.state == UserState::Requested && approver()>
            <div class="decision" data-testid="user-decision">
                <h2>{tu_string!(i18n, people.user_waits)}</h2>
                {move || decide.value().get().map(|r| match r {
                    Ok(u) => view! { <p class="notice" role="status">{tu_string!(i18n, people.now_state, name = u.common_name.clone(), state = said(u.state.words())().to_lowercase())}</p> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
                <label>{tu_string!(i18n, people.reason_for_rejection)} <input type="text" name="reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                <p class="actions">
                    <button type="button" class="primary" on:click=move |_| { decide.dispatch(DecideUser { user_id: id, version, approve: true, reason: String::new() }); }>{tu_string!(i18n, people.approve)}</button>
                    <button type="button" on:click=move |_| { decide.dispatch(DecideUser { user_id: id, version, approve: false, reason: reason.get_untracked() }); }>{tu_string!(i18n, people.reject)}</button>
                </p>
            </div>
        </Show>
    }
}

/// A change of e-mail address or UPN that waits: what it changes, who asked, and (for an
/// approver who did not ask) Approve and Reject.
#[component]
pub fn PendingChangePanel(change: PendingChange) -> impl IntoView {
    let i18n = use_i18n();
    let session = signed_in();
    let decide = ServerAction::<DecideUserChange>::new();
    let reason = RwSignal::new(String::new());
    let id = change.id;
    let approver = move || session().is_some_and(|s| s.has(Role::Approver));
    view! {
        <div class="decision" data-testid="pending-change" data-change=id>
            <h2>{tu_string!(i18n, people.change_waits_title)}</h2>
            <p>{tu_string!(i18n, people.change_requested, who = change.requested_by, at = change.requested_at, because = change.because)}</p>
            <ul>{change.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
            {move || decide.value().get().map(|r| match r {
                Ok(u) => view! { <p class="notice" role="status">{tu_string!(i18n, people.decided_version, name = u.common_name.clone(), version = u.version)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            <Show when=approver>
                <label>{tu_string!(i18n, people.reason_for_rejection)} <input type="text" name="reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                <p class="actions">
                    <button type="button" class="primary" data-testid="approve-change" on:click=move |_| { decide.dispatch(DecideUserChange { change_id: id, approve: true, reason: String::new() }); }>{tu_string!(i18n, people.approve_change)}</button>
                    <button type="button" data-testid="reject-change" on:click=move |_| { decide.dispatch(DecideUserChange { change_id: id, approve: false, reason: reason.get_untracked() }); }>{tu_string!(i18n, people.reject_change)}</button>
                </p>
            </Show>
        </div>
    }
}

/// Import users from CSV: paste, Check (nothing is written), then Import.
#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let check = ServerAction::<CheckImport>::new();
    let import = ServerAction::<ImportUsers>::new();
    let checked = Memo::new(move |_| check.value().get().and_then(|r| r.ok()));
    view! {
        <section>
            <h1>{tu_string!(i18n, people.import_users)}</h1>
            <p class="muted">{tu_string!(i18n, people.import_help, columns = CSV_COLUMNS.join(", "))}</p>
            <label for="csv">{tu_string!(i18n, people.csv_file)}</label>
            <textarea id="csv" name="csv" rows="10" class="csv" data-testid="csv" prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); check.value().set(None); import.value().set(None); }></textarea>
            <p class="actions">
                <button type="button" on:click=move |_| { check.dispatch(CheckImport { text: text.get_untracked() }); }>{tu_string!(i18n, people.check)}</button>
                <button type="button" class="primary"
                    disabled=move || checked.get().is_none_or(|p| p.errors != 0) || import.pending().get()
                    on:click=move |_| { import.dispatch(ImportUsers { text: text.get_untracked() }); }>{tu_string!(i18n, people.import)}</button>
            </p>
            {move || check.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
            {move || import.value().get().map(|r| match r {
                Ok(o) => view! { <p class="notice" role="status" data-testid="import-outcome">{tu_string!(i18n, people.imported, created = o.created, state = said(o.new_state.words())().to_lowercase(), updated = o.updated, unchanged = o.unchanged)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {move || checked.get().map(|p| view! {
                <p data-testid="import-summary" class={if p.errors > 0 { "error" } else { "notice" }}>{if p.errors > 0 {
                    tu_string!(i18n, people.summary_errors, creates = p.creates, updates = p.updates, unchanged = p.unchanged, errors = p.errors).into_any()
                } else {
                    tu_string!(i18n, people.summary_ok, creates = p.creates, updates = p.updates, unchanged = p.unchanged, errors = p.errors).into_any()
                }}</p>
                <table class="list" data-testid="import-preview">
                    <thead><tr><th>{tu_string!(i18n, people.col_line)}</th><th>{tu_string!(i18n, people.employee_id)}</th><th>{tu_string!(i18n, people.col_name)}</th><th>{tu_string!(i18n, people.col_action)}</th><th>{tu_string!(i18n, people.col_details)}</th></tr></thead>
                    <tbody>
                        {p.lines.into_iter().map(|l| view! {
                            <tr data-line=l.line data-action=l.action.as_str()>
                                <td>{l.line}</td>
                                <td>{l.employee_id}</td>
                                <td>{l.common_name}</td>
                                <td><StateBadge name=l.action.as_str() label=l.action.words()/></td>
                                <td>{l.messages.join("; ")}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
