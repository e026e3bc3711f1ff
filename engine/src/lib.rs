//! Tessera's back end. Stateless services over a SeaORM connection, in the manner of SeaORM's
//! axum example: each module takes the [`Engine`] (or a transaction) and a [`Caller`].
// No panics on a path a request can take: every failure is an error the caller handles.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod accounts;
pub mod audit;
pub mod audit_checkpoint;
pub mod auth;
pub mod bootstrap;
pub mod bridge;
pub mod caller;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod enablement;
pub mod entity;
pub mod error;
pub mod external;
pub mod files;
pub mod lifecycle;
pub mod lists;
pub mod mail;
pub mod migration;
pub mod notifications;
pub mod objects;
pub mod options;
pub mod passwords;
pub mod pki;
pub mod reason;
pub mod runner;
pub mod search;
pub mod sign_in_throttle;
pub mod stored;
pub mod submission;
// Test support: a failure there fails the test, which is what a panic does.
#[cfg(feature = "testing")]
#[allow(clippy::unwrap_used, clippy::expect_used)]
pub mod testing;
pub mod throttle;
pub mod time;
pub mod write;

pub use caller::Caller;

pub use db::Engine;
pub use error::{EngineError, Result};
