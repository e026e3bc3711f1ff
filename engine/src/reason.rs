//! A reason a person gives (for a rejection, a recovery, a consent), as the audit log keeps it.

use crate::{EngineError, Result};

/// Longest reason a person can give.
pub const MAX_REASON: usize = 500;

/// A reason a person gives (for a rejection, a recovery, a consent): trimmed, at most
/// [`MAX_REASON`] characters, and required with `missing` as the message when it is.
pub fn given_reason<'a>(reason: &'a str, missing: Option<&str>) -> Result<&'a str> {
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON {
        return Err(EngineError::bad_input(
            "reason",
            format!("The reason is too long: at most {MAX_REASON} characters."),
        ));
    }
    match missing {
        Some(message) if reason.is_empty() => Err(EngineError::bad_input("reason", message)),
        _ => Ok(reason),
    }
}
