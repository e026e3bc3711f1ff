//! The signed-in caller of a plain axum route (outside server functions), from the session
//! cookie.

use axum::http::{request::Parts, StatusCode};
use axum::response::{IntoResponse, Response};
use tessera_engine::{auth, Caller, Engine, EngineError};

pub async fn caller(engine: &Engine, parts: &Parts) -> Result<Caller, Response> {
    let unauthenticated = || {
        (
            StatusCode::UNAUTHORIZED,
            EngineError::Unauthenticated.to_string(),
        )
            .into_response()
    };
    let token = tessera_app::api::ssr::token(parts).ok_or_else(unauthenticated)?;
    let source = tessera_app::api::ssr::source(parts);
    match auth::session(engine, &token, &source).await {
        Ok(Some((_, caller))) => Ok(caller),
        Ok(None) => Err(unauthenticated()),
        Err(e) => {
            tracing::error!("session lookup: {e}");
            Err((StatusCode::INTERNAL_SERVER_ERROR, "Try again.").into_response())
        }
    }
}
