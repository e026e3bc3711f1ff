//! The server side of every server function: who is calling (the session cookie), the engine,
//! and how an engine error becomes the typed error the browser reads.

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use leptos::prelude::*;
use std::net::SocketAddr;
use tessera_engine::{auth, Caller, Engine, EngineError};
use tessera_process::{AppError, Language};

pub const COOKIE: &str = "tessera_session";
/// The cookie's name over HTTPS: a `__Host-` cookie is only accepted by browsers when it
/// is Secure, for this host alone and for the whole site, so no sibling subdomain or plain
/// HTTP page can plant one.
pub const SECURE_COOKIE: &str = "__Host-tessera_session";

/// Whether the server sends its cookie Secure, set once at start ([`CookiePolicy::install`]).
static SECURE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

fn cookie_name() -> &'static str {
    if SECURE.get().copied().unwrap_or(false) {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// A piece the server provides to every request (`what` names it in the error).
fn provided<T: Clone + Send + Sync + 'static>(what: &str) -> Result<T, AppError> {
    use_context::<T>().ok_or_else(|| {
        refuse(AppError::internal(format!(
            "The server has no {what} configured."
        )))
    })
}

/// A refusal the server function makes itself: answered with its kind's status.
pub fn refuse(e: AppError) -> AppError {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(
            axum::http::StatusCode::from_u16(e.kind.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    e
}

pub fn engine() -> Result<Engine, AppError> {
    provided("engine")
}

/// An engine error as the person who made the request should see it; internal faults are
/// logged and reported without their details.
pub fn fail(e: EngineError) -> AppError {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(
            axum::http::StatusCode::from_u16(e.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
        if let Some(seconds) = e.retry_after() {
            resp.insert_header(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
    // In the caller's language (the account's cookie, else Accept-Language); English when
    // there is no request to ask.
    let language = use_context::<Parts>()
        .map(|parts| crate::language::of_request(&parts.headers))
        .unwrap_or_default();
    if e.is_user_facing() {
        AppError {
            kind: e.kind(),
            message: e.message(language),
            field: e.field(),
        }
    } else {
        tracing::error!("server function failed: {e}");
        AppError::internal(match language {
            Language::English => "Something went wrong on the server. Nothing was changed; the administrator finds the details in the server log.",
            Language::Swedish => "Något gick fel på servern. Ingenting ändrades; administratören hittar detaljerna i serverloggen.",
        })
    }
}

pub async fn parts() -> Result<Parts, AppError> {
    leptos_axum::extract::<Parts>()
        .await
        .map_err(|e| refuse(AppError::internal(e.to_string())))
}

pub fn token(parts: &Parts) -> Option<String> {
    cookie(&parts.headers, cookie_name()).map(str::to_string)
}

/// The value of the cookie `name` that a request sends.
pub fn cookie<'h>(headers: &'h axum::http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn source(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The signed-in caller, or an error asking them to sign in.
pub async fn caller() -> Result<Caller, AppError> {
    let parts = parts().await?;
    let engine = engine()?;
    let token = token(&parts).ok_or_else(|| fail(EngineError::Unauthenticated))?;
    match auth::session(&engine, &token, &source(&parts))
        .await
        .map_err(fail)?
    {
        Some((_, caller)) => Ok(caller),
        None => Err(fail(EngineError::Unauthenticated)),
    }
}

pub fn production(external: Option<bool>) -> tessera_engine::objects::card::Production {
    if external == Some(true) {
        tessera_engine::objects::card::Production::External
    } else {
        tessera_engine::objects::card::Production::Local
    }
}

/// The bureau's outbox and inbox: the engine carries them, so that its after-commit work
/// writes order files to the same place.
pub fn external() -> Result<tessera_engine::external::ExternalSettings, AppError> {
    engine()?.external.as_deref().cloned().ok_or_else(|| {
        refuse(AppError::internal(
            "The server has no external production configured.",
        ))
    })
}

pub fn bridge() -> Result<tessera_engine::bridge::Bridge, AppError> {
    provided("card bridge")
}

/// Engine and caller, the start of every server function.
pub async fn context() -> Result<(Engine, Caller), AppError> {
    Ok((engine()?, caller().await?))
}

pub fn package(name: &str) -> Result<tessera_process::OptionsPackage, AppError> {
    tessera_process::OptionsPackage::parse(name).ok_or_else(|| {
        refuse(AppError::not_found(format!(
            "There is no options document \"{name}\"."
        )))
    })
}

/// How the session cookie is sent; the server provides it from its settings.
#[derive(Clone, Copy, Debug, Default)]
pub struct CookiePolicy {
    /// Only over HTTPS (`Secure`): on for every deployment behind TLS.
    pub secure: bool,
}

impl CookiePolicy {
    /// Makes this the policy of the process: the cookie's name follows it.
    pub fn install(self) -> Self {
        let _ = SECURE.set(self.secure);
        self
    }
}

/// Remembers the account's language for the server's rendering of the next pages (a year);
/// `None` forgets it, and the browser's `Accept-Language` decides again.
pub fn set_language_cookie(language: Option<tessera_process::Language>) {
    let name = crate::language::COOKIE;
    append_cookie(match language {
        Some(l) => format!(
            "{name}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            l.code()
        ),
        None => format!("{name}=; Path=/; SameSite=Lax; Max-Age=0"),
    });
}

/// The session cookie: `value` for `max_age` seconds (0 ends it).
pub fn set_cookie(value: &str, max_age: i64) {
    append_cookie(format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}",
        cookie_name()
    ));
}

/// Sets a cookie on the answer, `Secure` where the server runs behind TLS.
fn append_cookie(mut cookie: String) {
    if use_context::<CookiePolicy>().unwrap_or_default().secure {
        cookie.push_str("; Secure");
    }
    if let (Some(resp), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::HeaderValue::from_str(&cookie),
    ) {
        resp.append_header(axum::http::header::SET_COOKIE, v);
    }
}
