//! What the operator's pages ask of the bridge: the readers, the Issue card panel of a card and
//! the progress of a job. Each checks that the caller may encode cards.

use super::encode::IssueSettings;
use super::target::Target;
use super::{jobs, Bridge};
use crate::runner::authorize;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use tessera_process::bridge::{IssuePanel, JobView, ReaderSnapshot};
use tessera_process::ProcessId;

/// The readers and cards, for those who may issue cards.
pub fn readers(bridge: &Bridge, caller: &Caller) -> Result<ReaderSnapshot> {
    authorize(caller, ProcessId::CardsProcIssue.def())?;
    Ok(bridge.readers())
}

/// The encoding panel of a card or temporary card: what it would get, and its encoding jobs.
pub async fn panel(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    target: Target,
) -> Result<IssuePanel> {
    let process = super::target::panel_process(target.0);
    authorize(caller, process.def())?;
    let t = super::target::load(&engine.db, target).await?;
    let settings = IssueSettings::current(&engine.db, target.0).await?;
    let jobs = jobs::of_object(&engine.db, target).await?;
    let views = jobs::views(&engine.db, Some(bridge), &jobs).await?;
    Ok(IssuePanel {
        process,
        can_issue: super::target::encoding_process(t.state) == Some(process)
            && t.batch_order_id.is_none(),
        version: t.version,
        certificates: settings.describe(),
        pin_length: settings.pin_length as u8,
        puk_length: settings.puk_length as u8,
        jobs: views,
    })
}

/// A job's progress. The operator who started it receives the new PIN in the first answer
/// after the job succeeded, and never again.
pub async fn job(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    job_id: i64,
) -> Result<JobView> {
    authorize(caller, ProcessId::CardsProcIssue.def())?;
    let j = jobs::load(&engine.db, job_id).await?;
    let mut view = jobs::view(&engine.db, Some(bridge), &j).await?;
    if j.started_by == caller.account_id
        && view.state == tessera_process::bridge::JobState::Succeeded
    {
        if let Some(pin) = bridge.take_pin(job_id) {
            view.pin = Some(pin.to_string());
            view.pin_delivered = true;
        }
    }
    Ok(view)
}

/// Reconcile as the operator sees its result.
pub async fn reconcile(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    job_id: i64,
    reader: &str,
) -> Result<(String, Option<String>)> {
    if reader.trim().is_empty() {
        return Err(EngineError::bad_input(
            "reader",
            tessera_process::said!(
                "Choose the reader that holds the card.",
                "Välj läsaren som kortet sitter i."
            ),
        ));
    }
    let r = super::reconcile::reconcile(engine, bridge, caller, job_id, reader).await?;
    Ok((r.message, r.pin.map(|p| p.to_string())))
}
