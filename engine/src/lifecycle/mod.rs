//! The lifecycle processes of every kind of object, through one pipeline: the processes whose
//! catalogue row names [`Handler::Lifecycle`] (Deactivate user, Lock card, Assign temporary card,
//! Reactivate mobile ID, …).
//!
//! check (the caller, the object, its state, the command enabled) → preview (where it ends and
//! what changes with it) → Next: in one transaction the holder is held, the object moves, its
//! certificates follow, a user's credentials follow the user, and one audit record says so; the
//! CRL is published after the commit. What differs between kinds is a [`Subject`]: how the
//! object is loaded and shown, and the few steps of its own (a temporary card's holder and dates,
//! a user's cascade).

mod card;
mod mobile_id;
mod temp_card;
mod user;

use crate::entity::person;
use crate::objects::user::people;
use crate::pki::effects::EffectOutcome;
use crate::runner::{self, authorize, require_enabled, require_state};
use crate::write::AfterCommit;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use std::future::Future;
use tessera_process::dto::{
    CascadeLine, CertificateRow, ProcessInput, ProcessOutcome, ProcessPreview, ProcessSubject,
};
use tessera_process::transition::certificate_after;
use tessera_process::{said, Said};
use tessera_process::{
    CertEffect, Handler, ObjectKind, ProcessDef, ProcessId, RevocationReason, State,
    Subject as StartsOn,
};

/// An object a lifecycle process starts on, and the steps that are its own.
pub(crate) trait Subject: Sized + Send + Sync {
    const KIND: ObjectKind;

    /// Loads it for `caller`, who must be allowed to see it.
    fn load<C: ConnectionTrait>(
        conn: &C,
        caller: &Caller,
        id: i64,
    ) -> impl Future<Output = Result<Self>> + Send;

    fn id(&self) -> i64;

    fn state(&self) -> Result<State>;

    /// The person it belongs to now, if any (a user belongs to nobody; an unassigned temporary
    /// card neither).
    fn holder_id(&self) -> Option<i64>;

    /// The person Next gives it to (Assign temporary card), from Next's input.
    fn assignee(_process: ProcessId, _input: &ProcessInput) -> Result<Option<i64>> {
        Ok(None)
    }

    /// What follows "<holder> is <state>" when the holder is not active and the process would
    /// make the certificates valid.
    fn inactive_holder(_process: ProcessId) -> Said {
        said!(
            ", so the {en} cannot be made active; reactivate the user first.",
            ", så kan {sv} inte aktiveras; återaktivera användaren först.",
            en = Self::KIND.noun(),
            sv = crate::error::Swedish::of(Self::KIND).definite
        )
    }

    /// How the process page shows it at `now`.
    fn view<C: ConnectionTrait>(
        &self,
        conn: &C,
        now: DateTime<Utc>,
        holder: Option<&person::Model>,
    ) -> impl Future<Output = Result<ProcessSubject>> + Send;

    /// The certificates the process can change.
    fn certificates<C: ConnectionTrait>(
        &self,
        conn: &C,
    ) -> impl Future<Output = Result<Vec<CertificateRow>>> + Send {
        crate::pki::of_owner(conn, (Self::KIND, self.id()))
    }

    /// What the process does besides moving the object: read before Next and again in Next's
    /// transaction.
    fn plan<C: ConnectionTrait>(
        &self,
        _conn: &C,
        _process: ProcessId,
    ) -> impl Future<Output = Result<Plan>> + Send {
        async { Ok(Plan::default()) }
    }

    /// Next, before the object moves at `now`: the further columns it sets and what the audit
    /// record adds.
    fn prepare<C: ConnectionTrait>(
        &self,
        _conn: &C,
        _now: DateTime<Utc>,
        _process: ProcessId,
        _holder: Option<&person::Model>,
        _plan: &Plan,
    ) -> impl Future<Output = Result<Prepared>> + Send {
        async { Ok(Prepared::default()) }
    }

