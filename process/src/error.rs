//! The error every server function answers with, the same type on the server and in the
//! browser: what kind of refusal it is (the browser acts on it: a sign-in link, a reload), the
//! words a person reads, and the field of the form it is about, if one.

use serde::{Deserialize, Serialize};

/// What kind of refusal or fault an answer is; the server answers with its HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request cannot be carried out as it is: bad input, or a rule of the process.
    BadRequest,
    /// Not signed in, or the session ended.
    Unauthenticated,
    /// Signed in, but this account may not do it.
    Forbidden,
    NotFound,
    /// The object changed meanwhile, or is in a state that does not allow it.
    Conflict,
    /// Too many requests; try again later.
    RateLimited,
    /// The server has no room for the work now; try again later.
    Busy,
    /// A fault of the server: nothing was changed, the details are in its log.
    Internal,
    /// The browser did not reach the server.
    Unreachable,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::RateLimited => 429,
            ErrorKind::Busy => 503,
            ErrorKind::Internal | ErrorKind::Unreachable => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    /// In words a person can act on.
    pub message: String,
    /// The form field it is about (an option's key), when it is about one.
    pub field: Option<String>,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
            field: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

#[cfg(feature = "server_fn")]
impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Request(_) => AppError::new(
                ErrorKind::Unreachable,
                "The server cannot be reached. Check your connection and try again.",
            ),
            E::Args(m) | E::Deserialization(m) | E::MissingArg(m) => AppError::bad_request(
                format!("The request is not one this server understands: {m}"),
            ),
            E::UnsupportedRequestMethod(m) => AppError::bad_request(m),
            other => AppError::internal(other.to_string()),
        }
    }
}
