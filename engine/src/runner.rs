//! The process runner: the steps every process takes, in one transaction.
//!
//! authorise → load the object → check enablement and required state → apply the transition
//! with optimistic concurrency → audit record. Process modules (`cards`, …) compose these steps;
//! none of them changes a state any other way.

use crate::audit::{self, AuditRecord};
use crate::entity::process_enablement;
use crate::pki::effects::EffectOutcome;
pub use crate::reason::{given_reason, MAX_REASON};
pub use crate::stored::{load, table};
use crate::{Caller, EngineError, Result};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tessera_process::transition::find;
use tessera_process::{said, ObjectKind, ProcessDef, RevocationReason, State};

/// The step every process starts with: may this caller start it at all?
pub fn authorize(caller: &Caller, def: &ProcessDef) -> Result<()> {
    if def.may_start(&caller.roles) {
        Ok(())
    } else {
        Err(EngineError::Forbidden(said!(
            "start \"{en}\"",
            "starta ”{sv}”",
            en = def.name.en,
            sv = def.name.sv
        )))
    }
}

/// The object's state must be one the process requires.
pub fn require_state(def: &ProcessDef, state: State) -> Result<()> {
    if def.required.contains(&state) {
        return Ok(());
    }
    Err(EngineError::WrongState {
        name: def.name,
        required: def.required,
        actual: state,
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
            state,
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

/// One object's move in a process, as the transition table allows it: built with [`step`],
/// taken with [`Move::take`], recorded with [`Moved::record`]. A process changes an object's
/// state no other way, so every move has its certificates follow and its audit record written
/// with the same process, object and states.
#[must_use = "a step does nothing until it is taken"]
pub struct Move {
    def: &'static ProcessDef,
    id: i64,
    version: i64,
    from: State,
    to: State,
    extra: Vec<(&'static str, sea_orm::Value)>,
    reason: Option<RevocationReason>,
}

/// `def` moves object `id` (read at `version`) from `from` to `to`.
pub fn step(def: &'static ProcessDef, (id, version): (i64, i64), from: State, to: State) -> Move {
    Move {
        def,
        id,
        version,
        from,
        to,
        extra: Vec::new(),
        reason: None,
    }
}

impl Move {
    /// Further columns set in the same statement.
    pub fn setting(mut self, extra: Vec<(&'static str, sea_orm::Value)>) -> Self {
        self.extra.extend(extra);
        self
    }

    /// The RFC 5280 reason, when the transition revokes the certificates.
    pub fn because(mut self, reason: Option<RevocationReason>) -> Self {
        self.reason = reason;
        self
    }

    /// Moves the object at `now` if nobody changed it since it was read (and takes its row lock,
    /// so the rest of the transaction sees it as it leaves it), then applies the transition's
    /// certificate effect to its certificates: the credential and its certificates change
    /// together or not at all.
    pub async fn take(
        self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
        caller: Option<&Caller>,
    ) -> Result<Moved> {
        let effect = allowed(self.def, self.from, self.to)?.effect;
        move_object(
            conn,
            now,
            self.id,
            self.version,
            self.from,
            self.to,
            self.extra,
        )
        .await?;
        let owner = (self.from.kind(), self.id);
        let certificates =
            crate::pki::effects::apply(conn, now, caller, owner, effect, self.reason).await?;
        Ok(Moved {
            def: self.def,
            id: self.id,
            from: self.from,
            to: self.to,
            certificates,
        })
    }
}

/// An object that moved, whose audit record is still to be written.
#[must_use = "a move is recorded with Moved::record"]
pub struct Moved {
    def: &'static ProcessDef,
    id: i64,
    from: State,
    to: State,
    /// The certificates the transition changed; a step of the object's own (a user's cascade)
    /// may add to them before the record is written.
    pub certificates: EffectOutcome,
}

impl Moved {
    /// Writes the move's audit record; returns the certificates it changed. Pass them to
    /// [`crate::write::Tx::publish_crl_if`] so that the CRL follows the commit.
    pub async fn record(
        self,
        conn: &impl ConnectionTrait,
        now: DateTime<Utc>,
        caller: Option<&Caller>,
        data: serde_json::Value,
        detail: String,
    ) -> Result<EffectOutcome> {
        let (record, certificates) = self.into_record(data, detail);
        audit::append(conn, now, caller, record).await?;
        Ok(certificates)
    }

    /// The move's audit record, for a process that appends the records of many moves at once
    /// ([`audit::append_many`]), and the certificates it changed.
    pub fn into_record(
        self,
        data: serde_json::Value,
        detail: String,
    ) -> (AuditRecord, EffectOutcome) {
        let record = AuditRecord::step(self.def.id, (self.from, self.to), self.id, data, detail);
        (record, self.certificates)
    }
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

/// [`Move`] for many objects of one kind, all in `from` (a batch order's cards), in
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

/// The reason a revoking process needs; other processes take none.
pub fn revocation_reason(
    name: tessera_process::Words,
    effect: tessera_process::CertEffect,
    reason: Option<tessera_process::RevocationReason>,
) -> Result<Option<tessera_process::RevocationReason>> {
    match (effect, reason) {
        (tessera_process::CertEffect::Revoke, None) => Err(EngineError::bad_input(
            "reason",
            said!(
                "\"{en}\" revokes the certificates: choose a reason.",
                "”{sv}” återkallar certifikaten: välj en orsak.",
                en = name.en,
                sv = name.sv
            ),
        )),
        (
            tessera_process::CertEffect::Revoke,
            Some(tessera_process::RevocationReason::CertificateHold),
        ) => Err(EngineError::bad_input(
            "reason",
            said!(
                "\"{en}\" is not a reason to revoke; choose another.",
                "”{sv}” är ingen orsak till återkallelse; välj en annan.",
                en = tessera_process::RevocationReason::CertificateHold
                    .words()
                    .en,
                sv = tessera_process::RevocationReason::CertificateHold
                    .words()
                    .sv
            ),
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
