//! EST (RFC 7030) for mobile IDs, under `/.well-known/est/<label>/`: `cacerts`, `csrattrs`,
//! `simpleenroll` and `serverkeygen`; and the user properties the app reads. The phone
//! authenticates with HTTP Basic `activation id:code`. Bodies are base64 DER (RFC 8951); errors
//! are text a person can read, with the status the engine chose.

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use std::net::SocketAddr;
use tessera_engine::objects::mobile_id::enroll::{self, Credentials, EstError, KeyRequest};
use tessera_engine::Engine;

pub const EST_PREFIX: &str = "/.well-known/est";
pub const PROPERTIES_PATH: &str = "/mobile-id/api/properties";
/// A PKCS#10 of a P-256 or RSA-4096 key is a few KB as base64; anything larger is refused.
const MAX_BODY: usize = 16 * 1024;
const DEFAULT_LABEL: &str = "authentication";

pub fn routes(engine: Engine) -> Router {
    let est = Router::new()
        .route("/cacerts", get(cacerts_default))
        .route("/{label}/cacerts", get(cacerts))
        .route("/{label}/csrattrs", get(csrattrs))
        .route("/{label}/simpleenroll", post(simpleenroll))
        .route("/{label}/serverkeygen", post(serverkeygen))
        // Anything else under EST is answered as EST answers: text, not the site's HTML page.
        .fallback(unknown);
    Router::new()
        .nest(EST_PREFIX, est)
        .route(PROPERTIES_PATH, get(properties))
        .with_state(engine)
}

async fn unknown(uri: axum::http::Uri) -> Response {
    plain_error(
        StatusCode::NOT_FOUND,
        &format!(
            "There is no EST operation \"{}\". Tessera answers <label>/cacerts, csrattrs, simpleenroll and serverkeygen, with the labels authentication, signature and encryption.",
            uri.path().trim_start_matches('/')
        ),
    )
}

fn refuse(e: EstError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = match &e {
        EstError::Engine(inner) if !inner.is_user_facing() => {
            tracing::error!("an EST request failed: {inner}");
            "The server could not complete the enrollment; nothing was changed. Try again later."
                .to_string()
        }
        other => other.to_string(),
    };
    let mut res = (status, message).into_response();
    if let EstError::Engine(inner) = &e {
        if let Some(seconds) = inner.retry_after() {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
    }
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"Tessera EST\", charset=\"UTF-8\""),
        );
    }
    res
}

fn plain_error(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

/// base64 with line breaks, as RFC 7030 clients read it.
fn base64_body(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2);
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

fn der_response(content_type: &'static str, der: &[u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::HeaderName::from_static("content-transfer-encoding"),
                "base64",
            ),
        ],
        base64_body(der),
    )
        .into_response()
}

async fn cacerts_default(State(engine): State<Engine>) -> Response {
    cacerts(State(engine), Path(DEFAULT_LABEL.to_string())).await
}

async fn cacerts(State(engine): State<Engine>, Path(label): Path<String>) -> Response {
    match enroll::cacerts(&engine, &label) {
        Ok(der) => der_response("application/pkcs7-mime", &der),
        Err(e) => refuse(e),
    }
}

async fn csrattrs(State(engine): State<Engine>, Path(label): Path<String>) -> Response {
    match enroll::csrattrs(&engine, &label).await {
        Ok(der) => der_response("application/csrattrs", &der),
        Err(e) => refuse(e),
    }
}

/// `id:code` from `Authorization: Basic …`.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, code) = text.split_once(':')?;
    Some((id.to_string(), code.to_string()))
}

fn no_credentials() -> Response {
    refuse(EstError::Unauthorized(
        "Sign in with the activation id and code of the QR code (HTTP Basic).".into(),
    ))
}

/// The DER of a PKCS#10 body: base64 as RFC 7030 sends it, or raw DER, which some clients send.
fn csr_body(headers: &HeaderMap, body: &[u8]) -> Result<Vec<u8>, (StatusCode, &'static str)> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case("application/pkcs10")
    {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the certificate request as application/pkcs10 (base64 DER).",
        ));
    }
    if body.len() > MAX_BODY {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            "The certificate request is too large.",
        ));
    }
    if body.first() == Some(&0x30) {
        return Ok(body.to_vec());
    }
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| {
            (
                StatusCode::BAD_REQUEST,
                "The body is not a base64 DER certificate request (PKCS#10).",
            )
        })
}

/// Whose key an enrollment certifies.
#[derive(Clone, Copy)]
enum KeyFrom {
    Phone,
    Server,
}

/// The shared part of `simpleenroll` and `serverkeygen`: credentials, the CSR, the engine.
async fn enroll_request(
    engine: &Engine,
    peer: SocketAddr,
    label: &str,
    headers: &HeaderMap,
    body: &[u8],
    from: KeyFrom,
) -> Result<enroll::Enrolled, Box<Response>> {
    let Some((id, code)) = basic(headers) else {
        return Err(Box::new(no_credentials()));
    };
    let csr = csr_body(headers, body)
        .map_err(|(status, message)| Box::new(plain_error(status, message)))?;
    let cred = Credentials {
        public_id: &id,
        code: &code,
    };
    let request = match from {
        KeyFrom::Phone => KeyRequest::Phone { csr: &csr },
        KeyFrom::Server => KeyRequest::Server { csr: &csr },
    };
    enroll::enroll(engine, &peer.ip().to_string(), label, &cred, request)
        .await
        .map_err(|e| Box::new(refuse(e)))
}

async fn simpleenroll(
    State(engine): State<Engine>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(label): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match enroll_request(&engine, peer, &label, &headers, &body, KeyFrom::Phone).await {
        Ok(out) => der_response("application/pkcs7-mime; smime-type=certs-only", &out.pkcs7),
        Err(res) => *res,
    }
}

async fn serverkeygen(
    State(engine): State<Engine>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(label): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let out = match enroll_request(&engine, peer, &label, &headers, &body, KeyFrom::Server).await {
        Ok(out) => out,
        Err(res) => return *res,
    };
    let Some(key) = out.private_key_pkcs8 else {
        return refuse(EstError::BadRequest(
            "No key was generated for this label.".into(),
        ));
    };
    // base64 has no "-", so a fixed boundary can never occur inside a part.
    let boundary = "tessera-est-part";
    let body = format!(
        "--{boundary}\r\nContent-Type: application/pkcs8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--{boundary}\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--{boundary}--\r\n",
        base64_body(&key),
        base64_body(&out.pkcs7),
    );
    (
        [
            (
                header::CONTENT_TYPE,
                format!("multipart/mixed; boundary={boundary}"),
            ),
            // The answer carries a private key: no cache may keep it.
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn properties(
    State(engine): State<Engine>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let Some((id, code)) = basic(&headers) else {
        return no_credentials();
    };
    let cred = Credentials {
        public_id: &id,
        code: &code,
    };
    match enroll::properties(&engine, &peer.ip().to_string(), &cred).await {
        Ok(p) => Json(p).into_response(),
        Err(e) => refuse(e),
    }
}
