//! Who is calling: established by the session (never by the request body), and passed to every
//! process, every audit record and every check of who may touch what.

use crate::{EngineError, Result};
use tessera_process::{Role, Said};

/// Who is calling, as established by the session (never by the request body).
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub name: String,
    pub roles: Vec<Role>,
    /// The person a self-service account belongs to.
    pub person_id: Option<i64>,
    /// The client address, for the audit log.
    pub source: String,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Refuses unless the caller holds one of `roles`; `what` completes "Your account may not …"
    /// ("Ditt konto får inte …").
    pub fn require_any(&self, roles: &[Role], what: Said) -> Result<()> {
        if roles.iter().any(|r| self.has(*r)) {
            Ok(())
        } else {
            Err(EngineError::Forbidden(what))
        }
    }
}
