//! Cross-site request forgery. The session cookie is SameSite=Strict, but a page on another port
//! of the same host is the same *site*, so its forms carry the cookie. Every request that can
//! change something (any method but GET, HEAD and OPTIONS) is therefore checked here:
//!
//! - a browser says where the request comes from (`Origin`, or `Sec-Fetch-Site` when it leaves
//!   `Origin` out); it must be Tessera's own origin: the Host it was sent to, or the configured
//!   public URL. Clients that are not browsers (the reference mobile client, curl, the bureau's
//!   uploader) send neither and pass: they cannot be made to send a user's cookie.
//! - the server functions (`/api/`) accept only the encodings their own pages send (URL-encoded
//!   forms and JSON). A `<form enctype="text/plain">` can post a JSON-looking body without a
//!   preflight; it is refused with 415.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origins the server answers for, besides the Host a request names.
#[derive(Clone, Debug)]
pub struct Origins {
    pub public: String,
}

impl Origins {
    pub fn new(public_url: &str) -> Origins {
        Origins {
            public: origin_of(public_url).unwrap_or_default(),
        }
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

fn same_origin(origin: &str, host: Option<&str>, origins: &Origins) -> bool {
    let origin = origin.trim().to_ascii_lowercase();
    if !origins.public.is_empty() && origin == origins.public {
        return true;
    }
    // Behind a proxy that ends TLS the scheme differs from the one Tessera sees; the host and
    // port are what a forged request cannot choose.
    let authority = origin.split_once("://").map(|(_, a)| a);
    matches!((authority, host), (Some(a), Some(h)) if a == h.trim().to_ascii_lowercase())
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

pub async fn check(State(origins): State<Origins>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text(header::HOST);
    let origin = text(header::ORIGIN);
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let foreign = match (origin, fetch_site) {
        // An opaque origin ("null": a sandboxed frame, a file) is nobody's own.
        (Some(origin), _) => origin == "null" || !same_origin(origin, host, &origins),
        // A browser that leaves Origin out still says whether the site is its own.
        (None, Some(site)) => matches!(site, "cross-site" | "same-site"),
        (None, None) => false,
    };
    if foreign {
        tracing::warn!(
            "refused a cross-origin {} {} from {}",
            req.method(),
            req.uri().path(),
            origin.unwrap_or("another site")
        );
        return refuse(
            StatusCode::FORBIDDEN,
            "This request comes from another site and was refused. Use Tessera's own pages.",
        );
    }
    if req.uri().path().starts_with("/api/") {
        let content_type = text(header::CONTENT_TYPE).unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
            && !essence.eq_ignore_ascii_case("application/json")
        {
            return refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Tessera's server functions take application/x-www-form-urlencoded or application/json.",
            );
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tesseras_own_origin_is_the_same() {
        let o = Origins::new("https://tessera.example.com/");
        assert!(same_origin("https://tessera.example.com", None, &o));
        assert!(same_origin(
            "http://127.0.0.1:3100",
            Some("127.0.0.1:3100"),
            &o
        ));
        assert!(!same_origin(
            "http://127.0.0.1:3101",
            Some("127.0.0.1:3100"),
            &o
        ));
        assert!(!same_origin(
            "https://evil.example",
            Some("tessera.example.com"),
            &o
        ));
        assert!(!same_origin(
            "https://tessera.example.com.evil.example",
            None,
            &o
        ));
    }
}
