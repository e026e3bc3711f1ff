//! The transactions that end a job: the object encoded with its certificates, or failed.

use crate::audit::{self, AuditRecord};
use crate::bridge::jobs::{self, Stats};
use crate::bridge::piv::Slot;
use crate::bridge::target::{self, Target};
use crate::entity::{certificate, encoding_job};
use crate::pki::effects;
use crate::runner;
use crate::Caller;
use crate::{Engine, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tessera_process::bridge::{EncodingStep, JobState};
use tessera_process::profile::RevocationReason;

/// The object reaches its encoded state with its certificates, the chip's secrets are kept,
/// the job succeeds, and the audit record says so: one transaction.
pub(in crate::bridge) async fn commit_issued(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    target: Target,
    serials: &[(Slot, String)],
    stats: Stats,
    what: &str,
) -> Result<()> {
    engine.transact(async |txn| {
            let now = txn.now();
            let job = jobs::load(txn, id).await?;
            let process = jobs::process_of(&job)?;
            let t = target::load(txn, target).await?;
            let to = target::encoded_state(process, t.state)?;
            let moved = runner::step(process.def(), (target.1, t.version), t.state, to)
                .take(txn, now, Some(caller))
                .await?;
            jobs::save_chip(txn, now, target, &job).await?;
            let open = [JobState::Encoding, JobState::InDoubt];
            jobs::finish(txn, now, id, &open, JobState::Succeeded, None, stats).await?;
            let data = serde_json::json!({
                "job_id": id,
                "reader": job.reader,
                "chip_serial": job.chip_serial,
                "chuid_guid": job.chuid_guid,
                "certificates": serials.iter().map(|(s, serial)| serde_json::json!({"slot": format!("{:02X}", s.id()), "serial": serial})).collect::<Vec<_>>(),
                "apdus": stats.apdus,
            });
            let detail = format!("{what}: card encoded for {} in reader \"{}\"", t.label, job.reader);
            let outcome = moved.record(txn, now, Some(caller), data, detail).await?;
            txn.publish_crl_if(&outcome);
            Ok(())
        })
    .await
}

/// Records a failed job: the object `failed` with its certificates revoked if the chip was
/// already changed (and the process has a failed state), else left as it was (with any issued
/// certificate revoked all the same).
#[allow(clippy::too_many_arguments)]
pub(in crate::bridge) async fn record_failure(
    engine: &Engine,
    caller: &Caller,
    job: i64,
    target: Target,
    step: EncodingStep,
    card_changed: bool,
    message: &str,
    stats: Stats,
) -> Result<()> {
    engine
        .transact(async |txn| {
            let now = txn.now();
            let process = jobs::process_of(&jobs::load(txn, job).await?)?;
            let open = [JobState::Encoding, JobState::InDoubt];
            jobs::finish(txn, now, job, &open, JobState::Failed, Some(message), stats).await?;
            let t = target::load(txn, target).await?;
            let data = serde_json::json!({ "job_id": job, "step": step.as_str(), "error": message, "card_changed": card_changed });
            let failed = target::failed_state(process, t.state).filter(|_| card_changed);
            let (record, mut outcome) = match failed {
                Some(failed) => runner::step(process.def(), (target.1, t.version), t.state, failed)
                    .because(Some(RevocationReason::CessationOfOperation))
                    .take(txn, now, Some(caller))
                    .await?
                    .into_record(
                        data,
                        format!("Encoding failed, {} failed and its certificates revoked: {message}", t.label),
                    ),
                None => {
                    let detail = format!("Encoding refused, nothing was written to the card: {message}");
                    let record = AuditRecord {
                        action: process.as_str().into(),
                        object: Some(target),
                        from_state: Some(t.state.as_str().into()),
                        to_state: None,
                        data,
                        detail,
                    };
                    (record, effects::EffectOutcome::default())
                }
            };
            // Whatever the object's state, no certificate of this job stays live undelivered.
            let rest = effects::revoke_undelivered(txn, now, Some(caller), target, message).await?;
            outcome.changed.extend(rest.changed);
            audit::append(txn, now, Some(caller), record).await?;
            txn.publish_crl_if(&outcome);
            Ok(())
        })
        .await
}

/// Certificates a job issued, for reconciliation.
pub async fn job_certificates(
    engine: &Engine,
    j: &encoding_job::Model,
) -> Result<Vec<certificate::Model>> {
    let ids: Vec<i64> = serde_json::from_str(&j.certificate_ids).unwrap_or_default();
    Ok(certificate::Entity::find()
        .filter(certificate::Column::Id.is_in(ids))
        .all(&engine.db)
        .await?)
}
