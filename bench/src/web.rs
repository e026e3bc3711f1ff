//! The browser side, on a log of 1,000,000 audit records: what each page makes the browser
//! fetch (raw, gzip, brotli), the time Chromium takes to a hydrated page, cold (empty cache)
//! and warm, for the sign-in, home, user, batch and audit pages, and the audit viewer's server
//! function alone on that log (the first page, a page deep in it, filtered).

use crate::percentile;
use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};
use std::path::Path;
use std::time::Instant;
use tessera_engine::audit::{self, AuditRecord};
use tessera_engine::entity::person;
use tessera_engine::objects::{batch_order, temp_card};
use tessera_process::{ObjectKind, ProcessId};

const AUDIT_RECORDS: i64 = 1_000_000;
const RUNS: usize = 5;
const SITE: &str = "target/site";

pub async fn run() -> Result<(), String> {
    whole_app()?;
    let bin = std::env::var("TESSERA_BIN").unwrap_or_else(|_| "target/release/tessera".into());
    let server = tessera_engine::testing::ServerProcess::start(&bin)
        .await
        .map_err(|e| format!("{e} (build it with scripts/build --release)"))?;
    let e = server.engine().await.map_err(|e| e.to_string())?;
    let operator = crate::runner::demo_caller(&e, "operator").await?;
    let ids = temp_card::request(&e, &operator, 10)
        .await
        .map_err(|e| e.to_string())?;
    let batch = batch_order::create(&e, &operator, ObjectKind::TempCard, &ids)
        .await
        .map_err(|e| e.to_string())?;
    let user = person::Entity::find()
        .order_by_asc(person::Column::Id)
        .one(&e.db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no demo people")?
        .id;
    let t = Instant::now();
    let records = fill_audit_log(&e).await?;
    eprintln!(
        "audit log filled to {records} records in {:.0} s",
        t.elapsed().as_secs_f64()
    );

    audit_viewer(&server.base).await?;

    let routes = serde_json::json!([
        { "name": "sign-in", "path": "/login", "user": null },
        { "name": "home", "path": "/", "user": "operator" },
        { "name": "user", "path": format!("/users/{user}"), "user": "operator" },
        { "name": "batch", "path": format!("/batch-orders/{batch}"), "user": "operator" },
        { "name": "audit", "path": "/admin/audit", "user": "admin" },
    ]);
    let out = std::process::Command::new("node")
        .arg("end2end/bench/web.mjs")
        .env("BASE", &server.base)
        .env("ROUTES", routes.to_string())
        .env("RUNS", RUNS.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("node: {e} (scripts/setup installs it)"))?;
    if !out.status.success() {
        return Err("the Chromium run failed".into());
    }
    let pages: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("the Chromium run: {e}"))?;
    bytes_per_page(&pages);
    time_to_hydrated(&pages);
    Ok(())
}

/// Fills the server's audit log to a million records through the one path that writes it
/// (chained, hashed), ten thousand at a time, with the actors, processes and objects of a
/// working organisation.
async fn fill_audit_log(e: &tessera_engine::Engine) -> Result<i64, String> {
    let callers = [
        crate::runner::demo_caller(e, "operator").await?,
        crate::runner::demo_caller(e, "approver").await?,
        crate::runner::demo_caller(e, "admin").await?,
    ];
    let processes = [
        ProcessId::CardsProcRequest,
        ProcessId::CardsProcApprove,
        ProcessId::CardsProcActivate,
        ProcessId::TempCardsBoProcIssueMultiple,
    ];
    let mut n = audit::verify(&e.db).await.map_err(|e| e.to_string())?;
    while n < AUDIT_RECORDS {
        let take = (AUDIT_RECORDS - n).min(10_000);
        let caller = &callers[(n / 10_000) as usize % callers.len()];
        let records = (n..n + take)
            .map(|i| AuditRecord {
                action: processes[i as usize % processes.len()].to_string(),
                object: Some((ObjectKind::Card, 100_000 + i / 4)),
                from_state: None,
                to_state: None,
                data: serde_json::json!({ "options_version": 1 }),
                detail: String::new(),
            })
            .collect();
        let tx = e.db.begin().await.map_err(|e| e.to_string())?;
        audit::append_many(&tx, chrono::Utc::now(), Some(caller), records)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        n += take;
    }
    Ok(n)
}

