#![recursion_limit = "256"]
//! The Tessera server. `tessera [serve]` runs it; `tessera demo-data` loads the demo data set;
//! `tessera demo-bureau` plays the card bureau (every card sent to it is reported produced);
//! `tessera verify-audit` checks the audit chain. Settings come from Leptos.toml (see there).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod assets;
mod bridge_routes;
mod bureau_routes;
mod config;
mod csrf;
mod est_routes;
mod pki_routes;
mod session;
mod work_queue;

use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use config::Config;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use tessera_app::{shell, App};
use tessera_engine::bridge::Bridge;
use tessera_engine::Engine;

const USAGE: &str =
    "usage: tessera [serve | demo-data | demo-bureau | verify-audit [--checkpoint FILE]] [--config Leptos.toml]";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tessera: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut command = None;
    let mut config_path = PathBuf::from("Leptos.toml");
    let mut checkpoint_file: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config_path = args.next().ok_or(USAGE)?.into(),
            "--checkpoint" => checkpoint_file = Some(args.next().ok_or(USAGE)?.into()),
            "-h" | "--help" | "help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other if command.is_none() => command = Some(other.to_string()),
            _ => return Err(USAGE.into()),
        }
    }
    let config = Config::load(&config_path)?;
    // Everything the server creates is its own (the database, its journal, order files, keys).
    // SAFETY: umask only sets the process's file creation mask.
    unsafe {
        libc::umask(0o077);
    }
    return_hash_memory();
    if config.database_url.starts_with("sqlite") {
        tessera_engine::files::private_dir(&config.data_dir).map_err(|e| {
            format!(
                "cannot create the data dir {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let mut engine = Engine::open_with_pki(&config.database_url, &config.pki)
        .await
        .map_err(|e| {
            format!(
                "cannot start with the database {}: {e}",
                config.database_for_log()
            )
        })?;
    engine.guards = std::sync::Arc::new(tessera_engine::throttle::Guards::new(config.limits));
    engine.sessions = config.sessions;
    engine.external = Some(std::sync::Arc::new(config.external.clone()));
    match command.as_deref().unwrap_or("serve") {
        "serve" => serve(config, engine).await,
        "demo-data" => {
            let loaded = tessera_engine::demo::load(&engine)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                if loaded {
                    "Demo data loaded."
                } else {
                    "Demo data is already there; nothing changed."
                }
            );
            Ok(())
        }
        // The demo's card bureau: every card at the bureau is reported produced, in a report
        // the next sync (scheduled, or Run sync now) applies.
        "demo-bureau" => {
            match tessera_engine::external::report_sent_cards(&engine, &config.external)
                .await
                .map_err(|e| e.to_string())?
            {
                Some((path, n)) => println!(
                    "The demo bureau reports {n} cards produced in {}; the next sync applies it (admin → External production → Run sync now).",
                    path.display()
                ),
                None => println!("No card is at the bureau; order one first (Order card, Order temporary cards)."),
            }
            Ok(())
        }
        "verify-audit" => {
            use tessera_engine::audit_checkpoint;
            let mut checkpoints = audit_checkpoint::stored(&engine)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(file) = &checkpoint_file {
                checkpoints.extend(audit_checkpoint::read_file(file).map_err(|e| e.to_string())?);
            }
            let n = audit_checkpoint::verify(&engine, &checkpoints)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "The audit chain is intact: {n} records, {} signed checkpoints hold{}.",
                checkpoints.len(),
                checkpoint_file
                    .map(|f| format!(" (with those of {})", f.display()))
                    .unwrap_or_default()
            );
            Ok(())
        }
        other => Err(format!("unknown command \"{other}\"\n{USAGE}")),
    }
}

/// A password hash takes about 19 MiB. glibc raises its mmap threshold after such a block is
/// freed, so the next ones come from per-thread arenas and stay there: a burst of sign-ins left
/// the server 300 MB larger for good (scripts/bench login-flood). With a fixed threshold, blocks
/// of 1 MiB and more are mapped and unmapped, and go back to the system when the hash is done.
fn return_hash_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator (MT-safe in glibc: it takes the arenas' locks).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// External production: order files out, bureau reports in, on a schedule.
fn spawn_external_sync(
    engine: Engine,
    settings: tessera_engine::external::ExternalSettings,
    every: std::time::Duration,
) {
    tokio::spawn(async move {
        // The first tick runs at once; each sync writes order files a stop cut short first.
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match tessera_engine::external::sync(&engine, &settings, None).await {
                Ok(out) => {
                    for (file, n) in &out.order_files {
                        tracing::info!("order file {file} with {n} cards written");
                    }
                }
                Err(e) => tracing::error!("the external production sync failed: {e}"),
            }
        }
    });
}

/// Signed checkpoints of the audit chain, at start and on the schedule: kept in the database,
/// appended to the checkpoint file and written to the log, so that a rewritten or cut chain is
/// found by `tessera verify-audit --checkpoint FILE` even by someone who trusts nothing in the
/// database.
fn spawn_audit_checkpoints(engine: Engine, file: PathBuf, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        let mut exported = None;
        loop {
            tick.tick().await;
            match tessera_engine::audit_checkpoint::take(&engine).await {
                Ok(c) if exported != Some(c.seq) => {
                    tracing::info!(
                        "audit checkpoint seq={} hash={} at={} mac={}",
                        c.seq,
                        c.hash,
                        c.at,
                        c.mac
                    );
                    match tessera_engine::audit_checkpoint::export(&file, &c) {
                        Ok(()) => exported = Some(c.seq),
                        Err(e) => tracing::error!(
                            "writing the audit checkpoint to {} failed: {e}",
                            file.display()
                        ),
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::error!("taking an audit checkpoint failed: {e}"),
            }
        }
    });
}

/// The schedules: encoding jobs in doubt; the CA's (expire and compensate certificates,
/// republish the CRL); Expire temporary cards.
fn spawn_schedule(engine: Engine, every: std::time::Duration) {
    // Encoding jobs abandoned by another server (or a stalled task) become in doubt within a
    // minute of their lease running out.
    let jobs_engine = engine.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            match tessera_engine::bridge::reconcile::sweep(&jobs_engine).await {
                Ok(ids) if !ids.is_empty() => tracing::warn!("encoding jobs in doubt: {ids:?}"),
                Ok(_) => {}
                Err(e) => tracing::error!("checking encoding jobs failed: {e}"),
            }
        }
    });
    // Refused sign-ins are summed up into the audit log, one record per name, source and period.
    let throttle_engine = engine.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = tessera_engine::sign_in_throttle::report(&throttle_engine, false).await
            {
                tracing::error!("reporting refused sign-ins failed: {e}");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let undelivered_after = chrono::Duration::hours(1);
            if let Err(e) = tessera_engine::pki::scheduled(&engine, undelivered_after).await {
                tracing::error!("the CA's scheduled run failed: {e}");
            }
            match tessera_engine::objects::temp_card::expire_due(&engine).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("{n} temporary cards expired"),
                Err(e) => tracing::error!("expiring temporary cards failed: {e}"),
            }
        }
    });
}

