//! Issue multiple temporary cards without physical encoding: 10,000 cards from `requested` to
//! `unassigned` in one batch (state, PIN and PUK generation, the PUK sealed, one audit record
//! per card), on SQLite and PostgreSQL. The per-card cost of encoding is in `encode`.

use std::time::Instant;
use tessera_engine::bridge::Bridge;
use tessera_engine::objects::batch_order::{self, Produced, ProductionRun};
use tessera_engine::objects::temp_card;
use tessera_engine::testing::{pki_settings, PgCluster};
use tessera_engine::{audit, demo, options, Engine};
use tessera_process::{ObjectKind, OptionsPackage};

const CARDS: u32 = 10_000;

async fn measure(backend: &str, e: Engine) -> Result<(), String> {
    let op = crate::runner::demo_caller(&e, "operator").await?;
    let admin = crate::runner::demo_caller(&e, "admin").await?;
    let cur = options::current(&e.db, OptionsPackage::TempCardsScriptOptions)
        .await
        .map_err(|e| e.to_string())?;
    options::save(
        &e,
        &admin,
        OptionsPackage::TempCardsScriptOptions,
        cur.version,
        &[(
            tessera_process::options::temp_cards::ENCODE_CARD
                .name()
                .into(),
            "false".into(),
        )],
    )
    .await
    .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let ids = temp_card::request(&e, &op, CARDS)
        .await
        .map_err(|e| e.to_string())?;
    let request = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let batch = batch_order::create(&e, &op, ObjectKind::TempCard, &ids)
        .await
        .map_err(|e| e.to_string())?;
    let create = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let produced =
        batch_order::produce(&e, &Bridge::new(), &op, batch, 1, None, ProductionRun::Next)
            .await
            .map_err(|e| e.to_string())?;
    let produce = t.elapsed().as_secs_f64();
    let Produced::Done(pins) = produced else {
        return Err("production without encoding should end at once".into());
    };
    let t = Instant::now();
    let records = audit::verify(&e.db).await.map_err(|e| e.to_string())?;
    let verify = t.elapsed().as_secs_f64();
    println!(
        "| {backend} | {} | {request:.2} | {create:.2} | {produce:.2} | {:.0} | {:.1} | {records} records, {verify:.2} s |",
        pins.len(),
        produce * 1e6 / pins.len() as f64,
        (create + produce),
    );
    Ok(())
}

pub async fn run() -> Result<(), String> {
    println!("\n## Issue multiple temporary cards without encoding ({CARDS} cards, one batch)\n");
    println!(
        "Seconds, except per card. Goal: Search → Next under 3 s on SQLite (batch + produce).\n"
    );
    println!("| backend | cards | Request temporary cards (s) | batch order (s) | Next: produce (s) | per card (µs) | batch + produce (s) | audit chain verified |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    measure("SQLite (file, WAL)", crate::certs::sqlite_demo(&dir).await?).await?;
    if PgCluster::available() {
        let cluster = PgCluster::start().map_err(|e| e.to_string())?;
        let url = cluster.fresh_database().await;
        let e = Engine::open_with_pki(&url, &pki_settings())
            .await
            .map_err(|e| e.to_string())?;
        demo::load(&e).await.map_err(|e| e.to_string())?;
        measure("PostgreSQL 15", e).await?;
    } else {
        println!("| PostgreSQL 15 | not installed here | | | | | | |");
    }
    Ok(())
}
