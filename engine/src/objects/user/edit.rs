//! Editing a user's data: what an edit changes, the checks it passes (unique employee id and
//! UPN, no UPN change under usable certificates) and how it is stored with its audit record.
//! Shared by the directory (an edit stored at once, a new user) and by person changes (an edit
//! stored when its approval comes).

use crate::audit::{self, AuditRecord};
use crate::entity::person;
use crate::Caller;
use crate::{EngineError, Result};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tessera_process::person::PersonInput;
use tessera_process::said;
use tessera_process::ObjectKind;

/// Whether an edit changes who the person is for sign-in: the e-mail address or the UPN.
pub fn changes_identity(p: &person::Model, input: &PersonInput) -> bool {
    !p.email.trim().eq_ignore_ascii_case(input.email.trim())
        || !p.upn.eq_ignore_ascii_case(&input.upn)
}

pub fn input_of(p: &person::Model) -> PersonInput {
    PersonInput {
        employee_id: p.employee_id.clone(),
        given_name: p.given_name.clone(),
        surname: p.surname.clone(),
        email: p.email.clone(),
        upn: p.upn.clone(),
        department: p.department.clone(),
    }
}

/// "field: old → new" for every field the change touches.
pub(crate) fn change_lines(before: &PersonInput, after: &PersonInput) -> Vec<String> {
    [
        ("given_name", &before.given_name, &after.given_name),
        ("surname", &before.surname, &after.surname),
        ("email", &before.email, &after.email),
        ("upn", &before.upn, &after.upn),
        ("department", &before.department, &after.department),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .map(|(field, old, new)| format!("{field}: {old} → {new}"))
    .collect()
}

/// Refuses an employee id or UPN another person already has.
pub(crate) async fn check_unique(
    conn: &impl ConnectionTrait,
    input: &PersonInput,
    except: Option<i64>,
) -> Result<()> {
    use sea_orm::sea_query::Func;
    // A directory compares UPNs without case: "Alice@corp" and "alice@corp" are one logon.
    let mut q = person::Entity::find().filter(
        sea_orm::Condition::any()
            .add(person::Column::EmployeeId.eq(input.employee_id.as_str()))
            .add(
                Expr::expr(Func::lower(Expr::col(person::Column::Upn)))
                    .eq(input.upn.to_lowercase()),
            ),
    );
    if let Some(id) = except {
        q = q.filter(person::Column::Id.ne(id));
    }
    if let Some(other) = q.one(conn).await? {
        let (field, what) = if other.employee_id == input.employee_id && except.is_none() {
            (
                "employee_id",
                said!(
                    "the employee id {id}",
                    "anställnings-id {id}",
                    id = &input.employee_id
                ),
            )
        } else {
            ("upn", said!("the UPN {upn}", "UPN {upn}", upn = &input.upn))
        };
        return Err(EngineError::bad_input(
            field,
            said!(
                "{name} ({id}) already has {en}.",
                "{name} ({id}) har redan {sv}.",
                name = &other.common_name,
                id = &other.employee_id,
                en = &what.en,
                sv = &what.sv
            ),
        ));
    }
    Ok(())
}

/// Fields that differ, as "field: old → new".
pub(crate) fn changes(p: &person::Model, input: &PersonInput) -> Vec<String> {
    change_lines(&input_of(p), input)
}

/// Stores an edit. `vouched`: a second person approved it, so a changed e-mail address or UPN
/// counts as entered by nobody alone; otherwise by the caller.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn store_edit(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: &Caller,
    p: &person::Model,
    input: &PersonInput,
    expected_version: i64,
    how: &str,
    vouched: bool,
) -> Result<Vec<String>> {
    let changed = changes(p, input);
    if changed.is_empty() {
        return Ok(changed);
    }
    let mut update = Query::update();
    if changes_identity(p, input) {
        update.value(
            "identity_entered_by",
            (!vouched).then_some(caller.account_id),
        );
    }
    update
        .table("person")
        .value("given_name", input.given_name.as_str())
        .value("surname", input.surname.as_str())
        .value("common_name", input.common_name())
        .value("email", input.email.as_str())
        .value("upn", input.upn.as_str())
        .value("department", input.department.as_str())
        .value("version", Expr::col("version").add(1))
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(p.id))
        .and_where(Expr::col("version").eq(expected_version));
    if conn.execute(&update).await?.rows_affected() == 0 {
        return Err(EngineError::Conflict {
            kind: ObjectKind::User,
        });
    }
    let before = input_of(p);
    audit::append(
        conn,
        now,
        Some(caller),
        AuditRecord::event(
            "UserEdited",
            p.state,
            p.id,
            serde_json::json!({ "before": before, "after": input, "how": how }),
            format!(
                "{} ({}) {how}: {}",
                p.common_name,
                p.employee_id,
                changed.join("; ")
            ),
        ),
    )
    .await?;
    Ok(changed)
}

/// The checks an edit passes before it is stored, at once or when its approval comes.
pub(crate) async fn check_edit(
    conn: &impl ConnectionTrait,
    p: &person::Model,
    input: &PersonInput,
) -> Result<()> {
    check_upn_change(conn, p, input).await?;
    check_unique(conn, input, Some(p.id)).await
}

/// A UPN is the logon name in smart card certificates: while certificates with the old one are
/// usable, it may not change (it could be given to someone else and log on as them).
pub(crate) async fn check_upn_change(
    conn: &impl ConnectionTrait,
    p: &person::Model,
    input: &PersonInput,
) -> Result<()> {
    if p.upn.eq_ignore_ascii_case(&input.upn) {
        return Ok(());
    }
    let live = crate::pki::of_person(conn, p.id)
        .await?
        .into_iter()
        .filter(|c| {
            !matches!(
                c.state,
                tessera_process::CertificateState::Revoked
                    | tessera_process::CertificateState::Expired
            )
        })
        .count();
    if live > 0 {
        return Err(EngineError::NotNow(said!(
            "{name} has {live} certificates with the UPN {upn}; lock or replace the credentials before the UPN changes.",
            "{name} har {live} certifikat med UPN {upn}; spärra eller ersätt legitimationerna innan UPN ändras.",
            name = &p.common_name,
            upn = &p.upn
        )));
    }
    Ok(())
}
