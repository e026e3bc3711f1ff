//! The people directory: create and edit users (with an optional approval step), approve or
//! reject a requested user, and import from CSV with a preview that writes nothing.

use crate::audit::{self, AuditRecord};
use crate::entity::{audit_log, person};
use crate::objects::user::edit::{self, check_unique};
use crate::objects::user::people::{self, detail};
use crate::objects::user::person_changes;
use crate::runner::{self, authorize, given_reason, hold, require_state};
use crate::Caller;
use crate::{options, Engine, EngineError, Result};
use chrono::{DateTime, Utc};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::{HashMap, HashSet};
use tessera_process::dto::{
    ImportAction, ImportLine, ImportOutcome, ImportPreview, UserDetail, UserEditOutcome,
};
use tessera_process::person::{parse_csv, PersonInput};
use tessera_process::{
    said, Language, ObjectKind, OptionsPackage, ProcessId, Said, State, UserState, Words,
};

/// The person form's errors as one refusal, about the first field that is wrong.
fn invalid(errors: Vec<(&'static str, Said)>) -> EngineError {
    let join = |language| {
        errors
            .iter()
            .map(|(_, m)| m.of(language))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let message = Said::new(join(Language::English), join(Language::Swedish));
    match errors.first() {
        Some((field, _)) => EngineError::bad_input(field, message),
        None => EngineError::Invalid(message),
    }
}

/// The process that creates users now: Create user, or Request user with the approval step.
async fn creating_process(conn: &impl ConnectionTrait) -> Result<(ProcessId, UserState, i64)> {
    let opts = options::current(conn, OptionsPackage::UsersScriptOptions).await?;
    Ok(
        if opts.get(tessera_process::options::users::CREATE_APPROVAL) {
            (
                ProcessId::UsersProcRequest,
                UserState::Requested,
                opts.version,
            )
        } else {
            (ProcessId::UsersProcCreate, UserState::Active, opts.version)
        },
    )
}

#[allow(clippy::too_many_arguments)]
async fn insert_person(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: &Caller,
    input: &PersonInput,
    process: ProcessId,
    state: UserState,
    options_version: i64,
    note: &str,
) -> Result<i64> {
    let id = person::Entity::insert(person::ActiveModel {
        id: Default::default(),
        employee_id: Set(input.employee_id.clone()),
        given_name: Set(input.given_name.clone()),
        surname: Set(input.surname.clone()),
        common_name: Set(input.common_name()),
        upn: Set(input.upn.clone()),
        email: Set(input.email.clone()),
        department: Set(input.department.clone()),
        state: Set(state),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        // With the approval step, the approval vouches for them (`decide`).
        identity_entered_by: Set(Some(caller.account_id)),
    })
    .exec(conn)
    .await?
    .last_insert_id;
    audit::append(
conn,
now,
Some(caller),
        AuditRecord::created(process, state.into(), id, serde_json::json!({
                "after": input,
                "options_version": options_version,
                "options": { tessera_process::options::users::CREATE_APPROVAL.name(): state == UserState::Requested },
            }), format!(
                "{} ({}) created{note}",
                input.common_name(),
                input.employee_id
            )),
    )
    .await?;
    Ok(id)
}

/// Create user: active at once, or requested when the approval step is on.
pub async fn create(engine: &Engine, caller: &Caller, input: PersonInput) -> Result<UserDetail> {
    let input = input.trimmed();
    let errors = input.problems();
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    engine
        .transact(async |txn| {
            let (process, state, version) = creating_process(txn).await?;
            authorize(caller, process.def())?;
            check_unique(txn, &input, None).await?;
            let id =
                insert_person(txn, txn.now(), caller, &input, process, state, version, "").await?;
            detail(&people::load(txn, id).await?)
        })
        .await
}

/// Edit user: names, addresses and department; the employee id is the key and stays. A change
/// of the e-mail address or UPN of a person with credentials waits for a second person
/// (`person_changes`).
pub async fn update(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    expected_version: i64,
    input: PersonInput,
) -> Result<UserEditOutcome> {
    authorize(caller, ProcessId::UsersProcCreate.def())
        .map_err(|_| EngineError::Forbidden(said!("edit users", "redigera användare")))?;
    let input = input.trimmed();
    let errors = input.problems();
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    engine
        .transact(async |txn| {
            let now = txn.now();
            let p = people::load(txn, id).await?;
            if p.employee_id != input.employee_id {
                return Err(EngineError::bad_input(
                    "employee_id",
                    said!(
                        "The employee id ({id}) cannot be changed: imports find the user by it.",
                        "Anställnings-id ({id}) kan inte ändras: importer hittar användaren med det.",
                        id = &p.employee_id
                    ),
                ));
            }
            let state = p.state;
            if state.is_final() {
                return Err(EngineError::NotNow(said!(
                    "{name} is {en}; a user in a final state is not edited.",
                    "{name} har tillståndet ”{sv}”; en användare i ett sluttillstånd redigeras inte.",
                    name = &p.common_name,
                    en = p.state,
                    sv = p.state.words().sv
                )));
            }
            if state == UserState::Requested {
                return Err(EngineError::NotNow(said!(
                    "{name} waits for approval: approve or reject the request as it was made, then edit.",
                    "{name} väntar på godkännande: godkänn eller avslå begäran som den gjordes och redigera sedan.",
                    name = &p.common_name
                )));
            }
            edit::check_edit(txn, &p, &input).await?;
            if edit::changes(&p, &input).is_empty() {
                return Err(EngineError::Invalid(said!("Nothing was changed.", "Ingenting ändrades.")));
            }
            if edit::changes_identity(&p, &input) {
                if let Some(because) = person_changes::needs_approval(txn, &p).await? {
                    let pending = person_changes::request(
                        txn,
                        now,
                        caller,
                        &p,
                        &input,
                        expected_version,
                        &because,
                    )
                    .await?;
                    return Ok(UserEditOutcome {
                        user: detail(&p)?,
                        pending: Some(pending),
                    });
                }
            }
            edit::store_edit(txn, now, caller, &p, &input, expected_version, "edited", false).await?;
            Ok(UserEditOutcome {
                user: detail(&people::load(txn, id).await?)?,
                pending: None,
            })
        })
        .await
}

/// The account that requested a user (from the audit log), so it never approves it.
async fn requester(conn: &impl ConnectionTrait, user_id: i64) -> Result<Option<i64>> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(ProcessId::UsersProcRequest.as_str()))
        .filter(audit_log::Column::ObjectKind.eq(ObjectKind::User.as_str()))
        .filter(audit_log::Column::ObjectId.eq(user_id))
        .order_by_desc(audit_log::Column::Seq)
        .one(conn)
        .await?
        .and_then(|r| r.actor_id))
}

