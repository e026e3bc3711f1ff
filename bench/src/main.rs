//! Benchmarks that print tables (never asserted: these machines are noisy).
//!
//! `tessera-bench http`    — starts the release server on SQLite and drives the Request card
//!                           server function over loopback at fixed arrival rates.
//! `tessera-bench runner`  — the process runner alone, in process, on SQLite and PostgreSQL.
//! `tessera-bench certs`   — certificates issued per second, beside the raw signing rate.
//! `tessera-bench encode`  — time per encoded card on the virtual card (pcscd + vpcd and in
//!                           process), split into card time and Tessera's own, APDUs per card.
//! `tessera-bench batch`   — 10,000 temporary cards from requested to unassigned in one batch
//!                           without encoding.
//! `tessera-bench est`     — mobile ID enrollments per second over EST on loopback, with the
//!                           reference mobile client.
//! `tessera-bench login-flood` — 1,000 parallel sign-ins with random names: how they are
//!                           answered, the server's memory, and /health latency meanwhile.
//! `tessera-bench web`     — bytes each page makes the browser fetch, time to a hydrated page
//!                           in Chromium (cold and warm), the audit viewer on 1,000,000 records.
//! `tessera-bench`         — all of them.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod batch;
mod certs;
mod encode;
mod est;
mod http;
mod login_flood;
mod runner;
mod web;

#[tokio::main]
async fn main() {
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let result = match what.as_str() {
        "http" => http::run().await,
        "runner" => runner::run().await,
        "certs" => certs::run().await,
        "encode" => encode::run().await,
        "batch" => batch::run().await,
        "est" => est::run().await,
        "login-flood" => login_flood::run().await,
        "web" => web::run().await,
        // For `perf record`: SQLite, one transaction per certificate, nothing else.
        "certs-profile" => certs::profile_target().await,
        "all" => async {
            http::run().await?;
            runner::run().await?;
            certs::run().await?;
            encode::run().await?;
            batch::run().await?;
            est::run().await?;
            login_flood::run().await?;
            web::run().await
        }
        .await,
        other => Err(format!(
            "unknown benchmark \"{other}\": use http, runner, certs, encode, batch, est, login-flood, web or nothing for all"
        )),
    };
    if let Err(e) = result {
        eprintln!("tessera-bench: {e}");
        std::process::exit(1);
    }
}

/// Signs in to the server at `base` as the pages do; the session cookie to send with requests.
pub async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
) -> Result<String, String> {
    let login = client
        .post(format!("{base}/api/login"))
        .header("origin", base)
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
        .ok_or_else(|| format!("no session cookie after signing in as {user}"))
}

/// Nearest-rank percentile of sorted samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