    /// Next, after the object moved, in the same transaction (a user's credentials follow).
    fn follow<C: ConnectionTrait>(
        &self,
        _conn: &C,
        _caller: &Caller,
        _step: &Step<'_>,
        _certs: &mut EffectOutcome,
    ) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }

    /// The audit record's text.
    fn detail(
        &self,
        step: &Step<'_>,
        holder: Option<&person::Model>,
        certificates: usize,
    ) -> String {
        let word = match step.effect {
            CertEffect::Validate => "valid",
            CertEffect::Hold => "on hold",
            CertEffect::Release => "released",
            CertEffect::Revoke => "revoked",
            _ => "unchanged",
        };
        match holder {
            Some(h) => format!(
                "{} for {} ({}): {certificates} certificates {word}",
                step.def.name.en, h.common_name, h.upn
            ),
            None => format!(
                "{} {} {}: {certificates} certificates {word}",
                step.def.name.en,
                Self::KIND.noun(),
                self.id()
            ),
        }
    }
}

/// What a process does besides moving the object, as the page shows it before Next.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The credentials that move with a user, with the versions they were read at.
    pub cascade: Vec<(CascadeLine, i64)>,
    pub needs_user: bool,
    pub validity_days: Option<i64>,
}

/// What Next sets besides the state, and adds to the audit record and the outcome.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub extra: Vec<(&'static str, sea_orm::Value)>,
    pub data: serde_json::Map<String, serde_json::Value>,
    pub assigned_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// The transition Next makes, as the kind's own steps see it.
pub(crate) struct Step<'a> {
    /// The time of Next's write.
    pub now: DateTime<Utc>,
    pub def: &'static ProcessDef,
    pub to: State,
    pub effect: CertEffect,
    pub reason: Option<RevocationReason>,
    pub plan: &'a Plan,
    pub prepared: &'a Prepared,
}

/// The object a process may start on, checked: the caller may start the process, sees the
/// object, the object is in a state the process requires, and the command is enabled there.
struct Checked<S> {
    subject: S,
    state: State,
    end: State,
    effect: CertEffect,
    holder: Option<person::Model>,
}

fn lifecycle_def(process: ProcessId, kind: ObjectKind) -> Result<&'static ProcessDef> {
    let def = process.def();
    if def.handler == Handler::Lifecycle && def.starts_on == StartsOn::Object(kind) {
        Ok(def)
    } else {
        Err(EngineError::Invalid(said!(
            "\"{name_en}\" is not a process that changes a {kind_en}'s state here.",
            "”{name_sv}” är inte en process som ändrar tillståndet för {article} {kind_sv} här.",
            name_en = def.name.en,
            name_sv = def.name.sv,
            kind_en = kind.noun(),
            kind_sv = kind.noun_words().sv,
            article = crate::error::Swedish::of(kind).article
        )))
    }
}

async fn check<S: Subject, C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    def: &'static ProcessDef,
    id: i64,
    input: Option<&ProcessInput>,
) -> Result<Checked<S>> {
    authorize(caller, def)?;
    let subject = S::load(conn, caller, id).await?;
    let state = subject.state()?;
    require_state(def, state)?;
    require_enabled(conn, def, state).await?;
    let (end, effect) = runner::end_of(def.id, state)?;
    let assignee = match input {
        Some(input) => S::assignee(def.id, input)?,
        None => None,
    };
    // Certificates become valid again only for a user who is active.
    let holder = match assignee.or(subject.holder_id()) {
        Some(p) if matches!(effect, CertEffect::Validate | CertEffect::Release) => {
            Some(people::active_holder(conn, p, S::inactive_holder(def.id)).await?)
        }
        Some(p) => Some(people::load(conn, p).await?),
        None => None,
    };
    Ok(Checked {
        subject,
        state,
        end,
        effect,
        holder,
    })
}

/// The process page before Next.
pub async fn preview(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    (kind, id): (ObjectKind, i64),
) -> Result<ProcessPreview> {
    match kind {
        ObjectKind::User => preview_of::<user::User>(engine, caller, process, id).await,
        ObjectKind::Card => preview_of::<card::Card>(engine, caller, process, id).await,
        ObjectKind::TempCard => {
            preview_of::<temp_card::TempCard>(engine, caller, process, id).await
        }
        ObjectKind::MobileId => {
            preview_of::<mobile_id::MobileId>(engine, caller, process, id).await
        }
        ObjectKind::Certificate | ObjectKind::BatchOrder => {
            Err(lifecycle_def(process, kind).err().unwrap_or_else(|| {
                EngineError::Invalid(said!(
                    "No lifecycle process here.",
                    "Ingen livscykelprocess här."
                ))
            }))
        }
    }
}

