//! User processes that move a user and, with the cascades of PROCESSES.md, the user's
//! credentials and certificates in one transaction: Deactivate, Reactivate and Lock user.

use crate::audit::AuditRecord;
use crate::people::{self, may_see_person};
use crate::pki::effects::EffectOutcome;
use crate::runner::{
    self, authorize, record, require_enabled, require_state, transition_with_certificates, Caller,
};
use crate::{Engine, EngineError, Result};
use sea_orm::ConnectionTrait;
use tessera_process::dto::{CascadeLine, UserProcessOutcome, UserProcessPreview};
use tessera_process::transition::{cascade, certificate_after};
use tessera_process::{CertEffect, ObjectKind, ProcessId, RevocationReason, State, UserState};

/// The user processes this module carries out.
pub const PROCESSES: &[ProcessId] = &[
    ProcessId::UsersProcDeactivate,
    ProcessId::UsersProcReactivate,
    ProcessId::UsersProcLock,
];

fn check_process(process: ProcessId) -> Result<()> {
    if PROCESSES.contains(&process) {
        Ok(())
    } else {
        Err(EngineError::Invalid(format!(
            "\"{}\" is not a process that changes a user's state here.",
            process.def().name
        )))
    }
}

/// The user's credentials with their versions and what the cascade would do to each.
async fn cascade_plan(
    conn: &impl ConnectionTrait,
    process: ProcessId,
    person_id: i64,
) -> Result<Vec<(CascadeLine, i64)>> {
    let mut plan = Vec::new();
    for c in crate::pki::credentials_of(conn, person_id).await? {
        let Some(t) = cascade(process, c.state) else {
            continue;
        };
        let (kind, id) = c.owner;
        plan.push((
            CascadeLine {
                kind,
                id,
                from: c.state.as_str().into(),
                to: t.to.as_str().into(),
                process: t.process,
            },
            c.version,
        ));
    }
    Ok(plan)
}

/// The checks every user process makes before anything changes.
async fn check(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    process: ProcessId,
    user_id: i64,
) -> Result<(crate::entity::person::Model, UserState)> {
    check_process(process)?;
    let def = process.def();
    authorize(caller, def)?;
    may_see_person(caller, user_id)?;
    let p = people::load(conn, user_id).await?;
    let state = people::user_state(&p)?;
    require_state(def, State::User(state))?;
    require_enabled(conn, def, State::User(state)).await?;
    Ok((p, state))
}

/// The process page before Next: the user, the end state, and what happens to the credentials.
pub async fn preview(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    user_id: i64,
) -> Result<UserProcessPreview> {
    let (p, state) = check(&engine.db, caller, process, user_id).await?;
    let (end, effect) = runner::end_state(process, state)?;
    let plan = cascade_plan(&engine.db, process, p.id).await?;
    let certificates = crate::pki::of_person(&engine.db, p.id)
        .await?
        .iter()
        .filter(|c| certificate_after(Some(c.state), effect).is_some())
        .count();
    Ok(UserProcessPreview {
        process,
        name: process.def().name.into(),
        user: people::detail(&p)?,
        end_state: end,
        cascade: plan.into_iter().map(|(line, _)| line).collect(),
        certificates,
        needs_reason: effect == CertEffect::Revoke,
    })
}

/// Next: moves the user, cascades to the credentials, applies the certificate effects and
/// writes the audit records, all in one transaction; then publishes the CRL.
pub async fn run(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    user_id: i64,
    user_version: i64,
    reason: Option<RevocationReason>,
) -> Result<UserProcessOutcome> {
    let def = process.def();
    let txn = engine.write().await?;
    let result = async {
        let (p, state) = check(&txn, caller, process, user_id).await?;
        let (end, effect) = runner::end_state(process, state)?;
        let reason = runner::revocation_reason(def.name, effect, reason)?;
        let mut certs = transition_with_certificates(
            &txn,
            Some(caller),
            def,
            p.id,
            user_version,
            State::User(state),
            State::User(end),
            vec![],
            reason,
        )
        .await?;
        let plan = cascade_plan(&txn, process, p.id).await?;
        for (line, version) in &plan {
            let from = runner::parse_state(line.kind, &line.from)?;
            let to = runner::parse_state(line.kind, &line.to)?;
            let changed = transition_with_certificates(
                &txn,
                Some(caller),
                line.process.def(),
                line.id,
                *version,
                from,
                to,
                vec![],
                reason,
            )
            .await?;
            certs.changed.extend(changed.changed);
            record(
                &txn,
                caller,
                AuditRecord {
                    action: line.process.as_str().into(),
                    object: Some((line.kind, line.id)),
                    from_state: Some(line.from.clone()),
                    to_state: Some(line.to.clone()),
                    data: serde_json::json!({ "cascade_of": def.id, "user_id": p.id }),
                    detail: format!(
                        "{} {}: {} → {} ({} of {})",
                        line.kind.label(),
                        line.id,
                        line.from,
                        line.to,
                        def.name,
                        p.common_name
                    ),
                },
            )
            .await?;
        }
        if end == UserState::Locked {
            crate::accounts::disable_for_person(&txn, caller, p.id).await?;
        }
        record(
            &txn,
            caller,
            AuditRecord {
                action: def.id.as_str().into(),
                object: Some((ObjectKind::User, p.id)),
                from_state: Some(state.as_str().into()),
                to_state: Some(end.as_str().into()),
                data: serde_json::json!({
                    "reason": reason.map(|r| r.as_str()),
                    "certificate_effect": effect,
                    "credentials": plan.iter().map(|(l, _)| serde_json::json!({
                        "kind": l.kind, "id": l.id, "from": l.from, "to": l.to,
                    })).collect::<Vec<_>>(),
                    "certificates_changed": certs.changed.len(),
                }),
                detail: format!(
                    "{} for {} ({}): {} credentials, {} certificates",
                    def.name,
                    p.common_name,
                    p.upn,
                    plan.len(),
                    certs.changed.len()
                ),
            },
        )
        .await?;
        Ok((
            UserProcessOutcome {
                user_id: p.id,
                state: end,
                cascade: plan.into_iter().map(|(l, _)| l).collect(),
                certificates_changed: certs.changed.len(),
            },
            certs,
        ))
    }
    .await;
    let (outcome, certs): (UserProcessOutcome, EffectOutcome) =
        crate::db::finish(txn, result).await?;
    crate::pki::after_commit(engine, &certs).await;
    Ok(outcome)
}
