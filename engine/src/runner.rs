//! The process runner: the steps every process takes, in one transaction.
//!
//! authorise → load the object → check enablement and required state → apply the transition
//! with optimistic concurrency → audit record. Process modules (`cards`, …) compose these steps;
//! none of them changes a state any other way.

use crate::audit::{self, AuditRecord};
use crate::entity::process_enablement;
pub use crate::reason::{given_reason, MAX_REASON};
pub use crate::stored::{load, parse_kind_state, parse_state, table};
use crate::{Caller, EngineError, Result};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tessera_process::transition::find;
use tessera_process::{ObjectKind, ProcessDef, State};

/// The step every process starts with: may this caller start it at all?
pub fn authorize(caller: &Caller, def: &ProcessDef) -> Result<()> {
    if def.may_start(&caller.roles) {
        Ok(())
    } else {
        Err(EngineError::Forbidden(format!("start \"{}\"", def.name)))
    }
}

/// The object's state must be one the process requires.
pub fn require_state(def: &ProcessDef, state: State) -> Result<()> {
    if def.required.contains(&state) {
        return Ok(());
    }
    let required = def
        .required
        .iter()
        .map(|s| format!("\"{}\"", s.as_str()))
        .collect::<Vec<_>>()
        .join(" or ");
    Err(EngineError::WrongState {
        name: def.name,
        kind: state.kind(),
        required,
        actual: state.as_str().to_string(),
    })
}

/// A command must be enabled for the object's kind and state ("Additional Commands").
pub async fn require_enabled(
    conn: &impl ConnectionTrait,
    def: &ProcessDef,
    state: State,
) -> Result<()> {
    if !def.command {
        return Ok(());
    }
    let n = process_enablement::Entity::find()
        .filter(process_enablement::Column::ObjectKind.eq(state.kind().as_str()))
        .filter(process_enablement::Column::State.eq(state.as_str()))
        .filter(process_enablement::Column::Process.eq(def.id.as_str()))
        .count(conn)
        .await?;
    if n == 0 {
        return Err(EngineError::NotEnabled {
            name: def.name,
            kind: state.kind(),
            state: state.as_str().to_string(),
        });
    }
    Ok(())
}

/// The row of the transition table that lets `def` move an object from `from` to `to`.
fn allowed(
    def: &ProcessDef,
    from: State,
    to: State,
) -> Result<&'static tessera_process::Transition> {
    find(def.id, Some(from), to).ok_or_else(|| EngineError::NoTransition {
        process: def.id,
        from: from.as_str().into(),
        to: to.as_str().into(),
    })
}

/// Moves an object from `from` to `to` as `def` allows, if nobody changed it since the caller
/// read `expected_version`. Also takes the row lock, so the rest of the transaction sees the
/// object as it leaves it. `extra` sets further columns in the same statement; `now` is the
/// write's time.
#[allow(clippy::too_many_arguments)]
pub async fn transition(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    def: &ProcessDef,
    id: i64,
    expected_version: i64,
    from: State,
    to: State,
    extra: Vec<(&'static str, sea_orm::Value)>,
) -> Result<()> {
    // Certificates must move with their credential, in the same transaction.
    let t = allowed(def, from, to)?;
    if t.effect != tessera_process::CertEffect::None {
        return Err(EngineError::Config(format!(
            "{} changes certificates ({:?}): use transition_with_certificates",
            def.id.as_str(),
            t.effect
        )));
    }
    move_object(conn, now, id, expected_version, from, to, extra).await
}

async fn move_object(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    id: i64,
    expected_version: i64,
    from: State,
    to: State,
    extra: Vec<(&'static str, sea_orm::Value)>,
) -> Result<()> {
    let kind = from.kind();
    let mut update = Query::update();
    update
        .table(table(kind))
        .value("state", to.as_str())
        .value("version", Expr::col("version").add(1))
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("version").eq(expected_version))
        .and_where(Expr::col("state").eq(from.as_str()));
    for (col, v) in extra {
        update.value(col, v);
    }
    let result = conn.execute(&update).await?;
    if result.rows_affected() == 0 {
        return Err(EngineError::Conflict { kind });
    }
    Ok(())
}

/// [`transition`] for many objects of one kind, all in `from` (a batch order's cards), in
/// statements of many rows. Returns the ids that moved; one that is no longer in `from` is not
/// among them. Only for transitions whose certificate effect needs no certificate to change
/// (none, or issue: the caller issues).
pub async fn transition_many(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    def: &ProcessDef,
    ids: &[i64],
    from: State,
    to: State,
) -> Result<Vec<i64>> {
    let t = allowed(def, from, to)?;
    if !matches!(
        t.effect,
        tessera_process::CertEffect::None | tessera_process::CertEffect::Issue
    ) {
        return Err(EngineError::Config(format!(
            "{} changes certificates ({:?}): move the objects one by one",
            def.id.as_str(),
            t.effect
        )));
    }
    let mut moved = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut update = Query::update();
        update
            .table(table(from.kind()))
            .value("state", to.as_str())
            .value("version", Expr::col("version").add(1))
            .value("updated_at", now)
            .and_where(Expr::col("id").is_in(chunk.iter().copied()))
            .and_where(Expr::col("state").eq(from.as_str()))
            .returning(Query::returning().column("id"));
        for row in conn.query_all(&update).await? {
            moved.push(row.try_get::<i64>("", "id")?);
        }
    }
    Ok(moved)
}

