//! The card bureau's report endpoint: `POST /bureau/reports` with `Authorization: Bearer
//! <TESSERA_BUREAU_TOKEN>` and the report CSV as the body; answers what was applied and what
//! was refused, line by line.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use tessera_engine::{external, Engine};

pub const REPORTS_PATH: &str = "/bureau/reports";

pub fn routes(engine: Engine, token: Option<String>) -> Router {
    Router::new()
        .route(REPORTS_PATH, post(report))
        .with_state((engine, token))
}

async fn report(
    State((engine, token)): State<(Engine, Option<String>)>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Some(token) = token else {
        return (
            StatusCode::NOT_FOUND,
            "The bureau report endpoint is off: the server has no TESSERA_BUREAU_TOKEN.",
        )
            .into_response();
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !tessera_engine::auth::same_secret(presented.as_bytes(), token.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            "A valid bearer token is required.",
        )
            .into_response();
    }
    match external::apply_report(&engine, None, "http", &body).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(e) if e.is_user_facing() => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
        Err(e) => {
            tracing::error!("a bureau report failed: {e}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The report could not be applied; nothing changed.",
            )
                .into_response()
        }
    }
}