/// The audit viewer's server function as the page calls it, 20 times a query.
async fn audit_viewer(base: &str) -> Result<(), String> {
    let client = reqwest::Client::new();
    let cookie = crate::sign_in(&client, base, "admin", "admin-demo").await?;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let queries: [(&str, serde_json::Value); 6] = [
        ("newest page", serde_json::json!({})),
        (
            "a page 500,000 records back",
            serde_json::json!({ "before": AUDIT_RECORDS / 2 }),
        ),
        (
            "by actor (approver)",
            serde_json::json!({ "actor": "approver" }),
        ),
        (
            "by process (CardsProcActivate)",
            serde_json::json!({ "action": "CardsProcActivate" }),
        ),
        (
            "by object (card 150000)",
            serde_json::json!({ "object_kind": "card", "object_id": "150000" }),
        ),
        (
            "by day (today)",
            serde_json::json!({ "since": today, "until": today }),
        ),
    ];
    println!();
    println!("Audit viewer on {AUDIT_RECORDS} records (server function audit_log, SQLite, 20 calls each)");
    println!("| query | rows | p50 (ms) | p95 (ms) | max (ms) |");
    println!("|---|---:|---:|---:|---:|");
    for (name, fields) in queries {
        let mut filter = serde_json::json!({
            "object_kind": "", "object_id": "", "actor": "", "action": "", "since": "", "until": ""
        });
        if let (Some(f), Some(extra)) = (filter.as_object_mut(), fields.as_object()) {
            f.extend(extra.clone());
        }
        let body = serde_json::json!({ "filter": filter }).to_string();
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..20 {
            let t = Instant::now();
            let r = client
                .post(format!("{base}/api/audit_log"))
                .header("cookie", &cookie)
                .header("origin", base)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !r.status().is_success() {
                return Err(format!("audit_log {name}: {}", r.status()));
            }
            let page: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            rows = page["rows"].as_array().map_or(0, Vec::len);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {rows} | {:.1} | {:.1} | {:.1} |",
            percentile(&times, 50.0),
            percentile(&times, 95.0),
            times.last().copied().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}

/// The size of a published file and of its gzip and brotli forms (scripts/build made them).
fn published(url: &str) -> Option<(u64, u64, u64)> {
    let path = url.split("/pkg/").nth(1)?;
    let file = Path::new(SITE).join("pkg").join(path);
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).ok();
    Some((
        size(&file)?,
        size(Path::new(&format!("{}.gz", file.display())))?,
        size(Path::new(&format!("{}.br", file.display())))?,
    ))
}

/// Every file of the published build, by part: what a browser fetches once, whichever page it
/// opens first.
fn whole_app() -> Result<(), String> {
    let build = std::fs::read_to_string(Path::new(SITE).join("build.txt"))
        .map_err(|e| format!("{SITE}/build.txt: {e} (run scripts/build)"))?;
    let dir = Path::new(SITE).join("pkg").join(build.trim());
    let mut parts: std::collections::BTreeMap<&str, (usize, u64, u64, u64)> = Default::default();
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".br") || name.ends_with(".gz") {
            continue;
        }
        let part = match name.as_str() {
            "tessera_bg.wasm" => "main WASM",
            "tessera.js" => "main JS",
            "tessera.css" => "CSS",
            _ => "other",
        };
        let url = format!("/pkg/{}/{name}", build.trim());
        let (raw, gz, br) = published(&url).ok_or(format!("{name} has no .gz/.br"))?;
        let sum = parts.entry(part).or_default();
        *sum = (sum.0 + 1, sum.1 + raw, sum.2 + gz, sum.3 + br);
    }
    let kb = |b: u64| format!("{:.1}", b as f64 / 1024.0);
    println!();
    println!("The whole published build, by part (KB)");
    println!("| part | files | raw | gzip | brotli |");
    println!("|---|---:|---:|---:|---:|");
    let mut total = (0, 0, 0, 0);
    for (part, (files, raw, gz, br)) in &parts {
        println!(
            "| {part} | {files} | {} | {} | {} |",
            kb(*raw),
            kb(*gz),
            kb(*br)
        );
        if *part != "CSS" {
            total = (total.0 + files, total.1 + raw, total.2 + gz, total.3 + br);
        }
    }
    println!(
        "| **WASM + JS** | {} | {} | {} | {} |",
        total.0,
        kb(total.1),
        kb(total.2),
        kb(total.3)
    );
    Ok(())
}