/// [`transition`], then the transition's certificate effect on the object's certificates, in the
/// same transaction: the credential and its certificates change together or not at all.
/// `reason` is the RFC 5280 reason of a revocation. Pass the outcome to
/// [`crate::write::Tx::publish_crl_if`] so that the CRL follows the commit.
#[allow(clippy::too_many_arguments)]
pub async fn transition_with_certificates(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: Option<&Caller>,
    def: &ProcessDef,
    id: i64,
    expected_version: i64,
    from: State,
    to: State,
    extra: Vec<(&'static str, sea_orm::Value)>,
    reason: Option<tessera_process::RevocationReason>,
) -> Result<crate::pki::effects::EffectOutcome> {
    let effect = allowed(def, from, to)?.effect;
    move_object(conn, now, id, expected_version, from, to, extra).await?;
    crate::pki::effects::apply(conn, now, caller, (from.kind(), id), effect, reason).await
}

/// For a process that starts on an object without changing it (Request card on a user): checks
/// that it is still at `expected_version` and locks it until the transaction ends, so that a
/// concurrent change (deactivation) cannot slip in between.
pub async fn hold(
    conn: &impl ConnectionTrait,
    kind: ObjectKind,
    id: i64,
    expected_version: i64,
) -> Result<()> {
    let mut update = Query::update();
    update
        .table(table(kind))
        .value("version", Expr::col("version"))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("version").eq(expected_version));
    if conn.execute(&update).await?.rows_affected() == 0 {
        return Err(EngineError::Conflict { kind });
    }
    Ok(())
}

/// The audit record of a process step.
pub async fn record(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    caller: &Caller,
    record: AuditRecord,
) -> Result<()> {
    audit::append(conn, now, Some(caller), record).await
}

/// The reason a revoking process needs; other processes take none.
pub fn revocation_reason(
    name: &str,
    effect: tessera_process::CertEffect,
    reason: Option<tessera_process::RevocationReason>,
) -> Result<Option<tessera_process::RevocationReason>> {
    match (effect, reason) {
        (tessera_process::CertEffect::Revoke, None) => Err(EngineError::Invalid(format!(
            "\"{name}\" revokes the certificates: choose a reason."
        ))),
        (
            tessera_process::CertEffect::Revoke,
            Some(tessera_process::RevocationReason::CertificateHold),
        ) => Err(EngineError::Invalid(
            "\"Certificate hold\" is not a reason to revoke; choose another.".into(),
        )),
        (tessera_process::CertEffect::Revoke, r) => Ok(r),
        _ => Ok(None),
    }
}

/// The transition `process` makes from `from`: the end state and the certificate effect.
pub fn end_of(
    process: tessera_process::ProcessId,
    from: State,
) -> Result<(State, tessera_process::CertEffect)> {
    tessera_process::transition::transitions_of(process)
        .find(|t| t.from == Some(from))
        .map(|t| (t.to, t.effect))
        .ok_or(EngineError::NoTransition {
            process,
            from: from.as_str().into(),
            to: "?".into(),
        })
}

/// [`end_of`] for a kind's own state enum: where `process` takes an object in `from`.
pub fn end_state<S: tessera_process::KindState>(
    process: tessera_process::ProcessId,
    from: S,
) -> Result<(S, tessera_process::CertEffect)> {
    let (to, effect) = end_of(process, from.into_state())?;
    S::from_state(to)
        .map(|s| (s, effect))
        .ok_or_else(|| EngineError::NoTransition {
            process,
            from: from.into_state().as_str().into(),
            to: to.as_str().into(),
        })
}
