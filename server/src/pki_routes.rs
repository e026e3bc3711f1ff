//! The CA's public URLs (CA certificates, the CRL at the certificates' CDP) and the signed-in
//! download of one certificate in PEM.

use axum::extract::{Path, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tessera_engine::pki::{self, crl};
use tessera_engine::{Engine, EngineError};

pub fn routes(engine: Engine) -> Router {
    Router::new()
        .route("/pki/ca/{file}", get(ca_certificate))
        .route(pki::CRL_PATH, get(current_crl))
        .route("/pki/certificates/{id}/pem", get(certificate_pem))
        .with_state(engine)
}

fn file(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

fn error(status: StatusCode, message: String) -> Response {
    (status, message).into_response()
}

async fn ca_certificate(State(engine): State<Engine>, Path(name): Path<String>) -> Response {
    let Ok(p) = engine.pki() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "The CA is not started.".into(),
        );
    };
    match name.as_str() {
        "root.crt" => file("application/pkix-cert", &name, p.ca.root.der.clone()),
        "issuing.crt" => file("application/pkix-cert", &name, p.ca.issuing.der.clone()),
        "chain.pem" => file(
            "application/x-pem-file",
            &name,
            p.ca.chain_pem().into_bytes(),
        ),
        _ => error(
            StatusCode::NOT_FOUND,
            "There are root.crt, issuing.crt and chain.pem.".into(),
        ),
    }
}

async fn current_crl(State(engine): State<Engine>) -> Response {
    match crl::latest(&engine.db).await {
        Ok(Some(c)) => {
            let mut r = file("application/pkix-crl", "issuing.crl", c.der);
            // Caches may keep it until shortly before its next update.
            let age = (c.next_update - engine.now()).num_seconds().clamp(0, 3600);
            if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={age}")) {
                r.headers_mut().insert(header::CACHE_CONTROL, v);
            }
            r
        }
        Ok(None) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "No CRL is published yet.".into(),
        ),
        Err(e) => {
            tracing::error!("serving the CRL: {e}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The CRL cannot be read.".into(),
            )
        }
    }
}

async fn certificate_pem(
    State(engine): State<Engine>,
    Path(id): Path<i64>,
    parts: Parts,
) -> Response {
    let caller = match crate::session::caller(&engine, &parts).await {
        Ok(c) => c,
        Err(response) => return response,
    };
    match pki::pem(&engine, &caller, id).await {
        Ok((name, pem)) => file("application/x-pem-file", &name, pem.into_bytes()),
        Err(e @ EngineError::NotFound { .. }) => error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e) if e.is_user_facing() => error(StatusCode::FORBIDDEN, e.to_string()),
        Err(e) => {
            tracing::error!("certificate {id}: {e}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The certificate cannot be read.".into(),
            )
        }
    }
}
