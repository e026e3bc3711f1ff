//! A flood of sign-ins with random user names against the release server, as an attacker without
//! an account would send it: 1,000 at once from one address, then 1,000 at once spread over 250
//! loopback addresses (127.0.0.0/8 is all this machine's). While it lasts, `/health` is asked
//! every 10 ms and the server's resident memory sampled. Printed: what the sign-ins were answered
//! (401 wrong, 429 rate limited, 503 no hashing slot), the server's RSS before, at its peak and
//! after, `/health` latency during the flood (how often it was asked: with few samples the p99
//! is the slowest one), and whether an account's owner then signs in, waiting as told.

use crate::percentile;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_engine::testing::ServerProcess;

const SIGN_INS: usize = 1000;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub async fn run() -> Result<(), String> {
    let bin = std::env::var("TESSERA_BIN").unwrap_or_else(|_| "target/release/tessera".into());
    let server = ServerProcess::start(&bin)
        .await
        .map_err(|e| format!("{e} (build it with scripts/build --release)"))?;
    let pid = server.pid();
    // The server settles (demo data, first CRL) before the flood.
    tokio::time::sleep(Duration::from_secs(2)).await;
    println!("\nSign-in flood: {SIGN_INS} parallel sign-ins with random user names (release server, SQLite, loopback)");
    println!("| sources | 401 | 429 | 503 | other | RSS before MB | RSS peak MB | RSS after MB | /health asked | /health p50 ms | /health p99 ms | /health max ms | flood s | owner signs in |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (round, sources) in [1usize, 250].into_iter().enumerate() {
        let clients: Vec<reqwest::Client> = (0..sources)
            .map(|i| {
                let ip = Ipv4Addr::new(127, 0, 1 + round as u8, 1 + (i % 250) as u8);
                reqwest::Client::builder()
                    .local_address(IpAddr::V4(ip))
                    .pool_max_idle_per_host(64)
                    .build()
                    .map_err(|e| e.to_string())
            })
            .collect::<Result<_, _>>()?;
        let before = rss_kib(pid);
        let peak = Arc::new(AtomicU64::new(before));
        let done = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (peak, done) = (peak.clone(), done.clone());
            tokio::spawn(async move {
                while !done.load(Ordering::SeqCst) {
                    peak.fetch_max(rss_kib(pid), Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        let prober = {
            let (done, base) = (done.clone(), server.base.clone());
            let client = reqwest::Client::new();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while !done.load(Ordering::SeqCst) {
                    let t = Instant::now();
                    let ok = client
                        .get(format!("{base}/health"))
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success());
                    samples.push(if ok {
                        t.elapsed().as_secs_f64() * 1000.0
                    } else {
                        f64::INFINITY
                    });
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                samples
            })
        };
        let start = Instant::now();
        let tasks: Vec<_> = (0..SIGN_INS)
            .map(|i| {
                let client = clients[i % sources].clone();
                let base = server.base.clone();
                tokio::spawn(async move {
                    let name = format!("nobody-{round}-{i}-{}", i * 7919 % 1000);
                    client
                        .post(format!("{base}/api/login"))
                        .form(&[("username", name.as_str()), ("password", "Winter2026!")])
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0)
                })
            })
            .collect();
        let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
        for t in tasks {
            *statuses
                .entry(t.await.map_err(|e| e.to_string())?)
                .or_default() += 1;
        }
        let flood = start.elapsed().as_secs_f64();
        // /health and the memory are measured during the flood, not while the owner waits.
        done.store(true, Ordering::SeqCst);
        // The owner of an account, from an address of their own, right after the flood; told
        // to wait (429, 503), they wait as long as Retry-After says, as the sign-in page asks.
        let owner_client = reqwest::Client::builder()
            .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 9, 1 + round as u8)))
            .build()
            .map_err(|e| e.to_string())?;
        let owner_started = Instant::now();
        let mut owner = 0;
        for _ in 0..10 {
            let answer = owner_client
                .post(format!("{}/api/login", server.base))
                .form(&[("username", "operator"), ("password", "operator-demo")])
                .send()
                .await;
            let Ok(answer) = answer else { break };
            owner = answer.status().as_u16();
            if !matches!(owner, 429 | 503) {
                break;
            }
            let wait = answer
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
        let owner_waited = owner_started.elapsed().as_secs_f64();
        let _ = sampler.await;
        let mut health = prober.await.map_err(|e| e.to_string())?;
        health.sort_by(|a, b| a.total_cmp(b));
        tokio::time::sleep(Duration::from_secs(3)).await;
        let after = rss_kib(pid);
        let count = |s: u16| statuses.get(&s).copied().unwrap_or(0);
        let other: usize = statuses
            .iter()
            .filter(|(s, _)| ![401, 429, 503].contains(*s))
            .map(|(_, n)| n)
            .sum();
        println!(
            "| {sources} | {} | {} | {} | {other} | {:.0} | {:.0} | {:.0} | {} | {:.1} | {:.1} | {:.1} | {flood:.2} | {} |",
            count(401),
            count(429),
            count(503),
            mib(before),
            mib(peak.load(Ordering::SeqCst)),
            mib(after),
            health.len(),
            percentile(&health, 50.0),
            percentile(&health, 99.0),
            health.last().copied().unwrap_or(f64::NAN),
            match owner {
                200 if owner_waited < 0.5 => "yes, at once".to_string(),
                200 => format!("yes, after {owner_waited:.1} s"),
                s => format!("no ({s})"),
            }
        );
        // The global limit refills before the next round.
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    Ok(())
}
