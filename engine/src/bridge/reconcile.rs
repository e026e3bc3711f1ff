//! Reconcile: resolves an encoding job that is in doubt by reading the card back. The job is
//! never run again; what the card holds decides.

use super::apdu::Transport;
use super::encode::{self, commit_issued, random_digits, record_failure};
use super::jobs::{self, Stats};
use super::mgmt_key::{MgmtAlgorithm, MgmtKey};
use super::piv::{self, Piv, PivError, Slot};
use super::reader;
use super::secrets;
use super::Bridge;
use crate::runner::authorize;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use tessera_process::bridge::{EncodingStep, JobState};
use tessera_process::said;
use zeroize::Zeroizing;

/// How reconciling ended. No `Debug`: it may hold the new PIN.
pub struct Reconciled {
    /// Issued (with a new PIN), failed, or nothing written (the card can be issued again).
    pub outcome: ReconcileOutcome,
    pub message: String,
    pub pin: Option<Zeroizing<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReconcileOutcome {
    Issued,
    Failed,
    NothingWritten,
}

/// Reconciles in-doubt job `job_id` with the card in `reader`.
pub async fn reconcile(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    job_id: i64,
    reader: &str,
) -> Result<Reconciled> {
    let name = reader.to_string();
    reconcile_with(engine, bridge, caller, job_id, reader, move || {
        reader::open(&name, true)
    })
    .await
}

pub async fn reconcile_with<T, O>(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    job_id: i64,
    reader: &str,
    open: O,
) -> Result<Reconciled>
where
    T: Transport + Send + 'static,
    O: FnOnce() -> std::result::Result<(Piv<T>, Vec<u8>), PivError> + Send + 'static,
{
    // Only staff who encode cards get as far as the database.
    caller.require_any(
        &[
            tessera_process::Role::Operator,
            tessera_process::Role::Admin,
        ],
        said!("reconcile encoding jobs", "stämma av kodningsjobb"),
    )?;
    let pki = engine.pki()?;
    // A job whose lease ran out is in doubt even if no schedule has said so yet.
    sweep(engine).await?;
    let job = jobs::load(&engine.db, job_id).await?;
    // Whoever may run the job's process may finish it.
    authorize(caller, jobs::process_of(&job)?.def())?;
    let target = jobs::target_of(&job)?;
    if job.state != JobState::InDoubt.as_str() {
        let state = jobs::state_said(&job.state);
        return Err(EngineError::NotNow(said!(
            "Encoding job {job_id} is {en}, not in doubt: there is nothing to reconcile.",
            "Kodningsjobb {job_id} har tillståndet ”{sv}”, inte oklart utfall: det finns inget att stämma av.",
            en = &state.en,
            sv = &state.sv
        )));
    }
    let _claim = bridge.claim(reader)?;
    let certs = encode::job_certificates(engine, &job).await?;
    let job_key = match (&job.management_key, &job.management_key_algorithm) {
        (Some(sealed), Some(alg)) => Some(secrets::open_mgmt_key(&pki.kek, job.id, alg, sealed)?),
        _ => None,
    };
    let job_puk = match &job.puk {
        Some(sealed) => Some(secrets::open_puk(&pki.kek, job.id, sealed)?),
        None => None,
    };
    let expected: Vec<(Slot, Vec<u8>)> = certs
        .iter()
        .filter_map(|c| Some((slot_of(c)?, c.der.clone()?)))
        .collect();
    let expected_serial = job.chip_serial.clone();
    let expected_guid = job.chuid_guid.clone();
    let expected_ccc = job
        .ccc_id
        .as_deref()
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 14]>::try_from(b).ok())
        .map(|id| piv::ccc(&id));
    // Keys the card had before this job: if one still opens it, the job never changed it.
    let mut earlier_keys = vec![
        MgmtKey::default_for(MgmtAlgorithm::TripleDes),
        MgmtKey::default_for(MgmtAlgorithm::Aes192),
    ];
    for (sealed, alg, _, source) in jobs::secrets_for(
        &engine.db,
        job.chuid_guid.as_deref(),
        job.chip_serial.as_deref(),
    )
    .await?
    {
        if source == job.id {
            continue;
        }
        if let Ok(k) = secrets::open_mgmt_key(&pki.kek, source, &alg, &sealed) {
            earlier_keys.push(k);
        }
    }
    let new_pin = random_digits(
        encode::IssueSettings::current(&engine.db, target.0)
            .await?
            .pin_length,
    );

    // Read the card on a blocking thread.
    let pin = new_pin.clone();
    let reading = tokio::task::spawn_blocking(move || -> std::result::Result<Reading, PivError> {
        let (mut p, _) = open()?;
        let id = reader::identify(&mut p)?;
        if let (Some(want), Some(have)) = (&expected_serial, id.serial_text()) {
            if want != &have {
                return Ok(Reading::WrongCard(said!(
                    "serial {want} expected, {have} found",
                    "serienummer {want} förväntades, {have} hittades"
                )));
            }
        }
        // The key is stored before the card gets it: no key, no change.
        let Some(key) = job_key else {
            return Ok(Reading::NothingWritten);
        };
        if !encode::opens(&mut p, &key)? {
            for earlier in &earlier_keys {
                if encode::opens(&mut p, earlier)? {
                    return Ok(Reading::NothingWritten);
                }
            }
            return Ok(Reading::WrongCard(said!(
                "no key the job or an earlier encoding set opens it",
                "ingen nyckel från jobbet eller en tidigare kodning öppnar det"
            )));
        }
        // The CCC is written last: with it, the CHUID and every certificate, the card is complete.
        let mut complete = !expected.is_empty()
            && id.guid_hex().is_some()
            && id.guid_hex() == expected_guid
            && expected_ccc.is_some()
            && p.get_data(piv::TAG_CCC)? == expected_ccc;
        for (slot, der) in &expected {
            if p.get_certificate(*slot)?.as_deref() != Some(der.as_slice()) {
                complete = false;
            }
        }
        if !complete {
            return Ok(Reading::Partial);
        }
        // PIN and PUK were set before any key: a complete card has the job's PUK.
        let Some(puk) = job_puk else {
            return Ok(Reading::Partial);
        };
        match p.unblock_pin(&puk, &pin) {
            Ok(()) => Ok(Reading::Complete),
            Err(PivError::WrongSecret { .. } | PivError::Blocked(_)) => Ok(Reading::Partial),
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(|e| {
        EngineError::Invalid(said!(
            "reading the card stopped: {e}",
            "läsningen av kortet avbröts: {e}"
        ))
    })?
    .map_err(|e| {
        EngineError::Invalid(said!(
            "Reading the card failed: {why}",
            "Läsningen av kortet misslyckades: {why}",
            why = encode::card_message(&e)
        ))
    })?;

    let stats = Stats::default();
    match reading {
        Reading::WrongCard(why) => Err(EngineError::NotNow(said!(
            "This is not the card of encoding job {job_id} ({en}). Insert that card and try again; the job stays in doubt.",
            "Det här är inte kortet för kodningsjobb {job_id} ({sv}). Sätt i det kortet och försök igen; jobbets utfall förblir oklart.",
            en = &why.en,
            sv = &why.sv
        ))),
        Reading::Complete => {
            let serials: Vec<(Slot, String)> = certs
                .iter()
                .filter_map(|c| Some((slot_of(c)?, c.serial.clone())))
                .collect();
            commit_issued(engine, caller, job.id, target, &serials, stats, "Reconcile").await?;
            Ok(Reconciled {
                outcome: ReconcileOutcome::Issued,
                message: "The card holds everything the job wrote. It is issued; its PIN was reset with the PUK to the new PIN below.".into(),
                pin: Some(new_pin),
            })
        }
        Reading::Partial => {
            let message = "Reconcile: the card holds only part of the encoding";
            record_failure(engine, caller, job.id, target, step_of(&job), true, message, stats).await?;
            Ok(Reconciled {
                outcome: ReconcileOutcome::Failed,
                message: "The card holds only part of the encoding: the card is failed and its certificates are revoked.".into(),
                pin: None,
            })
        }
        Reading::NothingWritten => {
            let message = "Reconcile: nothing had been written to the card";
            record_failure(engine, caller, job.id, target, step_of(&job), false, message, stats).await?;
            Ok(Reconciled {
                outcome: ReconcileOutcome::NothingWritten,
                message: "Nothing had been written to the card. The job is closed (any certificate it issued is revoked); the card can be issued again.".into(),
                pin: None,
            })
        }
    }
}

enum Reading {
    WrongCard(tessera_process::Said),
    NothingWritten,
    Partial,
    Complete,
}

fn step_of(job: &crate::entity::encoding_job::Model) -> EncodingStep {
    EncodingStep::parse(&job.step).unwrap_or(EncodingStep::Connect)
}

/// The slot a job's certificate went to, from its profile's purpose.
fn slot_of(c: &crate::entity::certificate::Model) -> Option<Slot> {
    let purpose = tessera_process::profile::CertPurpose::ALL
        .iter()
        .copied()
        .find(|p| p.label() == c.profile)?;
    Some(encode::slot_for(purpose))
}

async fn mark_in_doubt_before(
    engine: &Engine,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<i64>> {
    engine
        .transact(async |txn| jobs::mark_in_doubt(txn, at).await)
        .await
}

/// At start-up and on a schedule: jobs abandoned by a stopped process become in doubt.
pub async fn sweep(engine: &Engine) -> Result<Vec<i64>> {
    mark_in_doubt_before(engine, engine.now()).await
}

/// At start-up: this server runs no job yet, so every job still marked running was abandoned
/// by its previous run. (One server drives a given reader.)
pub async fn sweep_on_start(engine: &Engine) -> Result<Vec<i64>> {
    mark_in_doubt_before(
        engine,
        engine.now() + jobs::LEASE + chrono::Duration::seconds(1),
    )
    .await
}