/// Approve user / Reject user (reason required) on a requested user.
pub async fn decide(
    engine: &Engine,
    caller: &Caller,
    user_id: i64,
    expected_version: i64,
    approve: bool,
    reason: &str,
) -> Result<UserDetail> {
    let process = if approve {
        ProcessId::UsersProcApprove
    } else {
        ProcessId::UsersProcReject
    };
    let def = process.def();
    authorize(caller, def)?;
    let reason = given_reason(
        reason,
        (!approve).then(|| {
            said!(
                "Say why the user is rejected; the requester reads it.",
                "Ange varför användaren avslås; den som gjorde begäran läser orsaken."
            )
        }),
    )?;
    engine
        .transact(async |txn| {
            let now = txn.now();
            let p = people::load(txn, user_id).await?;
            let from = State::User(p.state);
            require_state(def, from)?;
            let requested_by = requester(txn, p.id).await?;
            if requested_by == Some(caller.account_id) {
                return Err(EngineError::SelfApproval {
                    what: Words::new("user", "den här användaren"),
                });
            }
            let to = State::User(if approve {
                UserState::Active
            } else {
                UserState::Rejected
            });
            // An approved user's address and UPN were seen by two people.
            let vouched = approve.then_some(("identity_entered_by", sea_orm::Value::BigInt(None)));
            let data = serde_json::json!({ "reason": (!reason.is_empty()).then_some(reason) });
            let text = format!("{} {} ({})", def.name.en, p.common_name, p.employee_id);
            runner::step(def, (p.id, expected_version), from, to)
                .setting(vouched.into_iter().collect())
                .take(txn, now, Some(caller))
                .await?
                .record(txn, now, Some(caller), data, text)
                .await?;
            if let (false, Some(account)) = (approve, requested_by) {
                crate::notifications::notify(
                    txn,
                    now,
                    account,
                    format!(
                        "Your request for the user {} ({}) was rejected by {}: {reason}",
                        p.common_name, p.employee_id, caller.name
                    ),
                )
                .await?;
            }
            detail(&people::load(txn, user_id).await?)
        })
        .await
}

