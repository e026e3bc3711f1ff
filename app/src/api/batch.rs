//! BATCH ORDERS: search, create, produce, complete or cancel, stop.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use tessera_process::dto::*;
use tessera_process::AppError;

#[cfg(feature = "ssr")]
use super::ssr;

/// BATCH ORDERS, Issue multiple (temporary) cards: Search for cards of `kind` ready for
/// production.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "batch_search")]
pub async fn batch_search(
    kind: tessera_process::ObjectKind,
) -> Result<Vec<BatchCandidate>, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::batch_order::search(&engine, &caller, kind)
        .await
        .map_err(ssr::fail)
}

/// Issue multiple (temporary) cards with the ticked cards: a new batch order.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "create_batch", input = Json)]
pub async fn create_batch(
    kind: tessera_process::ObjectKind,
    ids: Vec<i64>,
) -> Result<i64, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::batch_order::create(&engine, &caller, kind, &ids)
        .await
        .map_err(ssr::fail)
}

#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "batch_view")]
pub async fn fetch_batch(batch: i64) -> Result<BatchView, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::batch_order::view(&engine, &ssr::bridge()?, &caller, batch)
        .await
        .map_err(ssr::fail)
}

/// Next, or with `repeat` Repeat production (of `cards`, failed or produced; without them of
/// every failed card): without encoding the new PINs come back at once (shown once); with
/// encoding production starts and [`fetch_batch`] follows it.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "produce_batch")]
pub async fn produce_batch(
    batch: i64,
    version: i64,
    reader: Option<String>,
    repeat: bool,
    cards: Option<Vec<i64>>,
) -> Result<Vec<(i64, String)>, AppError> {
    use tessera_engine::objects::batch_order::{self, Produced, ProductionRun};
    let what = match (repeat, cards) {
        (false, _) => ProductionRun::Next,
        (true, None) => ProductionRun::RepeatFailed,
        (true, Some(cards)) => ProductionRun::Repeat(cards),
    };
    let (engine, caller) = ssr::context().await?;
    let reader = reader.filter(|r| !r.is_empty());
    match batch_order::produce(
        &engine,
        &ssr::bridge()?,
        &caller,
        batch,
        version,
        reader.as_deref(),
        what,
    )
    .await
    .map_err(ssr::fail)?
    {
        Produced::Done(pins) => Ok(pins
            .into_iter()
            .map(|(id, pin)| (id, pin.to_string()))
            .collect()),
        Produced::Started => Ok(vec![]),
    }
}

/// Complete order or Cancel order.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "close_batch")]
pub async fn close_batch(
    process: tessera_process::ProcessId,
    batch: i64,
    version: i64,
) -> Result<String, AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::batch_order::close(
        &engine,
        &ssr::bridge()?,
        &caller,
        process,
        batch,
        version,
    )
    .await
    .map(|s| s.as_str().to_string())
    .map_err(ssr::fail)
}

/// Stop production after the card being encoded.
#[server(prefix = "/api", output = crate::api::JsonAnswer, endpoint = "stop_batch")]
pub async fn stop_batch(batch: i64) -> Result<(), AppError> {
    let (engine, caller) = ssr::context().await?;
    tessera_engine::objects::batch_order::stop(&engine, &ssr::bridge()?, &caller, batch)
        .await
        .map_err(ssr::fail)
}
