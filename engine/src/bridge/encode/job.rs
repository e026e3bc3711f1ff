//! A running job's context: the step it is at, the card calls on a blocking thread, its
//! statistics and the words for a card error.

use crate::bridge::apdu::Transport;
use crate::bridge::jobs::{self, Stats};
use crate::bridge::piv::{Piv, PivError};
use crate::bridge::target::Target;
use crate::bridge::Bridge;
use crate::Caller;
use crate::Engine;
use std::time::Instant;
use tessera_process::bridge::{EncodingStep, StepStatus};

/// For tests of crash recovery only: stop as if the process died right after `step`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    pub crash_after: Option<EncodingStep>,
}

/// A step's failure: what to tell the operator, and whether the card was already changed.
pub(super) struct Failure {
    pub(super) step: EncodingStep,
    pub(super) message: String,
    pub(super) card_changed: bool,
}

/// The running job's context.
pub(super) struct Job<'a, T: Transport + Send + 'static> {
    pub(super) engine: &'a Engine,
    pub(super) bridge: &'a Bridge,
    pub(super) caller: &'a Caller,
    pub(super) id: i64,
    pub(super) target: Target,
    pub(super) piv: Option<Piv<T>>,
    pub(super) step: EncodingStep,
    pub(super) card_changed: bool,
    pub(super) started: Instant,
    pub(super) stats_base: crate::bridge::apdu::ChannelStats,
    /// Connecting and powering the card: card time, though no APDU.
    pub(super) connect: std::time::Duration,
}

impl<T: Transport + Send + 'static> Job<'_, T> {
    pub(super) fn fail(&self, message: impl Into<String>) -> Failure {
        Failure {
            step: self.step,
            message: message.into(),
            card_changed: self.card_changed,
        }
    }

    pub(super) async fn enter(
        &mut self,
        step: EncodingStep,
        values: Vec<(&'static str, sea_orm::Value)>,
    ) -> std::result::Result<(), Failure> {
        self.step = step;
        jobs::advance(&self.engine.db, self.engine.now(), self.id, step, values)
            .await
            .map_err(|e| self.fail(e.to_string()))?;
        self.bridge.live_update(self.id, |l| {
            for s in &mut l.steps {
                if s.step == step {
                    s.status = StepStatus::Running;
                }
            }
        });
        Ok(())
    }

    /// Renews the lease within a long step (one per key generated).
    pub(super) async fn renew(&self) -> std::result::Result<(), Failure> {
        jobs::advance(
            &self.engine.db,
            self.engine.now(),
            self.id,
            self.step,
            vec![],
        )
        .await
        .map_err(|e| self.fail(e.to_string()))
    }

    pub(super) fn done(&self, detail: impl Into<String>) {
        let step = self.step;
        let detail = detail.into();
        self.bridge.live_update(self.id, |l| {
            for s in &mut l.steps {
                if s.step == step {
                    s.status = StepStatus::Done;
                    s.detail = Some(detail.clone());
                }
            }
        });
    }

    /// Runs card work on a blocking thread (PC/SC calls block), keeping the connection.
    pub(super) async fn card<R: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Piv<T>) -> std::result::Result<R, PivError> + Send + 'static,
    ) -> std::result::Result<R, Failure> {
        let mut p = self
            .piv
            .take()
            .ok_or_else(|| self.fail("the card connection was lost"))?;
        let (p, r) = tokio::task::spawn_blocking(move || {
            let r = f(&mut p);
            (p, r)
        })
        .await
        .map_err(|e| self.fail(format!("the card task stopped: {e}")))?;
        self.piv = Some(p);
        r.map_err(|e| self.fail(card_message(&e)))
    }

    pub(super) fn stats(&self) -> Stats {
        let s = self
            .piv
            .as_ref()
            .map(|p| p.channel.stats())
            .unwrap_or(self.stats_base);
        Stats {
            apdus: s.apdus,
            on_card_ms: (s.on_card + self.connect).as_millis() as u64,
            total_ms: self.started.elapsed().as_millis() as u64,
        }
    }
}

/// An operator-facing sentence for a card error.
pub fn card_message(e: &PivError) -> String {
    match e {
        PivError::Transport(crate::bridge::apdu::TransportError::Removed) => {
            "The card was removed from the reader.".into()
        }
        other => {
            let s = other.to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
                None => s,
            }
        }
    }
}
