//! Starting a job: the checks before the first APDU, the job record and the reader claim.

use super::job::RunOptions;
use super::run::run;
use super::settings::IssueSettings;
use crate::audit::{self, AuditRecord};
use crate::bridge::jobs;
use crate::bridge::reader;
use crate::bridge::target::{self, Target};
use crate::bridge::{Bridge, ReaderClaim};
use crate::objects::user::people;
use crate::runner::{self, authorize, require_state};
use crate::Caller;
use crate::{Engine, EngineError, Result};
use tessera_process::bridge::JobState;
use tessera_process::{said, ObjectKind, ProcessId};

/// Checks that encoding may start on `target` (at `version`) with the card in `reader`:
/// Issue card on an approved card, or producing a temporary card (the state says which
/// process). Records the job and takes the reader. Nothing is sent to the card yet.
pub async fn begin(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    target: Target,
    version: i64,
    reader: &str,
) -> Result<(i64, ReaderClaim, IssueSettings)> {
    begin_as(engine, bridge, caller, target, version, reader, None).await
}

/// [`begin`] as `process` (a batch order's Issue multiple or Repeat production) rather than the
/// process the object's state suggests.
pub async fn begin_as(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    target: Target,
    version: i64,
    reader: &str,
    process: Option<ProcessId>,
) -> Result<(i64, ReaderClaim, IssueSettings)> {
    // Refuse early, before the reader or the database is touched, a caller who may start none
    // of the processes that encode this kind of object.
    let first = process.unwrap_or(match target.0 {
        ObjectKind::TempCard => ProcessId::TempCardsBoProcIssueMultiple,
        _ => ProcessId::CardsProcIssue,
    });
    authorize(caller, first.def())?;
    engine.pki()?;
    let claim = bridge.claim(reader)?;
    let settings = IssueSettings::current(&engine.db, target.0).await?;
    if settings.plans.is_empty() {
        let temp = target.0 == ObjectKind::TempCard;
        return Err(EngineError::Invalid(said!(
            "No certificates are configured for {en} (option {option}Certificates); an admin must choose at least one.",
            "Inga certifikat är konfigurerade för {sv} (alternativet {option}Certificates); en administratör måste välja minst ett.",
            en = if temp { "temporary cards" } else { "cards" },
            sv = if temp { "tillfälliga kort" } else { "kort" },
            option = if temp { "TempCards" } else { "Cards" },
        )));
    }
    let job = engine
        .transact(async |txn| {
            let now = txn.now();
            let t = target::load(txn, target).await?;
            if t.version != version {
                return Err(EngineError::Conflict { kind: target.0 });
            }
            let def = process
                .or(target::encoding_process(t.state))
                .unwrap_or(first)
                .def();
            authorize(caller, def)?;
            require_state(def, t.state)?;
            // A card a batch order holds is produced by that batch, never beside it.
            if let Some(batch) = t.batch_order_id {
                if !matches!(def.starts_on, tessera_process::Subject::BatchOrders(_)) {
                    return Err(EngineError::NotNow(said!(
                        "{en} {id} belongs to batch order {batch}: it is produced there (BATCH ORDERS).",
                        "{sv} {id} hör till batchbeställning {batch}: det produceras där (BATCHBESTÄLLNINGAR).",
                        en = target.0.label(),
                        sv = target.0.words().sv,
                        id = target.1
                    )));
                }
            }
            if let Some(holder) = t.holder {
                people::active_holder(
                    txn,
                    holder,
                    said!(
                        " now, so no card can be issued for them.",
                        " nu, så kan inget kort utfärdas för användaren."
                    ),
                )
                .await?;
            }
            // The row lock first: a second job on this object waits here and then sees this one.
            runner::hold(txn, target.0, target.1, version).await?;
            if let Some(open) = jobs::open_on(txn, target).await?.first() {
                let in_doubt = open.state == JobState::InDoubt.as_str();
                let state = jobs::state_said(&open.state);
                return Err(EngineError::NotNow(said!(
                    "{en} {id} already has encoding job {job} ({state_en}). {then_en}",
                    "{sv} {id} har redan kodningsjobb {job} ({state_sv}). {then_sv}",
                    en = target.0.label(),
                    sv = target.0.words().sv,
                    id = target.1,
                    job = open.id,
                    state_en = &state.en,
                    state_sv = &state.sv,
                    then_en = if in_doubt {
                        "Reconcile it first: insert that card and click Reconcile."
                    } else {
                        "Wait for it to finish."
                    },
                    then_sv = if in_doubt {
                        "Stäm av det först: sätt i det kortet och klicka på Stäm av."
                    } else {
                        "Vänta tills det är klart."
                    }
                )));
            }
            let job = jobs::create(txn, now, target, def.id, reader, caller.account_id).await?;
            audit::append(
txn,
now,
Some(caller),
                AuditRecord {
                    action: "CardEncodingStarted".into(),
                    object: Some(target),
                    from_state: Some(t.state.as_str().into()),
                    to_state: None,
                    data: serde_json::json!({
                        "job_id": job,
                        "process": def.id.as_str(),
                        "reader": reader,
                        "certificates": settings.describe(),
                        "options_version": settings.options_version,
                    }),
                    detail: format!("Encoding started in reader \"{reader}\" for {}", t.label),
                },
            )
            .await?;
            Ok(job)
        })
        .await?;
    bridge.live_start(job);
    Ok((job, claim, settings))
}

/// Starts the encoding panel's process (Issue card, Initialize temporary card) in the background
/// on the card in `reader`; returns the job, whose progress [`jobs::view`] shows.
pub async fn start(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    target: Target,
    version: i64,
    reader: &str,
) -> Result<i64> {
    let process = crate::bridge::target::panel_process(target.0);
    authorize(caller, process.def())?;
    // A requested or failed temporary card is produced in its batch order, not one by one.
    let state = target::load(&engine.db, target).await?.state;
    if target::encoding_process(state) != Some(process) {
        let def = process.def();
        return Err(EngineError::NotNow(said!(
            "{en} {id} is {state_en}: {process_en} starts on a {required_en} one.",
            "{sv} {id} har tillståndet ”{state_sv}”: {process_sv} börjar i tillståndet ”{required_sv}”.",
            en = target.0.label(),
            sv = target.0.words().sv,
            id = target.1,
            state_en = state.as_str().replace('_', " "),
            state_sv = state.words().sv,
            process_en = def.name.en,
            process_sv = def.name.sv,
            required_en = def.required[0].as_str().replace('_', " "),
            required_sv = def.required[0].words().sv,
        )));
    }
    let (job, claim, settings) = begin_as(
        engine,
        bridge,
        caller,
        target,
        version,
        reader,
        Some(process),
    )
    .await?;
    let (engine, bridge, caller) = (engine.clone(), bridge.clone(), caller.clone());
    tokio::spawn(async move {
        let name = claim.reader.clone();
        run(
            &engine,
            &bridge,
            &caller,
            job,
            claim,
            settings,
            move || reader::open(&name, true),
            RunOptions::default(),
        )
        .await;
    });
    Ok(job)
}
