//! Request card over HTTP on loopback, open loop: requests leave at a fixed rate whether or not
//! earlier ones have answered, and latency counts from the moment a request was due, so a
//! stalled server shows up as latency rather than as a lower send rate.

use crate::percentile;
use std::time::{Duration, Instant};

const RATES: &[u64] = &[100, 200, 500];
const SECONDS: u64 = 10;

pub async fn run() -> Result<(), String> {
    let bin = std::env::var("TESSERA_BIN").unwrap_or_else(|_| "target/release/tessera".into());
    let server = tessera_engine::testing::ServerProcess::start(&bin)
        .await
        .map_err(|e| format!("{e} (build it with scripts/build --release)"))?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .map_err(|e| e.to_string())?;
    let cookie = crate::sign_in(&client, &server.base, "operator", "operator-demo").await?;
    let users: Vec<serde_json::Value> = client
        .post(format!("{}/api/search_users", server.base))
        .header("cookie", &cookie)
        .form(&[("query", "")])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let active: Vec<i64> = users
        .iter()
        .filter(|u| u["state"] == "active")
        .filter_map(|u| u["id"].as_i64())
        .collect();
    if active.is_empty() {
        return Err("no active demo users".into());
    }

    println!();
    println!("Request card (CardsProcRequest) over HTTP, SQLite, open loop, {SECONDS} s per rate");
    println!("| rate (req/s) | sent | ok | errors | achieved (req/s) | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &rate in RATES {
        let total = rate * SECONDS;
        let interval = Duration::from_secs_f64(1.0 / rate as f64);
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(total as usize);
        for i in 0..total {
            let due = start + interval * i as u32;
            tokio::time::sleep_until(due.into()).await;
            let (client, cookie, base) = (client.clone(), cookie.clone(), server.base.clone());
            let user = active[i as usize % active.len()];
            tasks.push(tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/api/request_card"))
                    .header("cookie", cookie)
                    .form(&[
                        ("user_id", user.to_string()),
                        ("user_version", "1".to_string()),
                    ])
                    .send()
                    .await;
                let ok = matches!(&r, Ok(r) if r.status().is_success());
                (ok, due.elapsed().as_secs_f64() * 1000.0)
            }));
        }
        let mut latencies = Vec::with_capacity(tasks.len());
        let mut errors = 0;
        for t in tasks {
            let (ok, ms) = t.await.map_err(|e| e.to_string())?;
            if ok {
                latencies.push(ms);
            } else {
                errors += 1;
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        latencies.sort_by(|a, b| a.total_cmp(b));
        println!(
            "| {rate} | {total} | {} | {errors} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} |",
            latencies.len(),
            latencies.len() as f64 / elapsed,
            percentile(&latencies, 50.0),
            percentile(&latencies, 95.0),
            percentile(&latencies, 99.0),
            latencies.last().copied().unwrap_or(f64::NAN),
        );
    }
    Ok(())
}