fn bytes_per_page(pages: &[serde_json::Value]) {
    println!();
    println!("What a page makes a fresh browser fetch: the page itself, and the bundle files (JS, WASM, CSS) it loads (KB)");
    println!("| page | files | page raw | page sent | bundle raw | bundle gzip | bundle brotli | WASM + JS brotli | all sent |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let kb = |b: u64| format!("{:.1}", b as f64 / 1024.0);
    for p in pages {
        let resources = p["resources"].as_array().cloned().unwrap_or_default();
        let (mut raw, mut gz, mut br, mut code_br, mut files) = (0, 0, 0, 0, 0);
        let (mut page_raw, mut page_sent, mut other_sent) = (0, 0, 0);
        // The JS is named twice (its modulepreload and its import): a file counts once.
        let mut seen = std::collections::HashSet::new();
        for r in &resources {
            let url = r["url"].as_str().unwrap_or_default();
            if !seen.insert(url) {
                continue;
            }
            let sent = r["transferred"].as_u64().unwrap_or(0);
            if let Some((a, b, c)) = published(url) {
                raw += a;
                gz += b;
                br += c;
                if url.ends_with(".js") || url.ends_with(".wasm") {
                    code_br += c;
                }
                files += 1;
            } else if url.ends_with(p["path"].as_str().unwrap_or_default()) && page_raw == 0 {
                page_raw = r["decoded"].as_u64().unwrap_or(0);
                page_sent = sent;
            } else {
                other_sent += sent;
            }
        }
        println!(
            "| {} | {files} | {} | {} | {} | {} | {} | {} | {} |",
            p["name"].as_str().unwrap_or_default(),
            kb(page_raw),
            kb(page_sent),
            kb(raw),
            kb(gz),
            kb(br),
            kb(code_br),
            kb(page_sent + br + other_sent),
        );
    }
}

fn time_to_hydrated(pages: &[serde_json::Value]) {
    println!();
    println!("Time to a hydrated page in Chromium, from the start of navigation (ms, {RUNS} runs; cold: empty cache, warm: the same page again)");
    println!("| page | first byte p50 (cold) | cold p50 | cold min | cold max | warm p50 | warm min | warm max |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for p in pages {
        let sorted = |key: &str| {
            let mut v: Vec<f64> = p[key]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
                .unwrap_or_default();
            v.sort_by(f64::total_cmp);
            v
        };
        let (cold, warm, first_byte) = (sorted("cold"), sorted("warm"), sorted("firstByte"));
        let first = |v: &[f64]| v.first().copied().unwrap_or(f64::NAN);
        let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            p["name"].as_str().unwrap_or_default(),
            percentile(&first_byte, 50.0),
            percentile(&cold, 50.0),
            first(&cold),
            last(&cold),
            percentile(&warm, 50.0),
            first(&warm),
            last(&warm),
        );
    }
}
