//! The life of an issued card: Activate (certificates valid), Deactivate (on hold), Reactivate
//! (released) and Lock card (revoked, with a reason); and Abort card order of a queued order. Each is one transaction: the card, its
//! certificates and the audit record.

use crate::audit::AuditRecord;
use crate::entity::{card, person};
use crate::people::{self, account_names, card_summary, may_see_person};
use crate::runner::{
    self, authorize, record, require_enabled, require_state, transition_with_certificates, Caller,
};
use crate::{Engine, EngineError, Result};
use sea_orm::ConnectionTrait;
use tessera_process::dto::{CardProcessOutcome, CardProcessPreview};
use tessera_process::transition::certificate_after;
use tessera_process::{
    CardState, CertEffect, KindState, ObjectKind, ProcessId, RevocationReason, State,
};

/// The card processes this module carries out.
pub const PROCESSES: &[ProcessId] = &[
    ProcessId::CardsProcActivate,
    ProcessId::CardsProcDeactivate,
    ProcessId::CardsProcReactivate,
    ProcessId::CardsProcLock,
    ProcessId::CardsAddonExtProdProcAbort,
];

/// The checks before anything changes: the process, the caller, the card and its state.
async fn check(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    process: ProcessId,
    card_id: i64,
) -> Result<(card::Model, CardState, person::Model)> {
    if !PROCESSES.contains(&process) {
        return Err(EngineError::Invalid(format!(
            "\"{}\" is not a process that changes a card's state here.",
            process.def().name
        )));
    }
    let def = process.def();
    authorize(caller, def)?;
    let c = runner::load::<card::Entity>(conn, ObjectKind::Card, card_id).await?;
    may_see_person(caller, c.person_id)?;
    let state = people::card_state(&c)?;
    require_state(def, State::Card(state))?;
    require_enabled(conn, def, State::Card(state)).await?;
    // Certificates become valid again only for a user who is active.
    let holder = if matches!(
        process,
        ProcessId::CardsProcActivate | ProcessId::CardsProcReactivate
    ) {
        people::active_holder(
            conn,
            c.person_id,
            ", so the card cannot be made active; reactivate the user first.",
        )
        .await?
    } else {
        people::load(conn, c.person_id).await?
    };
    Ok((c, state, holder))
}

/// The process page before Next.
pub async fn preview(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    card_id: i64,
) -> Result<CardProcessPreview> {
    let (c, state, holder) = check(&engine.db, caller, process, card_id).await?;
    let (end, effect) = runner::end_state(process, state)?;
    let certificates = crate::pki::of_owner(&engine.db, (ObjectKind::Card, c.id))
        .await?
        .iter()
        .filter(|row| certificate_after(Some(row.state), effect).is_some())
        .count();
    let names = account_names(&engine.db, [c.requested_by]).await?;
    Ok(CardProcessPreview {
        process,
        name: process.def().name.into(),
        card: card_summary(&c, &names)?,
        user: people::summary(&holder)?,
        end_state: end,
        certificates,
        needs_reason: effect == CertEffect::Revoke,
    })
}

/// Next: the card moves, its certificates follow, the audit record is written; then the CRL.
pub async fn run(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    card_id: i64,
    version: i64,
    reason: Option<RevocationReason>,
) -> Result<CardProcessOutcome> {
    let txn = engine.write().await?;
    let result = async {
        let (c, state, holder) = check(&txn, caller, process, card_id).await?;
        let (end, certs) = step(
            &txn,
            caller,
            process,
            (State::Card(state), c.id, version),
            &holder,
            reason,
        )
        .await?;
        let end = CardState::from_state(end).ok_or(EngineError::NoTransition {
            process,
            from: state.as_str().into(),
            to: end.as_str().into(),
        })?;
        Ok((
            CardProcessOutcome {
                card_id: c.id,
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

/// The step a credential's own process takes (a card's or a mobile ID's Activate, Deactivate,
/// Reactivate, Lock), after its checks, in the caller's transaction: the holder stays as
/// checked until the commit (a concurrent Lock user waits), the credential `(state, id,
/// version)` moves, its certificates follow, and the audit record is written. Returns the end
/// state and what happened to the certificates, for the CRL after the commit.
pub(crate) async fn step(
    txn: &impl ConnectionTrait,
    caller: &Caller,
    process: ProcessId,
    (state, id, version): (State, i64, i64),
    holder: &person::Model,
    reason: Option<RevocationReason>,
) -> Result<(State, crate::pki::effects::EffectOutcome)> {
    let def = process.def();
    runner::hold(txn, ObjectKind::User, holder.id, holder.version).await?;
    let (end, effect) = runner::end_of(process, state)?;
    let reason = runner::revocation_reason(def.name, effect, reason)?;
    let certs = transition_with_certificates(
        txn,
        Some(caller),
        def,
        id,
        version,
        state,
        end,
        vec![],
        reason,
    )
    .await?;
    record(
        txn,
        caller,
        AuditRecord {
            action: def.id.as_str().into(),
            object: Some((state.kind(), id)),
            from_state: Some(state.as_str().into()),
            to_state: Some(end.as_str().into()),
            data: serde_json::json!({
                "reason": reason.map(|r| r.as_str()),
                "certificate_effect": effect,
                "certificates_changed": certs.changed.len(),
            }),
            detail: format!(
                "{} for {} ({}): {} certificates {}",
                def.name,
                holder.common_name,
                holder.upn,
                certs.changed.len(),
                match effect {
                    CertEffect::Validate => "valid",
                    CertEffect::Hold => "on hold",
                    CertEffect::Release => "released",
                    CertEffect::Revoke => "revoked",
                    _ => "unchanged",
                }
            ),
        },
    )
    .await?;
    Ok((end, certs))
}