/// Checks an import file against the directory: what each line would do, or why it cannot.
async fn plan(
    conn: &impl ConnectionTrait,
    text: &str,
) -> Result<(ImportPreview, Vec<(PersonInput, Option<person::Model>)>)> {
    let lines = parse_csv(text).map_err(EngineError::Invalid)?;
    let existing: HashMap<String, person::Model> = person::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.employee_id.clone(), p))
        .collect();
    let upn_owner: HashMap<String, String> = existing
        .values()
        .map(|p| (p.upn.to_lowercase(), p.employee_id.clone()))
        .collect();
    let mut seen_ids = HashSet::new();
    let mut seen_upns: HashMap<String, String> = HashMap::new();
    let mut preview = ImportPreview {
        lines: Vec::new(),
        creates: 0,
        updates: 0,
        unchanged: 0,
        errors: 0,
    };
    let mut work = Vec::new();
    for (line, parsed) in lines {
        let mut out = ImportLine {
            line,
            employee_id: String::new(),
            common_name: String::new(),
            action: ImportAction::Error,
            messages: Vec::new(),
        };
        match parsed {
            Err(messages) => out.messages = messages,
            Ok(input) => {
                out.employee_id = input.employee_id.clone();
                out.common_name = input.common_name();
                let upn = input.upn.to_lowercase();
                if !seen_ids.insert(input.employee_id.clone()) {
                    out.messages.push(format!(
                        "the employee id {} is in the file twice",
                        input.employee_id
                    ));
                }
                match seen_upns.get(&upn) {
                    Some(other) if *other != input.employee_id => out
                        .messages
                        .push(format!("the UPN {} is in the file twice", input.upn)),
                    _ => {
                        seen_upns.insert(upn.clone(), input.employee_id.clone());
                    }
                }
                if let Some(owner) = upn_owner.get(&upn) {
                    if *owner != input.employee_id {
                        out.messages.push(format!(
                            "the UPN {} belongs to the user with employee id {owner}",
                            input.upn
                        ));
                    }
                }
                let current = existing.get(&input.employee_id).cloned();
                let mut needs_approval = false;
                if let Some(p) = &current {
                    let state = p.state;
                    if !edit::changes(p, &input).is_empty() {
                        if state.is_final() || state == UserState::Requested {
                            out.messages.push(format!(
                                "{} is {}; such a user is not updated",
                                p.common_name, p.state
                            ));
                        } else if let Err(e) = edit::check_upn_change(conn, p, &input).await {
                            out.messages.push(e.to_string());
                        } else if edit::changes_identity(p, &input)
                            && person_changes::needs_approval(conn, p).await?.is_some()
                        {
                            if let Some(w) = person_changes::pending_of(conn, p.id).await? {
                                out.messages.push(format!(
                                    "a change of {} requested by {} waits for approval",
                                    p.common_name, w.requested_by
                                ));
                            } else {
                                needs_approval = true;
                            }
                        }
                    }
                }
                if out.messages.is_empty() {
                    out.action = match &current {
                        None => ImportAction::Create,
                        Some(p) => {
                            let changed = edit::changes(p, &input);
                            if changed.is_empty() {
                                ImportAction::Unchanged
                            } else {
                                out.messages = changed;
                                if needs_approval {
                                    out.messages.push(
                                        "the e-mail address or UPN change waits for a second person's approval (the user has credentials)".into(),
                                    );
                                }
                                ImportAction::Update
                            }
                        }
                    };
                    work.push((input, current));
                }
            }
        }
        match out.action {
            ImportAction::Create => preview.creates += 1,
            ImportAction::Update => preview.updates += 1,
            ImportAction::Unchanged => preview.unchanged += 1,
            ImportAction::Error => preview.errors += 1,
        }
        preview.lines.push(out);
    }
    if preview.lines.is_empty() {
        return Err(EngineError::Invalid(said!(
            "The file has a header but no people.",
            "Filen har en rubrikrad men inga personer."
        )));
    }
    Ok((preview, work))
}

