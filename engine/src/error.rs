use sea_orm::DbErr;
use tessera_process::{ErrorKind, ObjectKind, OptionError, ProcessId, State};

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Everything the engine refuses, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("You are not signed in, or your session has expired. Sign in again.")]
    Unauthenticated,
    #[error("Wrong user name or password.")]
    BadCredentials,
    #[error("Too many failed sign-ins from here for this user name. Wait {seconds} seconds, then try again.")]
    TooManyAttempts { seconds: i64 },
    /// Too many requests from one source, or in all: answered at once, before any work.
    #[error("Too many {what} right now. Wait {seconds} seconds, then try again.")]
    RateLimited { what: &'static str, seconds: u64 },
    /// The server has no room for more of this work now.
    #[error("The server is busy with other {what}. Try again in {seconds} seconds.")]
    Busy { what: &'static str, seconds: u64 },
    #[error("Your account may not {0}.")]
    Forbidden(String),
    /// An id below 1 is none Tessera gives: an address whose id is not a number asks for it.
    #[error("There is no {} {}.", kind.label().to_lowercase(), if *id > 0 { format!("with id {id}") } else { "at this address".to_string() })]
    NotFound { kind: ObjectKind, id: i64 },
    #[error("\"{name}\" is not enabled for a {} in state \"{}\". An administrator can enable it under Additional Commands.", state.kind().label().to_lowercase(), state.as_str())]
    NotEnabled { name: &'static str, state: State },
    #[error("\"{name}\" needs the {} to be {required}, but it is \"{}\".", actual.kind().label().to_lowercase(), actual.as_str())]
    WrongState {
        name: &'static str,
        /// The states the process starts from, as a sentence ("active or inactive").
        required: String,
        actual: State,
    },
    #[error("This {} was changed by someone else in the meantime. Reload the page and try again.", kind.label().to_lowercase())]
    Conflict { kind: ObjectKind },
    /// Four eyes: whoever asked for a `what` (card, user, change) does not decide it.
    #[error("You requested this {what} yourself, so another approver must decide it.")]
    SelfApproval { what: &'static str },
    /// Bad input or a rule of the process, in words a person can act on (400).
    #[error("{0}")]
    Invalid(String),
    /// What the request names does not exist (404): an account, a change, a job, a version.
    #[error("{0}")]
    Missing(String),
    /// The request is right, but the state of things does not allow it now (409): someone
    /// changed it meanwhile, it waits for a decision, a production runs, a reader is busy.
    #[error("{0}")]
    NotNow(String),
    /// Stored data the server cannot read: a fault of the server, not of the request.
    #[error("{0}")]
    Corrupt(String),
    /// Bad input in one field of a form: the browser shows the message at that field.
    #[error("{message}")]
    Field {
        /// The field's name in the form (`upn`, `password`, `reason`).
        field: &'static str,
        message: String,
    },
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Options(Vec<OptionError>),
    #[error("{process} has no transition from {from} to {to}.")]
    NoTransition {
        process: ProcessId,
        from: String,
        to: String,
    },
    #[error("The audit log is broken at record {seq}: {why}")]
    AuditBroken { seq: i64, why: String },
    /// A public key or CSR that the CA will not sign, with the reason.
    #[error("{0}")]
    BadKey(String),
    /// The CA or the key store is misconfigured (KEK, PKCS#11 token): for the operator of the
    /// server, not for the person at the browser.
    #[error("Key management is misconfigured: {0}")]
    Config(String),
    #[error("A cryptographic operation failed: {0}")]
    Crypto(String),
    #[error("The database failed: {0}")]
    Db(#[from] DbErr),
}

impl EngineError {
    /// Bad input in `field`, with words a person can act on.
    pub fn bad_input(field: &'static str, message: impl Into<String>) -> Self {
        EngineError::Field {
            field,
            message: message.into(),
        }
    }

    /// The same refusal about another field: a rule shared by forms that name it differently.
    pub fn at_field(self, field: &'static str) -> Self {
        match self {
            EngineError::Field { message, .. } => EngineError::Field { field, message },
            other => other,
        }
    }

    /// What kind of refusal this is, for the browser and for the HTTP status.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Unauthenticated | EngineError::BadCredentials => {
                ErrorKind::Unauthenticated
            }
            EngineError::Forbidden(_) | EngineError::SelfApproval { .. } => ErrorKind::Forbidden,
            EngineError::NotFound { .. } | EngineError::Missing(_) => ErrorKind::NotFound,
            EngineError::NotNow(_)
            | EngineError::NotEnabled { .. }
            | EngineError::WrongState { .. }
            | EngineError::Conflict { .. } => ErrorKind::Conflict,
            EngineError::TooManyAttempts { .. } | EngineError::RateLimited { .. } => {
                ErrorKind::RateLimited
            }
            EngineError::Busy { .. } => ErrorKind::Busy,
            EngineError::Invalid(_)
            | EngineError::Field { .. }
            | EngineError::Options(_)
            | EngineError::BadKey(_) => ErrorKind::BadRequest,
            EngineError::Db(_)
            | EngineError::Corrupt(_)
            | EngineError::AuditBroken { .. }
            | EngineError::NoTransition { .. }
            | EngineError::Config(_)
            | EngineError::Crypto(_) => ErrorKind::Internal,
        }
    }

    /// The HTTP status a refusal is answered with, so that clients and monitoring can tell a
    /// wrong request from a fault of the server.
    pub fn status(&self) -> u16 {
        self.kind().status()
    }

    /// The form field the refusal is about: the field of bad input, or the first option a saved
    /// document got wrong.
    pub fn field(&self) -> Option<String> {
        match self {
            EngineError::Field { field, .. } => Some((*field).to_string()),
            EngineError::Options(errors) => errors.first().map(|e| match e {
                OptionError::UnknownKey { key, .. } | OptionError::Invalid { key, .. } => {
                    key.clone()
                }
            }),
            _ => None,
        }
    }

    /// For 429 and 503: when to try again, in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            EngineError::TooManyAttempts { seconds } => Some((*seconds).max(1) as u64),
            EngineError::RateLimited { seconds, .. } | EngineError::Busy { seconds, .. } => {
                Some(*seconds)
            }
            _ => None,
        }
    }

    /// Whether the message is for the person who made the request (as opposed to an internal
    /// fault, which is logged and shown as a generic message).
    pub fn is_user_facing(&self) -> bool {
        !matches!(
            self,
            EngineError::Db(_)
                | EngineError::AuditBroken { .. }
                | EngineError::NoTransition { .. }
                | EngineError::Config(_)
                | EngineError::Crypto(_)
        )
    }
}
