//! The process runner alone: Request card (a creation) and Approve (a transition) in process,
//! with several concurrent callers, on SQLite (a file, WAL) and PostgreSQL.

use std::time::Instant;
use tessera_engine::objects::card::{self, Decision};
use tessera_engine::testing::PgCluster;
use tessera_engine::{auth, demo, Caller, Engine};

const OPERATIONS: usize = 2000;
const WORKERS: usize = 8;

/// The caller for a demo account, signed in with its demo password.
pub(crate) async fn demo_caller(e: &Engine, user: &str) -> Result<Caller, String> {
    let password = demo::ACCOUNTS
        .iter()
        .find(|(u, ..)| *u == user)
        .map(|(_, p, ..)| *p)
        .ok_or("no such demo account")?;
    caller(e, user, password).await
}

pub(crate) async fn caller(e: &Engine, user: &str, password: &str) -> Result<Caller, String> {
    let (token, _) = auth::login(e, user, password, "bench")
        .await
        .map_err(|e| e.to_string())?;
    auth::session(e, &token, "bench")
        .await
        .map_err(|e| e.to_string())?
        .map(|(_, c)| c)
        .ok_or_else(|| "no session".into())
}

async fn measure(backend: &str, e: Engine) -> Result<(), String> {
    demo::load(&e).await.map_err(|e| e.to_string())?;
    let op = caller(&e, "operator", "operator-demo").await?;
    let ap = caller(&e, "approver", "approver-demo").await?;
    let users: Vec<(i64, i64)> = tessera_engine::objects::user::people::search(&e, &op, "", 100)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|u| u.state == tessera_process::UserState::Active)
        .map(|u| (u.id, 1))
        .collect();

    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..WORKERS {
        let (e, op, users) = (e.clone(), op.clone(), users.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in (w..OPERATIONS).step_by(WORKERS) {
                let (user, version) = users[i % users.len()];
                ids.push(
                    card::request(&e, &op, user, version)
                        .await
                        .map_err(|e| e.to_string())?
                        .card_id,
                );
            }
            Ok::<_, String>(ids)
        }));
    }
    let mut cards_made = Vec::new();
    for t in tasks {
        cards_made.extend(t.await.map_err(|e| e.to_string())??);
    }
    let request_secs = start.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut tasks = Vec::new();
    for chunk in cards_made.chunks(OPERATIONS.div_ceil(WORKERS)) {
        let (e, ap, chunk) = (e.clone(), ap.clone(), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for id in chunk {
                card::decide(&e, &ap, id, 1, Decision::Approve)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let approve_secs = start.elapsed().as_secs_f64();
    let records = tessera_engine::audit::verify(&e.db)
        .await
        .map_err(|e| e.to_string())?;
    for (what, secs) in [
        ("Request card (new → requested)", request_secs),
        ("Approve (requested → approved)", approve_secs),
    ] {
        println!(
            "| {backend} | {what} | {OPERATIONS} | {WORKERS} | {secs:.2} | {:.0} |",
            OPERATIONS as f64 / secs
        );
    }
    eprintln!("({backend}: audit chain intact, {records} records)");
    Ok(())
}

pub async fn run() -> Result<(), String> {
    println!();
    println!("Process runner alone (one transaction each: authorise, state check, transition, audit record)");
    println!("| backend | process | operations | concurrent callers | seconds | transitions/s |");
    println!("|---|---|---:|---:|---:|---:|");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    measure(
        "SQLite (file, WAL)",
        Engine::open(&url).await.map_err(|e| e.to_string())?,
    )
    .await?;
    if PgCluster::available() {
        let cluster = PgCluster::start().map_err(|e| e.to_string())?;
        let url = cluster.fresh_database().await;
        measure(
            "PostgreSQL 15",
            Engine::open(&url).await.map_err(|e| e.to_string())?,
        )
        .await?;
    } else {
        println!("| PostgreSQL 15 | not installed here | | | | |");
    }
    Ok(())
}
