//! The browser bundle as scripts/build publishes it: the whole build in `pkg/<hash>/`, a
//! directory named by the hash of its content, each file beside its brotli and gzip forms, and
//! `build.txt` naming the current build.

use axum::http::{header, HeaderValue};
use axum::Router;
use std::path::Path;
use tower_http::services::ServeDir;

/// The current build's directory under the site root, e.g. `pkg/0123456789abcdef`.
pub fn current_build(site_root: &str) -> Result<String, String> {
    let named = Path::new(site_root).join("build.txt");
    let build = std::fs::read_to_string(&named).map_err(|_| {
        format!(
            "the browser bundle is not built ({} is missing): run scripts/build",
            named.display()
        )
    })?;
    let dir = format!("pkg/{}", build.trim());
    let js = Path::new(site_root).join(&dir).join("tessera.js");
    if !js.exists() {
        return Err(format!("{} is missing: run scripts/build", js.display()));
    }
    Ok(dir)
}

/// `/pkg/`: the published files, answered in brotli or gzip when the browser takes it (made by
/// the build, not on each request). A build's files never change, so browsers keep them for a
/// year without asking again.
pub fn routes<S: Clone + Send + Sync + 'static>(site_root: &str) -> Router<S> {
    let files = ServeDir::new(Path::new(site_root).join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service("/pkg", files)
        .layer(axum::middleware::map_response(kept_for_good))
}

/// A found file is kept; anything else (a file of an earlier build: 404) is not.
async fn kept_for_good(mut res: axum::response::Response) -> axum::response::Response {
    let value = if res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-store"
    };
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    res
}
