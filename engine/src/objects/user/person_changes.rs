//! Who a person is, as far as sign-in goes: the e-mail address an activation code is sent to
//! and the UPN a smart card certificate logs on as. Changing either on a person who has
//! credentials (or a code waiting for a phone) would let one account redirect that person's
//! next credential to itself, so such a change waits for a second person: an approver who did
//! not ask for it. Asking voids the codes that still wait, and both the old and the new address
//! are told, when it is asked and when it is decided.

use crate::audit::{self, AuditRecord};
use crate::entity::{person, person_change as row};
use crate::objects::user::edit::{self, change_lines, input_of};
use crate::objects::user::people;
use crate::runner::{authorize, given_reason, hold};
use crate::Caller;
use crate::{Engine, EngineError, Result};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use tessera_process::dto::{PendingChange, UserDetail};
use tessera_process::person::PersonInput;
use tessera_process::{said, Words};
use tessera_process::{CertificateState, ObjectKind, ProcessId};

pub const PENDING: &str = "pending";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";

/// Why such a change needs a second person, or `None` when the person has nothing to take over
/// (no credential in use, no certificate that is not revoked or expired, no self-service
/// account).
pub(crate) async fn needs_approval(
    conn: &impl ConnectionTrait,
    p: &person::Model,
) -> Result<Option<String>> {
    let mut because: Vec<String> = crate::pki::credentials_of(conn, p.id)
        .await?
        .into_iter()
        .filter(|c| !c.state.is_final())
        .map(|c| format!("{} {} {}", c.owner.0.label(), c.owner.1, c.state.as_str()))
        .collect();
    let live = crate::pki::of_person(conn, p.id)
        .await?
        .into_iter()
        .filter(|c| {
            !matches!(
                c.state,
                CertificateState::Revoked | CertificateState::Expired
            )
        })
        .count();
    if live > 0 {
        because.push(format!("{live} certificates not revoked"));
    }
    // A self-service account gets credentials, and a password reset mails its link to the
    // address on file: redirecting that address would hand the account over.
    for a in crate::entity::account::Entity::find()
        .filter(crate::entity::account::Column::PersonId.eq(p.id))
        .filter(crate::entity::account::Column::Disabled.eq(false))
        .all(conn)
        .await?
    {
        because.push(format!("self-service account \"{}\"", a.username));
    }
    Ok((!because.is_empty()).then(|| because.join(", ")))
}

fn parse_input(text: &str) -> Result<PersonInput> {
    serde_json::from_str(text)
        .map_err(|e| EngineError::Corrupt(format!("A stored change cannot be read: {e}")))
}

async fn view(conn: &impl ConnectionTrait, c: &row::Model) -> Result<PendingChange> {
    let p = people::load(conn, c.person_id).await?;
    let names = people::account_names(conn, [c.requested_by]).await?;
    let before = parse_input(&c.before)?;
    let after = parse_input(&c.after)?;
    Ok(PendingChange {
        id: c.id,
        user_id: p.id,
        common_name: p.common_name.clone(),
        employee_id: p.employee_id.clone(),
        changes: change_lines(&before, &after),
        requested_by: names
            .get(&c.requested_by)
            .cloned()
            .unwrap_or_else(|| format!("account {}", c.requested_by)),
        requested_at: crate::time::text(c.requested_at),
        because: needs_approval(conn, &p).await?.unwrap_or_default(),
    })
}

/// The change waiting for a person, if any.
pub(crate) async fn pending_of(
    conn: &impl ConnectionTrait,
    person_id: i64,
) -> Result<Option<PendingChange>> {
    match row::Entity::find()
        .filter(row::Column::PersonId.eq(person_id))
        .filter(row::Column::State.eq(PENDING))
        .one(conn)
        .await?
    {
        Some(c) => Ok(Some(view(conn, &c).await?)),
        None => Ok(None),
    }
}

