//! Encodes a PIV card in a reader: Issue card (`CardsProcIssue`) for an approved card, and the
//! production of a temporary card (see [`crate::bridge::target`] for which process and end state).
//!
//! The job is recorded before the first APDU. Every secret the card is about to get (management
//! key, PUK) is stored sealed before the card gets it; certificates are issued (`issued`) before
//! they are written; the card's new state, its certificates and the audit record are committed
//! together after the card was read back. A failure leaves the card `failed` and its
//! certificates revoked; a refusal before anything was written leaves it `approved`. A job
//! whose process stops is declared in doubt and resolved by [`crate::bridge::reconcile`], never by
//! running it again.

mod begin;
mod commit;
mod job;
mod run;
mod settings;
mod steps;

pub use begin::{begin, begin_as, start};
pub use commit::job_certificates;
pub(super) use commit::{commit_issued, record_failure};
pub use job::{card_message, RunOptions};
pub use run::{run, Finished};
pub use settings::{random_digits, slot_for, IssueSettings};
pub(super) use steps::opens;
