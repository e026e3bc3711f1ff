//! Lock mobile ID (certificates revoked, with a reason), Deactivate (on hold) and Reactivate
//! (released). Each is one transaction: the mobile ID, its certificates and the audit record.

use crate::entity::{mobile_id, person};
use crate::people::{self, may_see_person};
use crate::runner::{self, authorize, require_enabled, require_state, Caller};
use crate::{Engine, EngineError, Result};
use sea_orm::ConnectionTrait;
use tessera_process::dto::{MobileIdProcessOutcome, MobileIdProcessPreview};
use tessera_process::transition::certificate_after;
use tessera_process::{
    CertEffect, KindState, MobileIdState, ObjectKind, ProcessId, RevocationReason, State,
};

pub const PROCESSES: &[ProcessId] = &[
    ProcessId::MobileIDProcLockForOperator,
    ProcessId::MobileIDProcDeactivate,
    ProcessId::MobileIDProcReactivate,
];

async fn check(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    process: ProcessId,
    id: i64,
) -> Result<(mobile_id::Model, MobileIdState, person::Model)> {
    if !PROCESSES.contains(&process) {
        return Err(EngineError::Invalid(format!(
            "\"{}\" is not a process that changes a mobile ID's state here.",
            process.def().name
        )));
    }
    let def = process.def();
    authorize(caller, def)?;
    let m = runner::load::<mobile_id::Entity>(conn, ObjectKind::MobileId, id).await?;
    may_see_person(caller, m.person_id)?;
    let state = super::state(&m)?;
    require_state(def, State::MobileId(state))?;
    require_enabled(conn, def, State::MobileId(state)).await?;
    // Certificates become valid again only for a user who is active.
    let holder = if process == ProcessId::MobileIDProcReactivate {
        people::active_holder(
            conn,
            m.person_id,
            ", so the mobile ID cannot be made active; reactivate the user first.",
        )
        .await?
    } else {
        people::load(conn, m.person_id).await?
    };
    Ok((m, state, holder))
}

pub async fn preview(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    id: i64,
) -> Result<MobileIdProcessPreview> {
    let (m, state, holder) = check(&engine.db, caller, process, id).await?;
    let (end, effect) = runner::end_state(process, state)?;
    let certificates = crate::pki::of_owner(&engine.db, (ObjectKind::MobileId, m.id))
        .await?
        .iter()
        .filter(|row| certificate_after(Some(row.state), effect).is_some())
        .count();
    Ok(MobileIdProcessPreview {
        process,
        name: process.def().name.into(),
        mobile_id: super::view::row(&engine.db, &m, &holder.common_name).await?,
        user: people::summary(&holder)?,
        end_state: end,
        certificates,
        needs_reason: effect == CertEffect::Revoke,
    })
}

pub async fn run(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    id: i64,
    version: i64,
    reason: Option<RevocationReason>,
) -> Result<MobileIdProcessOutcome> {
    let txn = engine.write().await?;
    let result = async {
        let (m, state, holder) = check(&txn, caller, process, id).await?;
        let (end, certs) = crate::card_lifecycle::step(
            &txn,
            caller,
            process,
            (State::MobileId(state), m.id, version),
            &holder,
            reason,
        )
        .await?;
        let end = MobileIdState::from_state(end).ok_or(EngineError::NoTransition {
            process,
            from: state.as_str().into(),
            to: end.as_str().into(),
        })?;
        Ok((
            MobileIdProcessOutcome {
                id: m.id,
                state: end,
                certificates_changed: certs.changed.len(),
            },
            certs,
        ))
    }
    .await;
    let (outcome, certs) = crate::db::finish(txn, result).await?;
    crate::pki::after_commit(engine, &certs).await;
    Ok(outcome)
}