/// The changes waiting for approval, oldest first (approvers).
pub async fn pending(engine: &Engine, caller: &Caller) -> Result<Vec<PendingChange>> {
    authorize(caller, ProcessId::UsersProcApprove.def())?;
    let mut out = Vec::new();
    for c in row::Entity::find()
        .filter(row::Column::State.eq(PENDING))
        .order_by_asc(row::Column::Id)
        .all(&engine.db)
        .await?
    {
        out.push(view(&engine.db, &c).await?);
    }
    Ok(out)
}

/// Mails the old and the new address (once if they are the same).
async fn tell_both(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    before: &PersonInput,
    after: &PersonInput,
    subject: &str,
    body: &str,
) -> Result<()> {
    let mut to: Vec<&str> = vec![before.email.trim()];
    if !after.email.trim().eq_ignore_ascii_case(before.email.trim()) {
        to.push(after.email.trim());
    }
    for address in to {
        if crate::mail::usable(address).is_some() {
            crate::mail::enqueue(conn, now, address, subject, body).await?;
        }
    }
    Ok(())
}

/// Records the change as waiting for approval, voids the activation codes that wait for a phone
/// and tells both addresses. The person is held at `expected_version`.
pub(crate) async fn request(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: &Caller,
    p: &person::Model,
    input: &PersonInput,
    expected_version: i64,
    because: &str,
) -> Result<PendingChange> {
    hold(conn, ObjectKind::User, p.id, expected_version).await?;
    if let Some(waiting) = pending_of(conn, p.id).await? {
        return Err(EngineError::NotNow(said!(
            "A change of {name} requested by {by} on {at} waits for approval. Have it approved or rejected first.",
            "En ändring av {name} som {by} begärde {at} väntar på godkännande. Låt den godkännas eller avslås först.",
            name = &p.common_name,
            by = &waiting.requested_by,
            at = &waiting.requested_at
        )));
    }
    let before = input_of(p);
    let id = row::Entity::insert(row::ActiveModel {
        id: Default::default(),
        person_id: Set(p.id),
        person_version: Set(expected_version),
        before: Set(serde_json::to_string(&before).unwrap_or_default()),
        after: Set(serde_json::to_string(input).unwrap_or_default()),
        requested_by: Set(caller.account_id),
        requested_at: Set(now),
        state: Set(PENDING.into()),
        decided_by: Set(None),
        decided_at: Set(None),
        reason: Set(None),
    })
    .exec(conn)
    .await?
    .last_insert_id;
    let voided = crate::objects::mobile_id::activation::void_waiting(conn, now, p.id).await?;
    crate::objects::user::invitations::void_for_person(conn, now, p.id).await?;
    let lines = change_lines(&before, input);
    audit::append(
        conn,
        now,
        Some(caller),
        AuditRecord::event(
            "UserChangeRequested",
            p.state,
            p.id,
            serde_json::json!({
                "change_id": id,
                "before": before,
                "after": input,
                "because": because,
                "voided_activations": voided,
            }),
            format!(
                "Change of {} ({}) requested, waits for a second person: {}",
                p.common_name,
                p.employee_id,
                lines.join("; ")
            ),
        ),
    )
    .await?;
    tell_both(
        conn,
        now,
        &before,
        input,
        "A change of your sign-in details waits for approval",
        &format!(
            "Hello {},\n\n{} asked to change your details in Tessera:\n\n{}\n\nThe change takes effect only when a second person approves it. Until then, any mobile ID activation code you were sent no longer works. If you did not expect this, tell your IT service desk at once.\n",
            p.common_name,
            caller.name,
            lines.join("\n")
        ),
    )
    .await?;
    let c = row::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(EngineError::NotFound {
            kind: ObjectKind::User,
            id: p.id,
        })?;
    view(conn, &c).await
}

