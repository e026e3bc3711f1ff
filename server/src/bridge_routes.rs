//! The live reader view: Server-Sent Events with the reader snapshot, sent at once and again on
//! every change the monitor sees.

use axum::extract::State;
use axum::http::{request::Parts, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::StreamExt;
use std::time::Duration;
use tessera_engine::bridge::{panel, Bridge};
use tessera_engine::Engine;
use tokio_stream::wrappers::WatchStream;

pub const READERS_PATH: &str = "/bridge/readers";

/// A stream ends after this long; the browser reconnects at once, and the session is checked
/// again (a signed-out operator stops receiving).
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

pub fn routes(engine: Engine, bridge: Bridge) -> Router {
    Router::new()
        .route(READERS_PATH, get(readers))
        .with_state((engine, bridge))
}

async fn readers(State((engine, bridge)): State<(Engine, Bridge)>, parts: Parts) -> Response {
    let caller = match crate::session::caller(&engine, &parts).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(e) = panel::readers(&bridge, &caller) {
        return (StatusCode::FORBIDDEN, e.to_string()).into_response();
    }
    let events = WatchStream::new(bridge.subscribe())
        .map(|snapshot| Event::default().event("readers").json_data(&snapshot))
        .take_until(tokio::time::sleep(STREAM_LIFETIME));
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
