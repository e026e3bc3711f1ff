//! Mobile ID enrollment end to end over HTTP on loopback: the release server, and the reference
//! client doing what a phone does for each mobile ID (cacerts with the CA pin, user properties,
//! then csrattrs + key pair + simpleenroll for authentication and signature). The mobile IDs are
//! supplied beforehand (not timed) through an engine on the server's database.

use crate::percentile;
use std::time::Instant;
use tessera_engine::entity::person;
use tessera_engine::objects::mobile_id;
use tessera_engine::testing::ServerProcess;
use tessera_engine::{auth, demo, Caller};
use tessera_process::{ProcessId, Role};

const CONCURRENCY: &[usize] = &[1, 4, 16];

pub async fn run() -> Result<(), String> {
    let bin = std::env::var("TESSERA_BIN").unwrap_or_else(|_| "target/release/tessera".into());
    // All the benchmark's phones come from one address; a deployment sets the per-source limit
    // for the phones behind one NAT. The limit is not what this measures.
    let server =
        ServerProcess::start_with(&bin, &[("TESSERA_LIMIT_EST_PER_SOURCE", "100000/600000")])
            .await
            .map_err(|e| format!("{e} (build it with scripts/build --release)"))?;
    let e = server.engine().await.map_err(|e| e.to_string())?;
    let fail = |e: tessera_engine::EngineError| e.to_string();
    let (token, _) = auth::login(&e, "operator", "operator-demo", "127.0.0.1")
        .await
        .map_err(fail)?;
    let op = auth::session(&e, &token, "127.0.0.1")
        .await
        .map_err(fail)?
        .ok_or("no operator session")?
        .1;
    let (token, _) = auth::login(&e, demo::SELF_SERVICE.0, demo::SELF_SERVICE.1, "127.0.0.1")
        .await
        .map_err(fail)?;
    let alice = auth::session(&e, &token, "127.0.0.1")
        .await
        .map_err(fail)?
        .ok_or("no self-service session")?
        .1;
    let client = reqwest::Client::new();
    println!("\nMobile ID enrollment over HTTP (EST, loopback, SQLite, release server); per mobile ID: cacerts + properties + 2 × (csrattrs + P-256 key + simpleenroll)");
    println!(
        "| clients | mobile IDs | seconds | mobile IDs/s | certificates/s | p50 ms | p95 ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &clients in CONCURRENCY {
        // Every active demo person gets a mobile ID waiting for enrollment, with a fresh QR code.
        let people = {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            person::Entity::find()
                .filter(person::Column::State.eq("active"))
                .all(&e.db)
                .await
                .map_err(|e| e.to_string())?
        };
        let mut links = Vec::new();
        for p in &people {
            let out = mobile_id::supply(
                &e,
                &op,
                ProcessId::MobileIDProcSupplyMobileIDForUser,
                p.id,
                p.version,
            )
            .await
            .map_err(fail)?;
            // The holder shows the QR code in Self-Service; the bench stands in for each holder.
            let holder = Caller {
                person_id: Some(p.id),
                roles: vec![Role::SelfService],
                ..alice.clone()
            };
            let qr = mobile_id::show_qr(&e, &holder, out.mobile_id)
                .await
                .map_err(fail)?;
            links.push(qr.link);
        }
        let started = Instant::now();
        let queue = std::sync::Arc::new(tokio::sync::Mutex::new(links));
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (queue, client) = (queue.clone(), client.clone());
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let Some(link) = queue.lock().await.pop() else {
                        return Ok::<_, String>(latencies);
                    };
                    let t = Instant::now();
                    let a = tessera_mobile_client::Activation::parse(&link)
                        .map_err(|e| e.to_string())?;
                    tessera_mobile_client::enroll(&client, &a)
                        .await
                        .map_err(|e| e.to_string())?;
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }));
        }
        let mut latencies = Vec::new();
        for t in tasks {
            latencies.extend(t.await.map_err(|e| e.to_string())??);
        }
        let seconds = started.elapsed().as_secs_f64();
        latencies.sort_by(|a, b| a.total_cmp(b));
        let n = latencies.len();
        println!(
            "| {clients} | {n} | {seconds:.2} | {:.0} | {:.0} | {:.1} | {:.1} |",
            n as f64 / seconds,
            2.0 * n as f64 / seconds,
            percentile(&latencies, 50.0),
            percentile(&latencies, 95.0),
        );
    }
    Ok(())
}
