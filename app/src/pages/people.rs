//! Create and edit users, approve or reject a requested user, and import users from CSV.

use crate::api::{
    fetch_user_page, CheckImport, CreateUser, DecideUser, DecideUserChange, ImportUsers, UpdateUser,
};
use crate::components::id_param;
use crate::components::{
    loaded, refusal_of, signed_in, submission_key, ErrorBox, FormRefusal, StateBadge,
};
use leptos::prelude::*;
use leptos_router::components::A;
use tessera_process::dto::{ImportAction, PendingChange, UserDetail, UserEditOutcome};
use tessera_process::person::{PersonInput, CSV_COLUMNS};
use tessera_process::{AppError, Role, UserState};

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
    let fields: Vec<(&'static str, &'static str, RwSignal<String>)> = vec![
        (
            "employee_id",
            "Employee id",
            RwSignal::new(initial.employee_id.clone()),
        ),
        (
            "given_name",
            "Given name",
            RwSignal::new(initial.given_name.clone()),
        ),
        ("surname", "Surname", RwSignal::new(initial.surname.clone())),
        (
            "email",
            "E-mail address",
            RwSignal::new(initial.email.clone()),
        ),
        ("upn", "UPN", RwSignal::new(initial.upn.clone())),
        (
            "department",
            "Department",
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
            <p class="muted">"The common name is given name and surname."</p>
            <p class="actions"><button type="submit" class="primary" disabled=move || pending.get()>"Save"</button></p>
        </form>
    }
}

fn created_text(u: &UserDetail) -> String {
    match u.state {
        UserState::Requested => format!("{} was created and waits for an approver.", u.common_name),
        _ => format!("{} was created and is active.", u.common_name),
    }
}

