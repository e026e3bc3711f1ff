//! The two server functions of every lifecycle process (Deactivate user, Lock card, Assign
//! temporary card, Reactivate mobile ID, …): the page before Next, and Next.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use tessera_process::dto::{ProcessInput, ProcessOutcome, ProcessPreview};
use tessera_process::{AppError, ObjectKind, ProcessId};

/// A lifecycle process on the object `(kind, id)` before Next.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "fetch_process", input = Json)]
pub async fn fetch_process(
    process: ProcessId,
    kind: ObjectKind,
    id: i64,
) -> Result<ProcessPreview, AppError> {
    use super::ssr;
    let (engine, caller) = ssr::context().await?;
    tessera_engine::lifecycle::preview(&engine, &caller, process, (kind, id))
        .await
        .map_err(ssr::fail)
}

/// Next: `version` is the object's version the page showed, so that a change made meanwhile is
/// refused rather than overwritten; `once` is the page's submission key (Next sent twice does
/// the work once).
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "run_process", input = Json)]
pub async fn run_process(
    process: ProcessId,
    kind: ObjectKind,
    id: i64,
    version: i64,
    input: ProcessInput,
    once: Option<String>,
) -> Result<ProcessOutcome, AppError> {
    use super::ssr;
    let (engine, caller) = ssr::context().await?;
    let run = async || {
        tessera_engine::lifecycle::run(&engine, &caller, process, (kind, id), version, input).await
    };
    tessera_engine::submission::once(&engine, &caller, once.as_deref(), process.as_str(), run)
        .await
        .map_err(ssr::fail)
}
