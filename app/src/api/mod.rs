//! The server functions. Each one establishes who is calling from the session cookie, calls the
//! engine, and returns a DTO; the engine checks roles, ownership and state.

use tessera_process::AppError;

mod admin;
mod answer;
mod batch;
mod cards;
mod lists;
mod mobile;
mod people;
mod process;
mod session;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use admin::*;
pub use answer::JsonAnswer;
pub use batch::*;
pub use cards::*;
pub use lists::*;
pub use mobile::*;
pub use people::*;
pub use process::*;
pub use session::*;

/// The message of a server function error, as a person should read it.
pub fn error_text(e: &AppError) -> String {
    e.message.clone()
}