/// Approve or reject a waiting change (approvers, never the one who asked for it). Approving
/// applies it as it was asked, if the person was not changed in the meantime.
pub async fn decide(
    engine: &Engine,
    caller: &Caller,
    change_id: i64,
    approve: bool,
    reason: &str,
) -> Result<UserDetail> {
    authorize(caller, ProcessId::UsersProcApprove.def()).map_err(|_| {
        EngineError::Forbidden(said!(
            "approve changes to user data",
            "godkänna ändringar av användaruppgifter"
        ))
    })?;
    let reason = given_reason(
        reason,
        (!approve).then(|| {
            said!(
                "Say why the change is rejected; the requester reads it.",
                "Ange varför ändringen avslås; den som gjorde begäran läser orsaken."
            )
        }),
    )?;
    engine
        .transact(async |txn| {
            let c = row::Entity::find_by_id(change_id)
                .one(txn)
                .await?
                .filter(|c| c.state == PENDING)
                .ok_or_else(|| {
                    EngineError::Missing(said!(
                        "There is no change {change_id} waiting for approval.",
                        "Det finns ingen ändring {change_id} som väntar på godkännande."
                    ))
                })?;
            if c.requested_by == caller.account_id {
                return Err(EngineError::SelfApproval {
                    what: Words::new("change", "den här ändringen"),
                });
            }
            let p = people::load(txn, c.person_id).await?;
            if p.version != c.person_version {
                return Err(EngineError::NotNow(said!(
                    "{name} was changed after this change was requested. Reject it, and ask for it again on the current data.",
                    "{name} har ändrats efter att den här ändringen begärdes. Avslå den och begär den igen utifrån de aktuella uppgifterna.",
                    name = &p.common_name
                )));
            }
            let before = parse_input(&c.before)?;
            let after = parse_input(&c.after)?;
            let now = txn.now();
            let mut q = Query::update();
            q.table("person_change")
                .value("state", if approve { APPROVED } else { REJECTED })
                .value("decided_by", caller.account_id)
                .value("decided_at", now)
                .value("reason", (!reason.is_empty()).then(|| reason.to_string()))
                .and_where(Expr::col("id").eq(c.id))
                .and_where(Expr::col("state").eq(PENDING));
            if txn.execute(&q).await?.rows_affected() == 0 {
                return Err(EngineError::Conflict {
                    kind: ObjectKind::User,
                });
            }
            let requester = people::account_names(txn, [c.requested_by]).await?;
            let requester = requester
                .get(&c.requested_by)
                .cloned()
                .unwrap_or_else(|| format!("account {}", c.requested_by));
            let lines = change_lines(&before, &after);
            if approve {
                edit::check_edit(txn, &p, &after).await?;
                edit::store_edit(
                    txn,
                    now,
                    caller,
                    &p,
                    &after,
                    p.version,
                    &format!("changed as {requester} asked, approved by {}", caller.name),
                    true,
                )
                .await?;
                crate::objects::mobile_id::activation::void_waiting(txn, now, p.id).await?;
                crate::objects::user::invitations::void_for_person(txn, now, p.id).await?;
            } else {
                crate::notifications::notify(
                    txn,
                    now,
                    c.requested_by,
                    format!(
                        "Your change of {} ({}) was rejected by {}: {reason}",
                        p.common_name, p.employee_id, caller.name
                    ),
                )
                .await?;
            }
            audit::append(
txn,
now,
Some(caller),
                AuditRecord::event(
if approve { "UserChangeApproved" } else { "UserChangeRejected" },
p.state,
p.id, serde_json::json!({
                        "change_id": c.id,
                        "requested_by": requester,
                        "reason": (!reason.is_empty()).then_some(reason),
                    }), format!(
                        "Change of {} ({}) asked by {requester} {}: {}",
                        p.common_name,
                        p.employee_id,
                        if approve { "approved" } else { "rejected" },
                        lines.join("; ")
                    )),
            )
            .await?;
            tell_both(
                txn,
                now,
                &before,
                &after,
                if approve {
                    "Your sign-in details were changed"
                } else {
                    "A change of your sign-in details was rejected"
                },
                &format!(
                    "Hello {},\n\nthe change of your details in Tessera that {requester} asked for was {} by {}:\n\n{}\n\nIf you did not expect this, tell your IT service desk at once.\n",
                    p.common_name,
                    if approve { "approved" } else { "rejected" },
                    caller.name,
                    lines.join("\n")
                ),
            )
            .await?;
            people::detail(&people::load(txn, p.id).await?)
        })
        .await
}
