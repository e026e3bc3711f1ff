//! Time per encoded card: Issue card end to end (job records, key generation on the card, the
//! CA, PUT DATA, read-back, the commit) on Tessera's virtual card, split into the time spent
//! waiting for the card (inside `transmit`) and Tessera's own work, with the APDUs per card.
//!
//! Two transports for the same card: the real stack (pcscd + vpcd over loopback TCP, as the
//! tests use it) and the card called in process, which shows what the card itself costs.

use crate::runner::demo_caller;
use std::time::Instant;
use tessera_engine::bridge::apdu::{Transport, TransportError};
use tessera_engine::bridge::encode::{self, Finished, RunOptions};
use tessera_engine::bridge::piv::Piv;
use tessera_engine::bridge::{reader, Bridge};
use tessera_engine::objects::card;
use tessera_engine::testing::{pcscd, wait_for_card, wait_for_removal, VIRTUAL_READER};
use tessera_engine::{options, Caller, Engine};
use tessera_process::{ObjectKind, OptionsPackage};
use tessera_virtual_card::{PivCard, VirtualReader};

const CARDS: usize = 20;

/// The virtual card without PC/SC: what the card costs by itself.
struct InProcess(PivCard);

impl Transport for InProcess {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.execute(apdu))
    }
}

/// Approved cards for active demo people (the approval step switched off).
async fn approved_cards(
    e: &Engine,
    op: &Caller,
    admin: &Caller,
    n: usize,
) -> Result<Vec<(i64, i64)>, String> {
    let cur = options::current(&e.db, OptionsPackage::CardsScriptOptions)
        .await
        .map_err(|e| e.to_string())?;
    options::save(
        e,
        admin,
        OptionsPackage::CardsScriptOptions,
        cur.version,
        &[(
            tessera_process::options::cards::REQUEST_APPROVAL
                .name()
                .into(),
            "false".into(),
        )],
    )
    .await
    .map_err(|e| e.to_string())?;
    let people = tessera_engine::objects::user::people::search(e, op, "", 200)
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in people
        .iter()
        .filter(|p| p.state == tessera_process::UserState::Active)
        .cycle()
        .take(n)
    {
        let version = tessera_engine::objects::user::people::load(&e.db, p.id)
            .await
            .map_err(|e| e.to_string())?
            .version;
        let r = card::request(e, op, p.id, version)
            .await
            .map_err(|e| e.to_string())?;
        out.push((r.card_id, 1));
    }
    Ok(out)
}

struct Sample {
    total_ms: f64,
    card_ms: f64,
    apdus: u64,
}

fn summarise(what: &str, samples: &[Sample]) {
    let mut total: Vec<f64> = samples.iter().map(|s| s.total_ms).collect();
    let mut card: Vec<f64> = samples.iter().map(|s| s.card_ms).collect();
    let mut own: Vec<f64> = samples.iter().map(|s| s.total_ms - s.card_ms).collect();
    for v in [&mut total, &mut card, &mut own] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let apdus = samples.iter().map(|s| s.apdus).sum::<u64>() as f64 / samples.len() as f64;
    println!(
        "| {what} | {} | {:.0} / {:.0} / {:.0} | {:.0} / {:.0} | {:.0} / {:.0} | {apdus:.0} |",
        samples.len(),
        mean(&total),
        crate::percentile(&total, 50.0),
        crate::percentile(&total, 95.0),
        mean(&card),
        crate::percentile(&card, 95.0),
        mean(&own),
        crate::percentile(&own, 95.0),
    );
}

fn sample(f: &Finished, wall_ms: f64) -> Result<Sample, String> {
    if f.state != tessera_process::bridge::JobState::Succeeded {
        return Err(format!("encoding failed: {:?}", f.error));
    }
    Ok(Sample {
        total_ms: wall_ms,
        card_ms: f.stats.on_card_ms as f64,
        apdus: f.stats.apdus,
    })
}

/// One Issue card, timed from the first APDU to the commit.
async fn encode_one<T, O>(
    e: &Engine,
    bridge: &Bridge,
    op: &Caller,
    target: (ObjectKind, i64),
    version: i64,
    reader: &str,
    open: O,
) -> Result<Sample, String>
where
    T: Transport + Send + 'static,
    O: FnOnce() -> Result<(Piv<T>, Vec<u8>), tessera_engine::bridge::piv::PivError>
        + Send
        + 'static,
{
    let (job, claim, settings) = encode::begin(e, bridge, op, target, version, reader)
        .await
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let f = encode::run(
        e,
        bridge,
        op,
        job,
        claim,
        settings,
        open,
        RunOptions::default(),
    )
    .await;
    sample(&f, start.elapsed().as_secs_f64() * 1000.0)
}

