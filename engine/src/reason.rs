//! A reason a person gives (for a rejection, a recovery, a consent), as the audit log keeps it.

use crate::{EngineError, Result};
use tessera_process::{said, Said};

/// Longest reason a person can give.
pub const MAX_REASON: usize = 500;

/// A reason a person gives (for a rejection, a recovery, a consent): trimmed, at most
/// [`MAX_REASON`] characters, and required with `missing` as the message when it is.
pub fn given_reason(reason: &str, missing: Option<Said>) -> Result<&str> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON {
        return Err(EngineError::bad_input(
            "reason",
            said!(
                "The reason is too long: at most {MAX_REASON} characters.",
                "Orsaken är för lång: högst {MAX_REASON} tecken."
            ),
        ));
    }
    match missing {
        Some(message) if reason.is_empty() => Err(EngineError::bad_input("reason", message)),
        _ => Ok(reason),
    }
}