/// Create user.
#[component]
pub fn NewUserPage() -> impl IntoView {
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
            <h1>"Create user"</h1>
            {move || create.value().get().map(|r| match r {
                Ok(u) => view! {
                    <div class="outcome" role="status" data-testid="outcome">
                        <p>{created_text(&u)}</p>
                        <p><A href=format!("/users/{}", u.id)>"Open the user"</A></p>
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
    let id = id_param("id");
    let page = Resource::new(id, fetch_user_page);
    let update = ServerAction::<UpdateUser>::new();
    view! {
        <section>
            <h1>"Edit user"</h1>
            {move || update.value().get().map(|r| match r {
                Ok(UserEditOutcome { user: u, pending: Some(c) }) => view! {
                    <p class="notice" role="status" data-testid="change-waits">
                        {format!("The change waits for a second person's approval, because {} has credentials ({}). Until it is approved, {} keeps the current data; waiting activation codes were voided and both addresses were told.", u.common_name, c.because, u.common_name)}
                        " " <A href=format!("/users/{}", u.id)>"Open the user"</A></p>
                }.into_any(),
                Ok(UserEditOutcome { user: u, pending: None }) => view! {
                    <p class="notice" role="status">{format!("Saved. {} is at version {}.", u.common_name, u.version)}
                        " " <A href=format!("/users/{}", u.id)>"Open the user"</A></p>
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
    let session = signed_in();
    let may = move || session().is_some_and(|s| s.has(Role::Operator) || s.has(Role::Admin));
    view! {
        <Show when=may>
            <p><A href=format!("/users/{user_id}/edit")>"Edit user data"</A></p>
        </Show>
    }
}

/// On the page of a requested user: Approve or Reject (approvers).
#[component]
pub fn UserDecision(user: UserDetail) -> impl IntoView {
    let session = signed_in();
    let decide = ServerAction::<DecideUser>::new();
    let reason = RwSignal::new(String::new());
    let (id, version) = (user.id, user.version);
    let approver = move || session().is_some_and(|s| s.has(Role::Approver));
    view! {
        <Show when=move || user.state == UserState::Requested && approver()>
            <div class="decision" data-testid="user-decision">
                <h2>"This user waits for approval"</h2>
                {move || decide.value().get().map(|r| match r {
                    Ok(u) => view! { <p class="notice" role="status">{format!("{} is now {}.", u.common_name, u.state.label().to_lowercase())}</p> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                })}
                <label>"Reason (for a rejection) " <input type="text" name="reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                <p class="actions">
                    <button type="button" class="primary" on:click=move |_| { decide.dispatch(DecideUser { user_id: id, version, approve: true, reason: String::new() }); }>"Approve"</button>
                    <button type="button" on:click=move |_| { decide.dispatch(DecideUser { user_id: id, version, approve: false, reason: reason.get_untracked() }); }>"Reject"</button>
                </p>
            </div>
        </Show>
    }
}

/// A change of e-mail address or UPN that waits: what it changes, who asked, and (for an
/// approver who did not ask) Approve and Reject.
#[component]
pub fn PendingChangePanel(change: PendingChange) -> impl IntoView {
    let session = signed_in();
    let decide = ServerAction::<DecideUserChange>::new();
    let reason = RwSignal::new(String::new());
    let id = change.id;
    let approver = move || session().is_some_and(|s| s.has(Role::Approver));
    view! {
        <div class="decision" data-testid="pending-change" data-change=id>
            <h2>"A change waits for approval"</h2>
            <p>{format!("Requested by {} on {}. It needs a second person because the user has credentials: {}.", change.requested_by, change.requested_at, change.because)}</p>
            <ul>{change.changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
            {move || decide.value().get().map(|r| match r {
                Ok(u) => view! { <p class="notice" role="status">{format!("Decided. {} is at version {}.", u.common_name, u.version)}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            <Show when=approver>
                <label>"Reason (for a rejection) " <input type="text" name="reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                <p class="actions">
                    <button type="button" class="primary" data-testid="approve-change" on:click=move |_| { decide.dispatch(DecideUserChange { change_id: id, approve: true, reason: String::new() }); }>"Approve change"</button>
                    <button type="button" data-testid="reject-change" on:click=move |_| { decide.dispatch(DecideUserChange { change_id: id, approve: false, reason: reason.get_untracked() }); }>"Reject change"</button>
                </p>
            </Show>
        </div>
    }
}

fn action_label(a: ImportAction) -> &'static str {
    match a {
        ImportAction::Create => "create",
        ImportAction::Update => "update",
        ImportAction::Unchanged => "unchanged",
        ImportAction::Error => "error",
    }
}

/// Import users from CSV: paste, Check (nothing is written), then Import.
#[component]
pub fn ImportPage() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let check = ServerAction::<CheckImport>::new();
    let import = ServerAction::<ImportUsers>::new();
    let checked = Memo::new(move |_| check.value().get().and_then(|r| r.ok()));
    view! {
        <section>
            <h1>"Import users"</h1>
            <p class="muted">{format!(
                "Paste a CSV file with a header line. Columns: {} (department may be left out). A known employee id updates that user; a new one creates a user.",
                CSV_COLUMNS.join(", ")
            )}</p>
            <label for="csv">"CSV file"</label>
            <textarea id="csv" name="csv" rows="10" class="csv" data-testid="csv" prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); check.value().set(None); import.value().set(None); }></textarea>
            <p class="actions">
                <button type="button" on:click=move |_| { check.dispatch(CheckImport { text: text.get_untracked() }); }>"Check"</button>
                <button type="button" class="primary"
                    disabled=move || checked.get().is_none_or(|p| p.errors != 0) || import.pending().get()
                    on:click=move |_| { import.dispatch(ImportUsers { text: text.get_untracked() }); }>"Import"</button>
            </p>
            {move || check.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorBox error=e/> })}
            {move || import.value().get().map(|r| match r {
                Ok(o) => view! { <p class="notice" role="status" data-testid="import-outcome">{format!(
                    "Imported: {} created ({}), {} updated, {} unchanged.", o.created, o.new_state.label().to_lowercase(), o.updated, o.unchanged
                )}</p> }.into_any(),
                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
            })}
            {move || checked.get().map(|p| view! {
                <p data-testid="import-summary" class={if p.errors > 0 { "error" } else { "notice" }}>{format!(
                    "{} to create, {} to update, {} unchanged, {} with errors{}",
                    p.creates, p.updates, p.unchanged, p.errors,
                    if p.errors > 0 { ": fix them, then Check again. Nothing is imported while a line has an error." } else { "." }
                )}</p>
                <table class="list" data-testid="import-preview">
                    <thead><tr><th>"Line"</th><th>"Employee id"</th><th>"Name"</th><th>"Action"</th><th>"Details"</th></tr></thead>
                    <tbody>
                        {p.lines.into_iter().map(|l| view! {
                            <tr data-line=l.line data-action=action_label(l.action)>
                                <td>{l.line}</td>
                                <td>{l.employee_id}</td>
                                <td>{l.common_name}</td>
                                <td><StateBadge name=action_label(l.action) label=action_label(l.action)/></td>
                                <td>{l.messages.join("; ")}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </section>
    }
}