async fn serve(config: Config, engine: Engine) -> Result<(), String> {
    // Without a built bundle the server still answers (the API, EST, the CA); its pages are
    // then not interactive.
    let pkg_dir = assets::current_build(&config.site_root)
        .inspect_err(|e| tracing::warn!("{e}; pages will not be interactive"))
        .unwrap_or_else(|_| "pkg".into());
    let options = LeptosOptions::builder()
        .output_name("tessera")
        .site_root(config.site_root.as_str())
        .site_pkg_dir(pkg_dir)
        .site_addr(config.address)
        .build();
    let routes = generate_route_list(App);
    let cookies = tessera_app::api::ssr::CookiePolicy {
        secure: config.secure_cookie,
    }
    .install();
    let health_engine = engine.clone();
    match tessera_engine::bridge::reconcile::sweep_on_start(&engine).await {
        Ok(ids) if !ids.is_empty() => tracing::warn!(
            "encoding jobs {ids:?} did not finish before the last stop; they are in doubt until reconciled"
        ),
        Ok(_) => {}
        Err(e) => return Err(format!("checking unfinished encoding jobs failed: {e}")),
    }
    spawn_schedule(engine.clone(), config.schedule);
    spawn_audit_checkpoints(
        engine.clone(),
        config.checkpoint_file.clone(),
        config.checkpoint_every,
    );
    spawn_external_sync(
        engine.clone(),
        config.external.clone(),
        config.external_sync,
    );
    match config.mail.clone() {
        Some(settings) => {
            let target = format!("{}:{}", settings.host, settings.port);
            let mailer = tessera_engine::mail::Mailer::new(settings).map_err(|e| e.to_string())?;
            tessera_engine::mail::spawn_worker(
                engine.clone(),
                mailer,
                std::time::Duration::from_secs(5),
            );
            tracing::info!("mail goes out through {target}");
        }
        None => tracing::info!("no [mail] smtp_host: messages wait in the outbox"),
    }
    let bridge = if config.card_readers {
        Bridge::start()
    } else {
        Bridge::new()
    };
    let pki = pki_routes::routes(engine.clone());
    let readers = bridge_routes::routes(engine.clone(), bridge.clone());
    let bureau = bureau_routes::routes(engine.clone(), config.bureau_token.clone());
    let est = est_routes::routes(engine.clone());
    let app = Router::new()
        .route(
            "/health",
            get(move || {
                let e = health_engine.clone();
                async move {
                    match e.db.ping().await {
                        Ok(()) => (axum::http::StatusCode::OK, "ok"),
                        Err(_) => (
                            axum::http::StatusCode::SERVICE_UNAVAILABLE,
                            "database unavailable",
                        ),
                    }
                }
            }),
        )
        .leptos_routes_with_context(
            &options,
            routes,
            move || {
                // A fresh nonce for each page: its inline scripts carry it, and the CSP allows
                // no other.
                leptos::nonce::provide_nonce();
                provide_context(engine.clone());
                provide_context(bridge.clone());
                provide_context(cookies);
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
        .merge(assets::routes(&config.site_root))
        .merge(pki)
        .merge(readers)
        .merge(bureau)
        .merge(est)
        .layer(axum::middleware::from_fn(bad_arguments_are_400))
        .layer(axum::middleware::from_fn_with_state(
            work_queue::WorkQueue::shared(),
            work_queue::take_turn,
        ))
        .layer(axum::middleware::from_fn_with_state(
            csrf::Origins::new(&config.pki.public_url),
            csrf::check,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config.secure_cookie,
            security_headers,
        ))
        // No request needs more than an import file (1 MiB) with room to spare; larger ones are
        // refused with 413 before they are read.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            4 * 1024 * 1024,
        ))
        // Pages and answers; the bundle in /pkg is compressed by the build.
        .layer(tower_http::compression::CompressionLayer::new());
    let listener = tokio::net::TcpListener::bind(config.address)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.address))?;
    tracing::info!(
        "Tessera listens on http://{} (database {})",
        config.address,
        config.database_for_log()
    );
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| e.to_string())
}

/// A server function's arguments that do not decode (a process name that does not exist, a
/// number that is text) are the caller's mistake: the error says so (`AppError` of kind
/// `bad_request`), but the server function layer answers every error it makes itself with 500.
/// Such an answer gets its kind's status. Only a 500 of `/api/` is read.
async fn bad_arguments_are_400(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !api || res.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return axum::response::Response::from_parts(parts, axum::body::Body::empty());
    };
    if let Ok(e) = serde_json::from_slice::<tessera_process::AppError>(&bytes) {
        if let Ok(status) = axum::http::StatusCode::from_u16(e.kind.status()) {
            parts.status = status;
        }
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Headers every response carries. Answers are not cached (a recovered key's PKCS#12, a
/// user's page), except the built assets, which are the same for everybody. Behind TLS (the
/// cookie is Secure) browsers are told to use HTTPS only.
async fn security_headers(
    axum::extract::State(secure): axum::extract::State<bool>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}