/// Next: the object moves, what follows it follows, the audit record is written; then the CRL.
pub async fn run(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    (kind, id): (ObjectKind, i64),
    version: i64,
    input: ProcessInput,
) -> Result<ProcessOutcome> {
    match kind {
        ObjectKind::User => run_on::<user::User>(engine, caller, process, id, version, input).await,
        ObjectKind::Card => run_on::<card::Card>(engine, caller, process, id, version, input).await,
        ObjectKind::TempCard => {
            run_on::<temp_card::TempCard>(engine, caller, process, id, version, input).await
        }
        ObjectKind::MobileId => {
            run_on::<mobile_id::MobileId>(engine, caller, process, id, version, input).await
        }
        ObjectKind::Certificate | ObjectKind::BatchOrder => {
            Err(lifecycle_def(process, kind).err().unwrap_or_else(|| {
                EngineError::Invalid(said!(
                    "No lifecycle process here.",
                    "Ingen livscykelprocess här."
                ))
            }))
        }
    }
}

async fn preview_of<S: Subject>(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    id: i64,
) -> Result<ProcessPreview> {
    let def = lifecycle_def(process, S::KIND)?;
    let c = check::<S, _>(&engine.db, caller, def, id, None).await?;
    let plan = c.subject.plan(&engine.db, process).await?;
    let certificates = c
        .subject
        .certificates(&engine.db)
        .await?
        .iter()
        .filter(|row| certificate_after(Some(row.state), c.effect).is_some())
        .count();
    Ok(ProcessPreview {
        process,
        name: def.name.en.into(),
        subject: c
            .subject
            .view(&engine.db, engine.now(), c.holder.as_ref())
            .await?,
        end_state: c.end,
        cascade: plan.cascade.into_iter().map(|(line, _)| line).collect(),
        certificates,
        needs_reason: c.effect == CertEffect::Revoke,
        needs_user: plan.needs_user,
        validity_days: plan.validity_days,
    })
}

async fn run_on<S: Subject>(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    id: i64,
    version: i64,
    input: ProcessInput,
) -> Result<ProcessOutcome> {
    let def = lifecycle_def(process, S::KIND)?;
    engine
        .transact(async |tx| {
            let txn = tx;
            let now = tx.now();
            let c = check::<S, _>(txn, caller, def, id, Some(&input)).await?;
            let reason = runner::revocation_reason(def.name, c.effect, input.reason)?;
            // The holder stays as checked until the commit: a concurrent Lock user waits.
            if let Some(h) = &c.holder {
                runner::hold(txn, ObjectKind::User, h.id, h.version).await?;
            }
            let plan = c.subject.plan(txn, process).await?;
            let prepared = c
                .subject
                .prepare(txn, now, process, c.holder.as_ref(), &plan)
                .await?;
            let mut moved = runner::step(def, (c.subject.id(), version), c.state, c.end)
                .setting(prepared.extra.clone())
                .because(reason)
                .take(txn, now, Some(caller))
                .await?;
            let step = Step {
                now,
                def,
                to: c.end,
                effect: c.effect,
                reason,
                plan: &plan,
                prepared: &prepared,
            };
            c.subject
                .follow(txn, caller, &step, &mut moved.certificates)
                .await?;
            let changed = moved.certificates.changed.len();
            let mut data = serde_json::Map::new();
            data.insert("reason".into(), reason.map(|r| r.as_str()).into());
            data.insert("certificate_effect".into(), serde_json::json!(c.effect));
            data.insert("certificates_changed".into(), changed.into());
            data.extend(prepared.data.clone());
            let detail = c.subject.detail(&step, c.holder.as_ref(), changed);
            let certs = moved
                .record(
                    txn,
                    now,
                    Some(caller),
                    serde_json::Value::Object(data),
                    detail,
                )
                .await?;
            if certs.crl_changed() {
                tx.after_commit(AfterCommit::PublishCrl);
            }
            Ok(ProcessOutcome {
                kind: S::KIND,
                id: c.subject.id(),
                state: c.end,
                certificates_changed: certs.changed.len(),
                cascade: plan.cascade.into_iter().map(|(line, _)| line).collect(),
                assigned_until: prepared
                    .assigned_until
                    .filter(|_| c.end == State::TempCard(tessera_process::TempCardState::Assigned))
                    .map(crate::time::text),
            })
        })
        .await
}
