//! Tessera's process model, shared by the browser (WASM) and the server.
//!
//! Everything here is data: the object kinds and their states, the transition table (one row per
//! allowed state change, with its certificate effect), the process catalogue, the option schemas
//! with their defaults, and the DTOs the UI and the server exchange. The engine executes exactly
//! what these tables allow, and the UI offers exactly that, so the two cannot drift apart.
// No panics on a path a request can take: every failure is an error the caller handles.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod bridge;
pub mod catalogue;
pub mod dto;
pub mod error;
pub mod kind;
pub mod language;
pub mod lists;
pub mod options;
pub mod person;
pub mod process_id;
pub mod profile;
pub mod state;
pub mod transition;

pub use catalogue::{Component, Handler, Package, ProcessDef, ProcessId, Subject};
pub use error::{AppError, ErrorKind};
pub use kind::{ObjectKind, Role};
pub use language::{Language, Said, Words};
pub use options::{
    Key, OptionDef, OptionError, OptionKind, OptionType, OptionValue, OptionsDocument,
    OptionsPackage,
};
pub use profile::{CertPurpose, CertificateProfile, RevocationReason};
pub use state::{
    BatchOrderState, CardState, CertificateState, KindState, MobileIdState, State, TempCardState,
    UserState,
};
pub use transition::{CertEffect, Transition};