pub async fn run() -> Result<(), String> {
    pcscd().map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let e = crate::certs::sqlite_demo(&dir).await?;
    let (op, admin) = (
        demo_caller(&e, "operator").await?,
        demo_caller(&e, "admin").await?,
    );
    let bridge = Bridge::new();
    let cards = approved_cards(&e, &op, &admin, 2 * CARDS + 1).await?;
    let settings = encode::IssueSettings::current(&e.db, ObjectKind::Card)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "\n## Issue card on the virtual card ({}; PIN {} digits, PUK {}; SQLite)\n",
        settings.describe().join(", "),
        settings.pin_length,
        settings.puk_length
    );
    println!("Times in ms: total is the whole job from the first APDU to the commit; card is the time spent inside transmit (waiting for the card); Tessera is the rest (database, CA, job records, sealing).\n");
    println!("| transport | cards | total mean / p50 / p95 | card mean / p95 | Tessera mean / p95 | APDUs per card |");
    println!("|---|---|---|---|---|---|");

    let mut real = Vec::new();
    let mut in_process = Vec::new();
    for (i, (card_id, version)) in cards.iter().enumerate() {
        let serial = 7_000_000 + i as u32;
        // The first card warms up the connection pool and the CA's code paths.
        let warm_up = i == 0;
        if i % 2 == 1 || warm_up {
            wait_for_removal(VIRTUAL_READER.0);
            let vr = VirtualReader::insert(VIRTUAL_READER.1, PivCard::new(serial))
                .map_err(|e| e.to_string())?;
            wait_for_card(VIRTUAL_READER.0).map_err(|e| e.to_string())?;
            let s = encode_one(
                &e,
                &bridge,
                &op,
                (ObjectKind::Card, *card_id),
                *version,
                VIRTUAL_READER.0,
                || reader::open(VIRTUAL_READER.0, true),
            )
            .await?;
            drop(vr);
            if !warm_up {
                real.push(s);
            }
        } else {
            let s = encode_one(
                &e,
                &bridge,
                &op,
                (ObjectKind::Card, *card_id),
                *version,
                "in process",
                move || {
                    let mut p = Piv::new(InProcess(PivCard::new(serial)));
                    p.select()?;
                    Ok((p, vec![]))
                },
            )
            .await?;
            in_process.push(s);
        }
    }
    summarise("Issue card, pcscd + vpcd (real stack)", &real);
    summarise("Issue card, in process (card alone)", &in_process);

    // The same for temporary cards of a batch (two certificates by default, no escrow).
    let temp = tessera_engine::objects::temp_card::request(&e, &op, 2 * CARDS as u32 + 1)
        .await
        .map_err(|e| e.to_string())?;
    let mut real = Vec::new();
    let mut in_process = Vec::new();
    for (i, id) in temp.iter().enumerate() {
        let serial = 7_100_000 + i as u32;
        let warm_up = i == 0;
        let target = (ObjectKind::TempCard, *id);
        if i % 2 == 1 || warm_up {
            wait_for_removal(VIRTUAL_READER.0);
            let vr = VirtualReader::insert(VIRTUAL_READER.1, PivCard::new(serial))
                .map_err(|e| e.to_string())?;
            wait_for_card(VIRTUAL_READER.0).map_err(|e| e.to_string())?;
            let s = encode_one(&e, &bridge, &op, target, 1, VIRTUAL_READER.0, || {
                reader::open(VIRTUAL_READER.0, true)
            })
            .await?;
            drop(vr);
            if !warm_up {
                real.push(s);
            }
        } else {
            let s = encode_one(&e, &bridge, &op, target, 1, "in process", move || {
                let mut p = Piv::new(InProcess(PivCard::new(serial)));
                p.select()?;
                Ok((p, vec![]))
            })
            .await?;
            in_process.push(s);
        }
    }
    summarise("temporary card, pcscd + vpcd (real stack)", &real);
    summarise("temporary card, in process (card alone)", &in_process);
    Ok(())
}