fn may_import(caller: &Caller) -> Result<()> {
    authorize(caller, ProcessId::UsersProcCreate.def())
        .map_err(|_| EngineError::Forbidden(said!("import users", "importera användare")))
}

/// The import preview: nothing is written.
pub async fn import_preview(engine: &Engine, caller: &Caller, text: &str) -> Result<ImportPreview> {
    may_import(caller)?;
    Ok(plan(&engine.db, text).await?.0)
}

/// Imports a file in one transaction: new employee ids are created (active, or requested with
/// the approval step), known ones updated. A file with any error line imports nothing.
pub async fn import(engine: &Engine, caller: &Caller, text: &str) -> Result<ImportOutcome> {
    may_import(caller)?;
    engine
        .transact(async |txn| {
            let now = txn.now();
            let (preview, work) = plan(txn, text).await?;
            if preview.errors > 0 {
                return Err(EngineError::Invalid(said!(
                    "{n} lines have errors (see the preview); fix them and import again. Nothing was imported.",
                    "{n} rader har fel (se förhandsgranskningen); rätta dem och importera igen. Ingenting importerades.",
                    n = preview.errors
                )));
            }
            let (process, state, version) = creating_process(txn).await?;
            authorize(caller, process.def())?;
            for (input, current) in &work {
                match current {
                    None => {
                        let note = " by import";
                        insert_person(txn, now, caller, input, process, state, version, note)
                            .await?;
                    }
                    Some(p) => {
                        let approval = match edit::changes_identity(p, input) {
                            true => person_changes::needs_approval(txn, p).await?,
                            false => None,
                        };
                        match approval {
                            Some(because) => {
                                person_changes::request(
                                    txn,
                                    now,
                                    caller,
                                    p,
                                    input,
                                    p.version,
                                    &because,
                                )
                                .await?;
                            }
                            None => {
                                hold(txn, ObjectKind::User, p.id, p.version).await?;
                                edit::store_edit(
                                    txn,
                                    now,
                                    caller,
                                    p,
                                    input,
                                    p.version,
                                    "updated by import",
                                    false,
                                )
                                .await?;
                            }
                        }
                    }
                }
            }
            audit::append(
txn,
now,
Some(caller),
                AuditRecord {
                    action: "UsersImported".into(),
                    data: serde_json::json!({
                        "created": preview.creates,
                        "updated": preview.updates,
                        "unchanged": preview.unchanged,
                    }),
                    detail: format!(
                        "Import: {} created, {} updated, {} unchanged",
                        preview.creates, preview.updates, preview.unchanged
                    ),
                    ..Default::default()
                },
            )
            .await?;
            Ok(ImportOutcome {
                created: preview.creates,
                updated: preview.updates,
                unchanged: preview.unchanged,
                new_state: state,
            })
        })
        .await
}

/// Users waiting for approval, oldest first (approvers).
pub async fn requested(
    engine: &Engine,
    caller: &Caller,
) -> Result<Vec<tessera_process::dto::UserSummary>> {
    authorize(caller, ProcessId::UsersProcApprove.def())?;
    person::Entity::find()
        .filter(person::Column::State.eq(UserState::Requested))
        .order_by_asc(person::Column::Id)
        .all(&engine.db)
        .await?
        .iter()
        .map(people::summary)
        .collect()
}
