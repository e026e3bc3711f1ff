//! Issue card against the real stack: pcscd + vsmartcard's vpcd + Tessera's virtual PIV card,
//! checked afterwards by independent clients (OpenSC's pkcs15-tool and pkcs11-tool, openssl,
//! yubico-piv-tool). The tests share one virtual reader, so they take turns.

mod common;

use common::{bad, caller, person, refusal, stored_card};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::process::Command;
use tessera_engine::bridge::encode::{self, Finished, RunOptions};
use tessera_engine::bridge::reconcile::{self, ReconcileOutcome};
use tessera_engine::bridge::{jobs, reader, Bridge};
use tessera_engine::entity::{certificate, encoding_job, smart_card_chip};
use tessera_engine::objects::batch_order::ProductionRun;
use tessera_engine::objects::card::{self, Decision};
use tessera_engine::testing::{pcscd, wait_for_removal, VIRTUAL_READER};
use tessera_engine::{options, Engine};
use tessera_process::bridge::{EncodingStep, JobState};
use tessera_process::{ErrorKind, ObjectKind, OptionsPackage, ProcessId};
use tessera_virtual_card::{PivCard, VirtualReader};

static READER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const P11: &str = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so";

/// A card in the virtual reader, seen by pcscd (and not the previous test's card, which vpcd
/// may still be letting go of). Right after a card was pulled out mid-exchange, vpcd takes a
/// moment before it accepts the next one: then the card is inserted again.
fn insert(card: PivCard) -> VirtualReader {
    pcscd().expect("pcscd");
    let serial = card.serial();
    for _ in 0..3 {
        wait_for_removal(VIRTUAL_READER.0);
        let mut vr = VirtualReader::insert(VIRTUAL_READER.1, card.clone())
            .expect("vpcd accepts the virtual card");
        for _ in 0..25 {
            if let Ok((mut p, _)) = reader::open(VIRTUAL_READER.0, false) {
                let id = reader::identify(&mut p).ok();
                p.channel.into_transport().close();
                if id.and_then(|i| i.serial) == Some(serial) {
                    return vr;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        vr.remove();
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    panic!("the reader does not show card {serial}");
}

/// A card for `who`, requested by the operator and approved by the approver.
async fn approved_card(e: &Engine, who: &str) -> (i64, i64) {
    let op = caller(e, "operator").await;
    let ap = caller(e, "approver").await;
    let p = person(e, who).await;
    let out = card::request(e, &op, p.id, p.version).await.unwrap();
    let c = stored_card(e, out.card_id).await;
    card::decide(e, &ap, c.id, c.version, Decision::Approve)
        .await
        .unwrap();
    let c = stored_card(e, out.card_id).await;
    assert_eq!(c.state.as_str(), "approved");
    (c.id, c.version)
}

async fn issue(e: &Engine, bridge: &Bridge, card_id: i64, opts: RunOptions) -> Finished {
    let op = caller(e, "operator").await;
    let version = stored_card(e, card_id).await.version;
    let (job, claim, settings) = encode::begin(
        e,
        bridge,
        &op,
        (ObjectKind::Card, card_id),
        version,
        VIRTUAL_READER.0,
    )
    .await
    .expect("Issue card may start");
    let name = VIRTUAL_READER.0.to_string();
    encode::run(
        e,
        bridge,
        &op,
        job,
        claim,
        settings,
        move || reader::open(&name, true),
        opts,
    )
    .await
}

async fn card_certificates(e: &Engine, card_id: i64) -> Vec<certificate::Model> {
    certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq("card"))
        .filter(certificate::Column::OwnerId.eq(card_id))
        .all(&e.db)
        .await
        .unwrap()
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_card_encodes_a_blank_card_that_independent_clients_accept() {
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    let bridge = Bridge::new();
    let (card_id, _) = approved_card(&e, "Bruno Berg").await;
    let _vr = insert(PivCard::new(4_100_001));

    let done = issue(&e, &bridge, card_id, RunOptions::default()).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    let pin = done.pin.clone().expect("the new PIN is handed over once");
    assert_eq!(pin.len(), 6);
    assert!(pin.chars().all(|c| c.is_ascii_digit()));
    assert_ne!(pin.as_str(), "123456");
    assert!(done.stats.apdus > 20, "{} APDUs", done.stats.apdus);

    // The database: card issued, three certificates issued for it, the chip's secrets kept.
    assert_eq!(stored_card(&e, card_id).await.state.as_str(), "issued");
    let certs = card_certificates(&e, card_id).await;
    assert_eq!(certs.len(), 3);
    assert!(certs.iter().all(|c| c.state.as_str() == "issued"));
    let chip = smart_card_chip::Entity::find()
        .filter(smart_card_chip::Column::ObjectId.eq(card_id))
        .one(&e.db)
        .await
        .unwrap()
        .expect("chip row");
    assert_eq!(chip.chip_serial.as_deref(), Some("4100001"));
    assert!(
        !chip.puk.windows(8).any(|w| w == b"12345678"),
        "the PUK is sealed"
    );
    let job = jobs::load(&e.db, done.job).await.unwrap();
    assert_eq!(job.state.as_str(), "succeeded");
    assert_eq!(job.step, EncodingStep::Commit.as_str());

    // OpenSC lists the three certificates.
    let (ok, out) = run(Command::new("pkcs15-tool").args(["--list-certificates"]));
    assert!(ok, "{out}");
    assert_eq!(out.matches("X.509 Certificate [").count(), 3, "{out}");
    for c in &certs {
        assert!(
            out.contains(&c.serial),
            "serial {} not listed: {out}",
            c.serial
        );
    }

    // The new PIN is accepted, the factory PIN is not.
    let (ok, out) =
        run(Command::new("pkcs15-tool").args(["--verify-pin", "--auth-id", "01", "--pin", &pin]));
    assert!(ok && !out.contains("rror"), "{out}");
    let (ok, out) = run(Command::new("pkcs15-tool").args([
        "--verify-pin",
        "--auth-id",
        "01",
        "--pin",
        "123456",
    ]));
    assert!(
        !ok || out.contains("rror") || out.contains("ncorrect"),
        "the old default PIN must fail: {out}"
    );
    // That wrong try cost one attempt; the right PIN restores the counter.
    let (ok, _) =
        run(Command::new("pkcs15-tool").args(["--verify-pin", "--auth-id", "01", "--pin", &pin]));
    assert!(ok);

    // A signature made on the card with the new PIN verifies with the issued certificate's key.
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    std::fs::write(path("data"), b"signed on a Tessera card").unwrap();
    let auth_cert = certs
        .iter()
        .find(|c| c.profile == "Authentication")
        .unwrap();
    std::fs::write(path("auth.der"), auth_cert.der.as_ref().unwrap()).unwrap();
    let (ok, out) = run(Command::new("openssl").args([
        "x509",
        "-inform",
        "DER",
        "-in",
        &path("auth.der"),
        "-pubkey",
        "-noout",
        "-out",
        &path("auth.pub"),
    ]));
    assert!(ok, "{out}");
    let (ok, out) = run(Command::new("pkcs11-tool").args([
        "--module",
        P11,
        "--login",
        "--pin",
        &pin,
        "--sign",
        "--id",
        "01",
        "-m",
        "ECDSA-SHA256",
        "--signature-format",
        "openssl",
        "-i",
        &path("data"),
        "-o",
        &path("sig"),
    ]));
    assert!(ok, "{out}");
    let (ok, out) = run(Command::new("openssl").args([
        "dgst",
        "-sha256",
        "-verify",
        &path("auth.pub"),
        "-signature",
        &path("sig"),
        &path("data"),
    ]));
    assert!(ok && out.contains("Verified OK"), "{out}");

    // yubico-piv-tool sees CHUID, CCC and the certificates in 9A, 9C and 9D.
    let (ok, out) = run(Command::new("yubico-piv-tool").args(["-r", "Virtual", "-a", "status"]));
    assert!(ok, "{out}");
    for want in ["CHUID:", "CCC:", "Slot 9a", "Slot 9c", "Slot 9d"] {
        assert!(out.contains(want), "{want} missing in: {out}");
    }
    assert!(!out.contains("CHUID:\tNo data"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_removed_mid_encoding_fails_and_its_certificates_are_revoked() {
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    let bridge = Bridge::new();
    let (card_id, _) = approved_card(&e, "Bruno Berg").await;
    let vr = insert(PivCard::new(4_100_002));
    // Past key generation and issuance, as the certificates are written.
    vr.remove_at_certificate_write();

    let done = issue(&e, &bridge, card_id, RunOptions::default()).await;
    assert_eq!(done.state, JobState::Failed);
    let error = done.error.unwrap();
    assert!(error.contains("removed"), "{error}");
    assert!(done.pin.is_none());

    let card = stored_card(&e, card_id).await;
    assert_eq!(
        card.state.as_str(),
        "failed",
        "nothing half-committed: the card is failed, not issued"
    );
    let certs = card_certificates(&e, card_id).await;
    assert_eq!(
        certs.len(),
        3,
        "the certificates had been issued before the card went away"
    );
    for c in &certs {
        assert_eq!(c.state.as_str(), "revoked", "{}", c.serial);
    }
    let job = jobs::load(&e.db, done.job).await.unwrap();
    assert_eq!(job.state.as_str(), "failed");
    assert_eq!(job.step, EncodingStep::WriteCard.as_str());
    assert!(smart_card_chip::Entity::find()
        .one(&e.db)
        .await
        .unwrap()
        .is_none());
    // The revoked serials are on the CRL that was published after the failure.
    let crl = tessera_engine::pki::crl::latest(&e.db)
        .await
        .unwrap()
        .unwrap();
    assert!(crl.entries >= 3, "{} CRL entries", crl.entries);
}

/// A card that has the YubiKey commands but not IMPORT KEY, for a profile with an escrowed
/// encryption key: refused when it is checked, before its first write (the factory management
/// key, PIN and PUK are still there, no key, no certificate issued), with a message that names
/// what it lacks. Without the encryption certificate the same card is issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_that_cannot_import_keys_is_refused_before_anything_is_written() {
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    let bridge = Bridge::new();
    let (card_id, _) = approved_card(&e, "Bruno Berg").await;
    let vr = insert(PivCard::new(4_100_020).without_import_key());
    let done = issue(&e, &bridge, card_id, RunOptions::default()).await;
    assert_eq!(done.state, JobState::Failed);
    let error = done.error.unwrap();
    assert!(
        error.contains("IMPORT KEY") && error.contains("Nothing was written"),
        "{error}"
    );
    assert_eq!(stored_card(&e, card_id).await.state.as_str(), "approved");
    assert!(card_certificates(&e, card_id).await.is_empty());
    let chip = vr.card();
    assert_eq!(
        chip.management_key().1,
        tessera_piv::mgmt_key::DEFAULT_KEY.to_vec(),
        "the factory management key"
    );
    assert_eq!(chip.pin(), tessera_piv::piv::DEFAULT_PIN);
    assert_eq!(chip.puk(), tessera_piv::piv::DEFAULT_PUK);
    for slot in [0x9A, 0x9C, 0x9D] {
        assert!(chip.public_key(slot).is_none(), "no key in {slot:X}");
    }

    common::set_options(
        &e,
        OptionsPackage::CardsScriptOptions,
        &[("CardsCertificates", "authentication,signature")],
    )
    .await;
    let done = issue(&e, &bridge, card_id, RunOptions::default()).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    assert_eq!(card_certificates(&e, card_id).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encoded_card_is_refused_unless_re_encoding_is_allowed() {
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    let bridge = Bridge::new();
    let (first, _) = approved_card(&e, "Bruno Berg").await;
    let vr = insert(PivCard::new(4_100_003));
    assert_eq!(
        issue(&e, &bridge, first, RunOptions::default()).await.state,
        JobState::Succeeded
    );

    // Same physical card for another user's card: refused, and nothing is written.
    let (second, _) = approved_card(&e, "Karim Khan").await;
    let done = issue(&e, &bridge, second, RunOptions::default()).await;
    assert_eq!(done.state, JobState::Failed);
    let error = done.error.unwrap();
    assert!(error.contains("not blank"), "{error}");
    assert_eq!(
        stored_card(&e, second).await.state.as_str(),
        "approved",
        "a refusal leaves the card approved"
    );
    assert!(card_certificates(&e, second).await.is_empty());

    // The admin allows re-encoding, but the card is still the first card, issued: refused.
    let admin = caller(&e, "admin").await;
    let cur = options::current(&e.db, OptionsPackage::CardsScriptOptions)
        .await
        .unwrap();
    options::save(
        &e,
        &admin,
        OptionsPackage::CardsScriptOptions,
        cur.version,
        &[
            ("CardsAllowReencode".into(), "true".into()),
            ("CardsCertificates".into(), "authentication".into()),
        ],
    )
    .await
    .unwrap();
    let done = issue(&e, &bridge, second, RunOptions::default()).await;
    let error = done.error.unwrap();
    assert!(
        error.contains(&format!("Lock card {first} first")),
        "{error}"
    );
    assert_eq!(stored_card(&e, second).await.state.as_str(), "approved");

    // Once the first card is out of use (Lock card arrives with the card lifecycle; here the
    // row is set directly), Tessera opens the chip with the key it stored and re-encodes it.
    use sea_orm::ConnectionTrait;
    e.db.execute_unprepared(&format!(
        "UPDATE card SET state = 'locked' WHERE id = {first}"
    ))
    .await
    .unwrap();
    let old_signature_key = vr.card().public_key(0x9C).expect("a 9C key");
    let done = issue(&e, &bridge, second, RunOptions::default()).await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    let pin = done.pin.unwrap();
    let (ok, out) =
        run(Command::new("pkcs15-tool").args(["--verify-pin", "--auth-id", "01", "--pin", &pin]));
    assert!(ok && !out.contains("rror"), "{out}");
    let (_, out) = run(Command::new("pkcs15-tool").args(["--list-certificates"]));
    assert_eq!(out.matches("X.509 Certificate [").count(), 1, "{out}");
    for c in card_certificates(&e, second).await {
        assert!(out.contains(&c.serial), "{out}");
    }
    for c in card_certificates(&e, first).await {
        assert!(
            !out.contains(&c.serial),
            "the first card's certificates are gone: {out}"
        );
    }
    // No key of the first card's life is left usable with the new PIN.
    let card = vr.card();
    assert_ne!(card.public_key(0x9C), Some(old_signature_key));
    assert!(
        card.object(0x5FC10A).is_none(),
        "the old 9C certificate is deleted"
    );
    // The chip now belongs to the second card only.
    let chips = smart_card_chip::Entity::find().all(&e.db).await.unwrap();
    assert_eq!(chips.len(), 1);
    assert_eq!(chips[0].object_id, second);
}

async fn crash_then_reconcile(
    e: &Engine,
    bridge: &Bridge,
    who: &str,
    serial: u32,
    after: EncodingStep,
) -> (i64, ReconcileOutcome, Option<String>, VirtualReader) {
    let (card_id, _) = approved_card(e, who).await;
    let vr = insert(PivCard::new(serial));
    let done = issue(
        e,
        bridge,
        card_id,
        RunOptions {
            crash_after: Some(after),
        },
    )
    .await;
    assert_eq!(
        done.state,
        JobState::Encoding,
        "the simulated crash leaves the job running: {:?}",
        done.error
    );
    assert_eq!(stored_card(e, card_id).await.state.as_str(), "approved");

    // The lease runs out: the job is in doubt, and the card cannot be issued again meanwhile.
    let mark_in_doubt = async || {
        let txn = e.write().await.unwrap();
        let marked = jobs::mark_in_doubt(&txn, e.now()).await.unwrap();
        txn.commit().await.unwrap();
        marked
    };
    assert_eq!(
        mark_in_doubt().await,
        Vec::<i64>::new(),
        "the lease still runs"
    );
    e.clock.advance(jobs::LEASE * 2);
    assert_eq!(mark_in_doubt().await, vec![done.job]);
    let op = caller(e, "operator").await;
    let version = stored_card(e, card_id).await.version;
    let refused = encode::begin(
        e,
        bridge,
        &op,
        (ObjectKind::Card, card_id),
        version,
        VIRTUAL_READER.0,
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(
        refusal(&refused),
        common::refused(ErrorKind::Conflict),
        "{refused}"
    );

    let name = VIRTUAL_READER.0.to_string();
    let r = reconcile::reconcile_with(e, bridge, &op, done.job, VIRTUAL_READER.0, move || {
        reader::open(&name, true)
    })
    .await
    .expect("reconcile");
    let job = encoding_job::Entity::find_by_id(done.job)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(job.state.as_str(), "in_doubt");
    (card_id, r.outcome, r.pin.map(|p| p.to_string()), vr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_leaves_the_job_in_doubt_and_reconcile_reads_the_card() {
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    let bridge = Bridge::new();

    // Crash after everything was written and checked: the card is complete; reconcile issues it
    // with a new PIN (set with the stored PUK), which the card accepts.
    let (card, outcome, pin, vr1) =
        crash_then_reconcile(&e, &bridge, "Bruno Berg", 4_100_004, EncodingStep::ReadBack).await;
    assert_eq!(outcome, ReconcileOutcome::Issued);
    assert_eq!(stored_card(&e, card).await.state.as_str(), "issued");
    let pin = pin.expect("a new PIN");
    let (ok, out) =
        run(Command::new("pkcs15-tool").args(["--verify-pin", "--auth-id", "01", "--pin", &pin]));
    assert!(ok && !out.contains("rror"), "{out}");

    drop(vr1);

    // Crash after the certificates were issued but before they were written: partial, so the
    // card fails and the certificates are revoked.
    let (card, outcome, pin, vr2) = crash_then_reconcile(
        &e,
        &bridge,
        "Karim Khan",
        4_100_005,
        EncodingStep::IssueCertificates,
    )
    .await;
    assert_eq!(outcome, ReconcileOutcome::Failed);
    assert!(pin.is_none());
    assert_eq!(stored_card(&e, card).await.state.as_str(), "failed");
    let certs = card_certificates(&e, card).await;
    assert_eq!(certs.len(), 3);
    assert!(certs.iter().all(|c| c.state.as_str() == "revoked"));

    drop(vr2);

    // Crash before the card was changed: nothing written, the card can be issued again.
    let (card, outcome, _, vr3) = crash_then_reconcile(
        &e,
        &bridge,
        "Alice Andersson",
        4_100_006,
        EncodingStep::CheckCard,
    )
    .await;
    assert_eq!(outcome, ReconcileOutcome::NothingWritten);
    assert_eq!(stored_card(&e, card).await.state.as_str(), "approved");
    let _keep = vr3;
    assert_eq!(
        issue(&e, &bridge, card, RunOptions::default()).await.state,
        JobState::Succeeded
    );
}

/// The virtual card itself against the real pcscd + vpcd on port 35964 ("Virtual PCD 00 01"),
/// as a generic (non-YubiKey) PIV card: inserted, removed, reinserted, pulled out mid-exchange.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_virtual_card_plugs_into_pcscd() {
    let _turn = READER.lock().await;
    pcscd().expect("pcscd");
    let reader_state = || {
        let out = std::process::Command::new("opensc-tool")
            .arg("-l")
            .output()
            .expect("opensc-tool");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| l.contains("Virtual PCD 00 01"))
            .unwrap_or_default()
            .to_string();
        line.split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    let mut reader = VirtualReader::insert(35964, PivCard::without_yubico_extensions(5)).unwrap();
    assert_eq!(reader_state(), "Yes");
    let atr = std::process::Command::new("opensc-tool")
        .args(["-r", "Virtual PCD 00 01", "-n"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&atr.stdout).contains("Personal Identity Verification"));
    assert!(reader.apdu_count() > 0);
    reader.remove();
    assert_eq!(reader_state(), "No");
    reader.reinsert().unwrap();
    assert_eq!(reader_state(), "Yes");
    // Pulled out in the middle of OpenSC's card detection.
    reader.remove_after_apdus(1);
    let _ = std::process::Command::new("opensc-tool")
        .args(["-r", "Virtual PCD 00 01", "-n"])
        .output();
    std::thread::sleep(std::time::Duration::from_millis(1000));
    assert!(!reader.is_inserted());
    assert_eq!(reader_state(), "No");
}

/// Polls the bridge's snapshot until the virtual reader matches `want` (10 s at most).
async fn reader_becomes(
    bridge: &Bridge,
    want: impl Fn(&tessera_process::bridge::ReaderInfo) -> bool,
) -> bool {
    for _ in 0..200 {
        if bridge
            .readers()
            .readers
            .iter()
            .any(|r| r.name == VIRTUAL_READER.0 && want(r))
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// The monitor sees a card arrive (probed: blank, serial) and leave, on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_shows_cards_coming_and_going() {
    let _turn = READER.lock().await;
    pcscd().expect("pcscd");
    wait_for_removal(VIRTUAL_READER.0);
    let bridge = Bridge::start();
    assert!(
        reader_becomes(&bridge, |r| r.card.is_none()).await,
        "the empty reader is listed"
    );
    let vr = insert(PivCard::new(4_100_010));
    assert!(
        reader_becomes(&bridge, |r| r.card.as_ref().is_some_and(|c| {
            c.blank == Some(true) && c.serial.as_deref() == Some("4100010")
        }))
        .await,
        "the inserted card is probed: {:?}",
        bridge.readers()
    );
    // A job holding the reader shows it busy.
    let unknown = bridge.claim("No Such Reader").err().expect("refused");
    assert_eq!(refusal(&unknown), bad("reader"), "{unknown}");
    let claim = bridge.claim(VIRTUAL_READER.0).expect("free");
    assert!(
        bridge.claim(VIRTUAL_READER.0).is_err(),
        "one job per reader"
    );
    assert!(reader_becomes(&bridge, |r| r.busy).await);
    drop(claim);
    drop(vr);
    assert!(
        reader_becomes(&bridge, |r| r.card.is_none() && !r.busy).await,
        "the removal shows: {:?}",
        bridge.readers()
    );
    bridge.stop();
}

/// On PostgreSQL: two operators start Issue card on the same card at once from two readers;
/// exactly one job is created. Then the winner's job encodes the card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres_one_card_gets_one_job() {
    let _turn = READER.lock().await;
    let e = common::postgres().await;
    let bridge = Bridge::new();
    let (card_id, version) = approved_card(&e, "Bruno Berg").await;
    let op = caller(&e, "operator").await;
    let sup = caller(&e, "supervisor").await;
    let (a, b) = tokio::join!(
        encode::begin(
            &e,
            &bridge,
            &op,
            (ObjectKind::Card, card_id),
            version,
            VIRTUAL_READER.0
        ),
        encode::begin(
            &e,
            &bridge,
            &sup,
            (ObjectKind::Card, card_id),
            version,
            "Virtual PCD 00 01"
        ),
    );
    let (winner, loser) = match (a, b) {
        (Ok(w), Err(l)) => (w, l),
        (Err(l), Ok(w)) => (w, l),
        (Ok(_), Ok(_)) => panic!("two jobs for one card"),
        (Err(x), Err(y)) => panic!("both refused: {x}; {y}"),
    };
    assert_eq!(
        refusal(&loser),
        common::refused(ErrorKind::Conflict),
        "{loser}"
    );
    let open = encoding_job::Entity::find()
        .filter(encoding_job::Column::ObjectId.eq(card_id))
        .all(&e.db)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    let (job, claim, settings) = winner;
    let reader_name = claim.reader.clone();
    let _vr = insert(PivCard::new(4_100_020));
    let name = VIRTUAL_READER.0.to_string();
    let done = encode::run(
        &e,
        &bridge,
        if reader_name == VIRTUAL_READER.0 {
            &op
        } else {
            &sup
        },
        job,
        claim,
        settings,
        move || reader::open(&name, true),
        RunOptions::default(),
    )
    .await;
    assert_eq!(done.state, JobState::Succeeded, "{:?}", done.error);
    assert_eq!(stored_card(&e, card_id).await.state.as_str(), "issued");
    assert!(card_certificates(&e, card_id)
        .await
        .iter()
        .all(|c| c.state.as_str() == "issued"));
}

async fn temp_card_state(e: &Engine, id: i64) -> String {
    tessera_engine::entity::temp_card::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap()
        .state
        .to_string()
}

/// Polls until `what` holds (the batch runs in the background), at most 60 s.
async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if f().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// [`until`] for a batch run, saying what the run was waiting for.
async fn until_run_ends(bridge: &Bridge, batch: i64) {
    for _ in 0..600 {
        if bridge.batch(batch).is_some_and(|r| !r.running) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the batch run did not end: {:?}",
        bridge.batch(batch).and_then(|r| r.message)
    );
}

/// Issue multiple temporary cards through the real monitor and pcscd: card after card in one
/// reader, one pulled out mid-encoding (failed, certificates revoked, the batch goes on), the
/// PINs shown once, Repeat production for the failed card, Complete order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_temporary_cards_is_encoded_card_after_card() {
    use tessera_engine::objects;
    use tessera_engine::objects::batch_order::Produced;
    use tessera_process::{ProcessId, State, TempCardState};
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    pcscd().expect("pcscd");
    let bridge = Bridge::start();
    let op = caller(&e, "operator").await;
    let ids = objects::temp_card::request(&e, &op, 3).await.unwrap();
    let batch = objects::batch_order::create(&e, &op, ObjectKind::TempCard, &ids)
        .await
        .unwrap();
    let version = |e: Engine| async move {
        tessera_engine::entity::batch_order::Entity::find_by_id(batch)
            .one(&e.db)
            .await
            .unwrap()
            .unwrap()
            .version
    };
    // Encoding needs a reader.
    let v = version(e.clone()).await;
    let err = objects::batch_order::produce(&e, &bridge, &op, batch, v, None, ProductionRun::Next)
        .await
        .err()
        .expect("no reader chosen");
    assert_eq!(refusal(&err), bad("reader"), "{err}");

    let mut first = insert(PivCard::new(4_300_001));
    let started = objects::batch_order::produce(
        &e,
        &bridge,
        &op,
        batch,
        v,
        Some(VIRTUAL_READER.0),
        ProductionRun::Next,
    )
    .await
    .unwrap();
    assert!(matches!(started, Produced::Started));
    until("the first card", || async {
        temp_card_state(&e, ids[0]).await == "unassigned"
    })
    .await;
    until("the runner to ask for the card to be taken out", || async {
        bridge
            .batch(batch)
            .and_then(|r| r.message)
            .is_some_and(|m| m.contains("Take out"))
    })
    .await;
    first.remove();

    // The second card is pulled out in the middle of its encoding.
    wait_for_removal(VIRTUAL_READER.0);
    let second = VirtualReader::insert(VIRTUAL_READER.1, PivCard::new(4_300_002)).unwrap();
    second.remove_at_certificate_write();
    until("the second card to fail", || async {
        temp_card_state(&e, ids[1]).await == "failed"
    })
    .await;
    drop(second);
    // After a card pulled out mid-exchange vpcd may not show the next one: insert() reinserts.
    let mut third = insert(PivCard::new(4_300_003));
    until_run_ends(&bridge, batch).await;
    let view = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap();
    assert!(
        view.message
            .as_deref()
            .is_some_and(|m| m.contains("Production finished")),
        "{:?}",
        view.message
    );
    let states: Vec<State> = view.cards.iter().map(|c| c.state).collect();
    assert_eq!(
        states,
        [
            TempCardState::Unassigned,
            TempCardState::Failed,
            TempCardState::Unassigned
        ]
        .map(State::TempCard)
    );
    assert!(view.cards[1]
        .error
        .as_deref()
        .unwrap_or_default()
        .contains("removed"));
    // The PINs, once, to the operator who produced them.
    for k in [0, 2] {
        let pin = view.cards[k].pin.as_deref().expect("PIN shown once");
        assert_eq!(pin.len(), 6);
    }
    assert!(view.cards[1].pin.is_none());
    let again = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap();
    assert!(again.cards.iter().all(|c| c.pin.is_none()));
    // Two certificates on each produced card, naming the card; the failed one's are revoked.
    for (k, id) in ids.iter().enumerate() {
        let certs = certificate::Entity::find()
            .filter(certificate::Column::OwnerKind.eq("temp_card"))
            .filter(certificate::Column::OwnerId.eq(*id))
            .all(&e.db)
            .await
            .unwrap();
        if k == 1 {
            assert!(!certs.is_empty());
            assert!(certs.iter().all(|c| c.state.as_str() == "revoked"));
        } else {
            assert_eq!(certs.len(), 2);
            assert!(certs.iter().all(|c| c.state.as_str() == "issued"));
            assert!(certs[0].subject.contains(&format!("Temporary card {id}")));
        }
    }
    // Two different chips were kept.
    let chips = smart_card_chip::Entity::find()
        .filter(smart_card_chip::Column::ObjectKind.eq("temp_card"))
        .all(&e.db)
        .await
        .unwrap();
    assert_eq!(chips.len(), 2);
    assert_ne!(chips[0].chip_serial, chips[1].chip_serial);

    // Complete order is refused? No: failed cards may stay failed. Repeat production first.
    third.remove();
    wait_for_removal(VIRTUAL_READER.0);
    let _fourth = VirtualReader::insert(VIRTUAL_READER.1, PivCard::new(4_300_004)).unwrap();
    let v = version(e.clone()).await;
    objects::batch_order::produce(
        &e,
        &bridge,
        &op,
        batch,
        v,
        Some(VIRTUAL_READER.0),
        ProductionRun::RepeatFailed,
    )
    .await
    .unwrap();
    until("the repeated card", || async {
        temp_card_state(&e, ids[1]).await == "unassigned"
    })
    .await;
    until_run_ends(&bridge, batch).await;

    // The first card was printed wrongly: Repeat production makes it again on a new blank,
    // and what the old card held is revoked as superseded.
    let certificates_of = |id: i64| {
        let e = e.clone();
        async move {
            certificate::Entity::find()
                .filter(certificate::Column::OwnerKind.eq("temp_card"))
                .filter(certificate::Column::OwnerId.eq(id))
                .all(&e.db)
                .await
                .unwrap()
        }
    };
    let old: Vec<i64> = certificates_of(ids[0]).await.iter().map(|c| c.id).collect();
    assert_eq!(old.len(), 2);
    let chip_before = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap()
        .cards[0]
        .chip_serial
        .clone();
    assert!(chip_before.is_some());
    drop(_fourth);
    let _fifth = insert(PivCard::new(4_300_005));
    let v = version(e.clone()).await;
    objects::batch_order::produce(
        &e,
        &bridge,
        &op,
        batch,
        v,
        Some(VIRTUAL_READER.0),
        ProductionRun::Repeat(vec![ids[0]]),
    )
    .await
    .unwrap();
    until_run_ends(&bridge, batch).await;
    assert_eq!(temp_card_state(&e, ids[0]).await, "unassigned");
    let now = certificates_of(ids[0]).await;
    assert_eq!(now.len(), 4, "{now:?}");
    for c in &now {
        if old.contains(&c.id) {
            assert_eq!(c.state.as_str(), "revoked");
            assert_eq!(c.revocation_reason.as_deref(), Some("superseded"));
        } else {
            assert_eq!(c.state.as_str(), "issued");
        }
    }
    let view = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap();
    assert!(view.cards[0].chip_serial.is_some());
    assert_ne!(
        view.cards[0].chip_serial, chip_before,
        "the new card's chip"
    );
    let v = version(e.clone()).await;
    let closed = objects::batch_order::close(
        &e,
        &bridge,
        &op,
        ProcessId::TempCardsBoProcCompleteOrder,
        batch,
        v,
    )
    .await
    .unwrap();
    assert_eq!(closed, tessera_process::BatchOrderState::Completed);
    bridge.stop();
}

/// Initialize temporary card on a card the bureau produced: the panel's start refuses a card
/// that is produced in a batch order, then encodes the produced one (PIN, PUK, keys,
/// certificates) and the card becomes unassigned, its PIN shown once to the operator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temporary_card_from_the_bureau_is_initialized() {
    use tessera_engine::bridge::panel;
    use tessera_engine::external::{self, ExternalSettings};
    use tessera_engine::objects;
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    let bridge = Bridge::new();
    let op = caller(&e, "operator").await;
    let dir = tempfile::tempdir().unwrap();
    let s = ExternalSettings {
        outbox_dir: dir.path().join("outbox"),
        inbox_dir: dir.path().join("inbox"),
    };
    let (ids, _) = objects::temp_card::order(&e, &op, 1).await.unwrap();
    let id = ids[0];
    external::sync(&e, &s, None).await.unwrap();
    let r = external::apply_report(
        &e,
        None,
        "http",
        &format!("card_id,status\nT{id},produced\n"),
    )
    .await
    .unwrap();
    assert_eq!(r.applied, 1, "{r:?}");
    let local = objects::temp_card::request(&e, &op, 1).await.unwrap()[0];
    let _card = insert(PivCard::new(4_400_001));
    let version = |id: i64| {
        let e = e.clone();
        async move {
            tessera_engine::entity::temp_card::Entity::find_by_id(id)
                .one(&e.db)
                .await
                .unwrap()
                .unwrap()
                .version
        }
    };
    let target = (ObjectKind::TempCard, local);
    let refused = encode::start(
        &e,
        &bridge,
        &op,
        target,
        version(local).await,
        VIRTUAL_READER.0,
    )
    .await
    .expect_err("a requested temporary card is produced in a batch order");
    assert!(
        refused
            .to_string()
            .contains("Initialize temporary card starts on a produced one"),
        "{refused}"
    );
    let p = panel::panel(&e, &bridge, &op, (ObjectKind::TempCard, id))
        .await
        .unwrap();
    assert!(
        p.can_issue && p.process == ProcessId::TempCardsAddonExtProdInitialize,
        "{p:?}"
    );

    let job = encode::start(
        &e,
        &bridge,
        &op,
        (ObjectKind::TempCard, id),
        version(id).await,
        VIRTUAL_READER.0,
    )
    .await
    .unwrap();
    until("the job to end", || async {
        jobs::load(&e.db, job).await.unwrap().state != JobState::Encoding.as_str()
    })
    .await;
    let view = panel::job(&e, &bridge, &op, job).await.unwrap();
    assert_eq!(view.state, JobState::Succeeded, "{view:?}");
    assert_eq!(view.pin.as_deref().map(str::len), Some(6));
    assert!(panel::job(&e, &bridge, &op, job)
        .await
        .unwrap()
        .pin
        .is_none());
    assert_eq!(temp_card_state(&e, id).await, "unassigned");
    let certs = certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq("temp_card"))
        .filter(certificate::Column::OwnerId.eq(id))
        .all(&e.db)
        .await
        .unwrap();
    assert_eq!(certs.len(), 2);
    assert!(certs.iter().all(|c| c.state.as_str() == "issued"));
    let chip = smart_card_chip::Entity::find()
        .filter(smart_card_chip::Column::ObjectKind.eq("temp_card"))
        .filter(smart_card_chip::Column::ObjectId.eq(id))
        .one(&e.db)
        .await
        .unwrap()
        .expect("the chip is kept");
    assert_eq!(chip.chip_serial.as_deref(), Some("4400001"));
    assert!(
        !panel::panel(&e, &bridge, &op, (ObjectKind::TempCard, id))
            .await
            .unwrap()
            .can_issue
    );
}

/// Issue multiple cards: approved personal cards found by Search (with their holders), put in
/// a batch order and encoded one after another in the reader; each becomes issued with its own
/// chip and certificates; Complete order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_personal_cards_is_encoded_card_after_card() {
    use tessera_engine::objects;
    use tessera_engine::objects::batch_order::Produced;
    use tessera_process::ProcessId;
    let _turn = READER.lock().await;
    let e = common::sqlite().await;
    pcscd().expect("pcscd");
    let bridge = Bridge::start();
    let op = caller(&e, "operator").await;
    let (a, _) = approved_card(&e, "Bruno Berg").await;
    let (b, _) = approved_card(&e, "Chloe Costa").await;
    let found = objects::batch_order::search(&e, &op, ObjectKind::Card)
        .await
        .unwrap();
    assert_eq!(found.iter().map(|c| c.id).collect::<Vec<_>>(), [a, b]);
    assert!(found[0]
        .holder
        .as_deref()
        .unwrap()
        .starts_with("Bruno Berg"));
    // A cancelled batch gives its cards back to the search.
    let cancelled = objects::batch_order::create(&e, &op, ObjectKind::Card, &[a])
        .await
        .unwrap();
    assert_eq!(
        objects::batch_order::search(&e, &op, ObjectKind::Card)
            .await
            .unwrap()
            .len(),
        1
    );
    objects::batch_order::close(
        &e,
        &bridge,
        &op,
        ProcessId::CardsBoProcCancelOrder,
        cancelled,
        1,
    )
    .await
    .unwrap();
    assert!(stored_card(&e, a).await.batch_order_id.is_none());
    let batch = objects::batch_order::create(&e, &op, ObjectKind::Card, &[a, b])
        .await
        .unwrap();
    // A card a batch holds is produced there, not on its own page.
    let p = tessera_engine::bridge::panel::panel(&e, &bridge, &op, (ObjectKind::Card, a))
        .await
        .unwrap();
    assert!(!p.can_issue);
    let alone = encode::start(
        &e,
        &bridge,
        &op,
        (ObjectKind::Card, a),
        stored_card(&e, a).await.version,
        VIRTUAL_READER.0,
    )
    .await
    .expect_err("the batch produces it");
    assert_eq!(
        refusal(&alone),
        common::refused(ErrorKind::Conflict),
        "{alone}"
    );
    assert!(objects::batch_order::search(&e, &op, ObjectKind::Card)
        .await
        .unwrap()
        .is_empty());
    let view = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap();
    assert_eq!(view.kind, ObjectKind::Card);
    assert!(view.encode && view.cards.iter().all(|c| c.waiting));

    let mut first = insert(PivCard::new(4_500_001));
    let started = objects::batch_order::produce(
        &e,
        &bridge,
        &op,
        batch,
        view.version,
        Some(VIRTUAL_READER.0),
        ProductionRun::Next,
    )
    .await
    .unwrap();
    assert!(matches!(started, Produced::Started));
    until("the first card", || async {
        stored_card(&e, a).await.state.as_str() == "issued"
    })
    .await;
    until("the runner to ask for the card to be taken out", || async {
        bridge
            .batch(batch)
            .and_then(|r| r.message)
            .is_some_and(|m| m.contains("Take out card"))
    })
    .await;
    first.remove();
    let _second = insert(PivCard::new(4_500_002));
    until_run_ends(&bridge, batch).await;
    let view = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap();
    assert_eq!(view.produced, 2, "{:?}", view.message);
    assert!(view
        .cards
        .iter()
        .all(|c| c.pin.as_deref().map(str::len) == Some(6)));
    for (id, chip) in [(a, "4500001"), (b, "4500002")] {
        assert_eq!(stored_card(&e, id).await.state.as_str(), "issued");
        let certs = card_certificates(&e, id).await;
        assert_eq!(certs.len(), 3, "{certs:?}");
        assert!(certs.iter().all(|c| c.state.as_str() == "issued"));
        let row = view.cards.iter().find(|c| c.id == id).unwrap();
        assert_eq!(row.chip_serial.as_deref(), Some(chip));
    }
    // The audit says which process issued them.
    let jobs = jobs::of_object(&e.db, (ObjectKind::Card, a)).await.unwrap();
    assert_eq!(
        jobs[0].process,
        ProcessId::CardsBoProcIssueMultiple.as_str()
    );
    let v = objects::batch_order::view(&e, &bridge, &op, batch)
        .await
        .unwrap()
        .version;
    // A temporary-card process does not close a batch of personal cards.
    assert!(objects::batch_order::close(
        &e,
        &bridge,
        &op,
        ProcessId::TempCardsBoProcCompleteOrder,
        batch,
        v
    )
    .await
    .is_err());
    let closed = objects::batch_order::close(
        &e,
        &bridge,
        &op,
        ProcessId::CardsBoProcCompleteOrder,
        batch,
        v,
    )
    .await
    .unwrap();
    assert_eq!(closed, tessera_process::BatchOrderState::Completed);
    bridge.stop();
}
