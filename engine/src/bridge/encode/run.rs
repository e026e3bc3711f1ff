//! Runs a job to its end: connects, goes through the steps, and commits the issued card or
//! records why it failed.

use super::commit::record_failure;
use super::job::{Job, RunOptions};
use super::settings::IssueSettings;
use super::steps::steps;
use crate::bridge::apdu::Transport;
use crate::bridge::jobs::{self, Stats};
use crate::bridge::piv::{Piv, PivError};
use crate::bridge::{Bridge, ReaderClaim};
use crate::Caller;
use crate::Engine;
use std::time::Instant;
use tessera_process::bridge::{EncodingStep, JobState, StepStatus};
use zeroize::Zeroizing;

/// How a job ended, for callers that wait for it (tests, the benchmark). No `Debug`: it holds
/// the PIN.
#[derive(Clone)]
pub struct Finished {
    pub job: i64,
    pub state: JobState,
    pub error: Option<String>,
    pub pin: Option<Zeroizing<String>>,
    pub stats: Stats,
}

/// Runs a job to its end: success commits the issued card, failure records why.
#[allow(clippy::too_many_arguments)]
pub async fn run<T, O>(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    job: i64,
    claim: ReaderClaim,
    settings: IssueSettings,
    open: O,
    opts: RunOptions,
) -> Finished
where
    T: Transport + Send + 'static,
    O: FnOnce() -> std::result::Result<(Piv<T>, Vec<u8>), PivError> + Send + 'static,
{
    let target = match jobs::load(&engine.db, job)
        .await
        .and_then(|j| jobs::target_of(&j))
    {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("encoding job {job} vanished: {e}");
            return Finished {
                job,
                state: JobState::Failed,
                error: Some(e.to_string()),
                pin: None,
                stats: Stats::default(),
            };
        }
    };
    let mut j = Job {
        engine,
        bridge,
        caller,
        id: job,
        target,
        piv: None,
        step: EncodingStep::Connect,
        card_changed: false,
        started: Instant::now(),
        stats_base: Default::default(),
        connect: Default::default(),
    };
    let outcome = steps(&mut j, &settings, open, opts).await;
    let stats = j.stats();
    let finished = match outcome {
        Ok(Some(pin)) => {
            bridge.live_update(job, |l| {
                l.state = JobState::Succeeded;
                l.pin = Some(pin.clone());
            });
            Finished {
                job,
                state: JobState::Succeeded,
                error: None,
                pin: Some(pin),
                stats,
            }
        }
        // A simulated crash: nothing more happens, as if the process had died.
        Ok(None) => Finished {
            job,
            state: JobState::Encoding,
            error: None,
            pin: None,
            stats,
        },
        Err(f) => {
            let message = format!("{} failed: {}", f.step.label(), f.message);
            if let Err(e) = record_failure(
                engine,
                caller,
                job,
                target,
                f.step,
                f.card_changed,
                &message,
                stats,
            )
            .await
            {
                tracing::error!("recording the failure of encoding job {job} failed: {e}");
            }
            let step = f.step;
            bridge.live_update(job, |l| {
                l.state = JobState::Failed;
                l.error = Some(message.clone());
                for s in &mut l.steps {
                    if s.step == step {
                        s.status = StepStatus::Failed;
                        s.detail = Some(f.message.clone());
                    }
                }
            });
            Finished {
                job,
                state: JobState::Failed,
                error: Some(message),
                pin: None,
                stats,
            }
        }
    };
    if let Some(p) = j.piv.take() {
        let _ = tokio::task::spawn_blocking(move || drop(p)).await;
    }
    drop(claim);
    bridge.forget_later(job);
    finished
}
