//! Crash safety of Issue multiple temporary cards: the real server is killed (SIGKILL) at random
//! points while it encodes a batch on the virtual card (pcscd + vpcd), restarted on the same
//! database, the jobs it left in doubt are reconciled with the card still in the reader, and
//! production goes on. At the end no card is lost, none was encoded twice, no certificate is
//! left valid on a card that did not get it, and the batch completes.
//!
//! Set `TESSERA_CRASH_SEED` to replay a run; the seed is printed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use tessera_engine::testing::{free_port, pcscd, wait_for_card, wait_for_removal, VIRTUAL_READER};
use tessera_process::bridge::{IssuePanel, JobState};
use tessera_process::dto::{BatchView, TempCardPage};
use tessera_process::{BatchOrderState, State, TempCardState};
use tessera_virtual_card::{PivCard, VirtualReader};

/// Enough cards that production is still going when the kills are done (a kill round can
/// finish a few cards before the kill comes).
const CARDS: u32 = 10;
const KILLS: usize = 5;

/// xorshift64: enough to spread the kills, and replayable from the printed seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The server under test, on a data directory that outlives each process.
struct Server {
    data: tempfile::TempDir,
    addr: String,
    child: Option<Child>,
    cookie: String,
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Server {
    fn new() -> Server {
        let data = tempfile::tempdir().unwrap();
        let s = Server {
            data,
            addr: format!("127.0.0.1:{}", free_port()),
            child: None,
            cookie: String::new(),
        };
        let status = s.command().arg("demo-data").status().unwrap();
        assert!(status.success(), "demo-data");
        s
    }

    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tessera"));
        c.env("TESSERA_DATA_DIR", self.data.path())
            .env("TESSERA_SITE_ADDR", &self.addr)
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL");
        c
    }

    fn start(&mut self) {
        self.child = Some(self.command().arg("serve").spawn().unwrap());
        let started = Instant::now();
        while self.raw("GET", "/health", "", "").0 != 200 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let (status, body, cookie) = self.raw(
            "POST",
            "/api/login",
            "application/x-www-form-urlencoded",
            "username=operator&password=operator-demo",
        );
        assert_eq!(status, 200, "{body}");
        self.cookie = cookie.expect("a session cookie");
    }

    /// SIGKILL: no shutdown of any kind.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    /// One HTTP/1.0 exchange: status, body, the session cookie if one was set.
    fn raw(
        &self,
        method: &str,
        path: &str,
        kind: &str,
        body: &str,
    ) -> (u16, String, Option<String>) {
        let Ok(mut s) = TcpStream::connect(&self.addr) else {
            return (0, String::new(), None);
        };
        let cookie = if self.cookie.is_empty() {
            String::new()
        } else {
            format!("Cookie: {}\r\n", self.cookie)
        };
        let request = format!(
            "{method} {path} HTTP/1.0\r\nHost: {}\r\nAccept: application/json\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n{cookie}\r\n{body}",
            self.addr,
            body.len()
        );
        if s.write_all(request.as_bytes()).is_err() {
            return (0, String::new(), None);
        }
        let mut answer = String::new();
        if s.read_to_string(&mut answer).is_err() {
            return (0, String::new(), None);
        }
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let cookie = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
            .and_then(|l| l.split_once(':'))
            .and_then(|(_, v)| v.trim().split(';').next())
            .map(str::to_string);
        (status, body.to_string(), cookie)
    }

    /// A server function with form input; its JSON answer, or the server's error text.
    fn call<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Result<T, String> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.answer(endpoint, "application/x-www-form-urlencoded", &body)
    }

    fn answer<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &str,
        kind: &str,
        body: &str,
    ) -> Result<T, String> {
        let (status, text, _) = self.raw("POST", &format!("/api/{endpoint}"), kind, body);
        if status != 200 {
            return Err(format!("{endpoint}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{endpoint}: {e}: {text}"))
    }

    fn batch(&self, id: i64) -> BatchView {
        self.call("batch_view", &[("batch", &id.to_string())])
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The card in the reader: a fresh blank one with the next serial.
struct Reader {
    card: Option<VirtualReader>,
    next_serial: u32,
}

impl Reader {
    fn fresh_blank_card(&mut self) {
        if let Some(mut c) = self.card.take() {
            c.remove();
        }
        wait_for_removal(VIRTUAL_READER.0);
        self.next_serial += 1;
        let card = PivCard::new(self.next_serial);
        for _ in 0..3 {
            let mut c = VirtualReader::insert(VIRTUAL_READER.1, card.clone()).unwrap();
            if wait_for_card(VIRTUAL_READER.0).is_ok() {
                self.card = Some(c);
                return;
            }
            c.remove();
            std::thread::sleep(Duration::from_secs(1));
        }
        panic!("the reader does not show card {}", self.next_serial);
    }
}

/// After a restart: every job the killed server left in doubt is reconciled with the card it was
/// encoding, which is still in the reader.
fn reconcile_in_doubt(server: &Server, ids: &[i64]) -> usize {
    let mut n = 0;
    for id in ids {
        let panel: IssuePanel = server
            .call(
                "issue_panel",
                &[("kind", "temp_card"), ("id", &id.to_string())],
            )
            .unwrap();
        for job in panel.jobs.iter().filter(|j| j.state == JobState::InDoubt) {
            let outcome: Result<(String, Option<String>), String> = server.call(
                "reconcile_job",
                &[
                    ("job_id", &job.job_id.to_string()),
                    ("reader", VIRTUAL_READER.0),
                ],
            );
            println!("  reconciled job {} of card {id}: {outcome:?}", job.job_id);
            outcome.expect("reconcile with the card in the reader");
            n += 1;
        }
    }
    n
}

/// Next (or Repeat production when only failed cards are left); false when nothing is left.
fn produce(server: &Server, batch: i64) -> bool {
    let view = server.batch(batch);
    let requested = view.cards.iter().any(|c| c.waiting);
    let failed = view.cards.iter().any(|c| c.failed);
    if !requested && !failed {
        return false;
    }
    let started: Result<Vec<(i64, String)>, String> = server.call(
        "produce_batch",
        &[
            ("batch", &batch.to_string()),
            ("version", &view.version.to_string()),
            ("reader", VIRTUAL_READER.0),
            ("repeat", if requested { "false" } else { "true" }),
        ],
    );
    started.expect("production starts");
    true
}

#[test]
fn a_batch_survives_the_server_being_killed_while_it_encodes() {
    pcscd().expect("pcscd");
    let seed = std::env::var("TESSERA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("TESSERA_CRASH_SEED={seed}");
    let mut random = Random(seed);
    let mut server = Server::new();
    let mut reader = Reader {
        card: None,
        next_serial: 7_700_000,
    };
    server.start();
    let ids: Vec<i64> = server
        .call("request_temp_cards", &[("count", &CARDS.to_string())])
        .unwrap();
    let body = serde_json::json!({ "kind": "temp_card", "ids": ids }).to_string();
    let batch: i64 = server
        .answer("create_batch", "application/json", &body)
        .unwrap();

    let mut kills = 0;
    let mut reconciled = 0;
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 40, "production does not come to an end");
        reader.fresh_blank_card();
        if !produce(&server, batch) {
            break;
        }
        // Kill somewhere in the encoding of the card in the reader (a card takes a few hundred
        // milliseconds), or let this run finish once all kills are done.
        let kill_at = (kills < KILLS).then(|| Duration::from_millis(10 + random.below(400)));
        let started = Instant::now();
        // The runner's "Take out …" stays on screen until it sees the card go: one new card
        // per request, or the card it has just begun encoding would be pulled out.
        let mut answered: Option<String> = None;
        loop {
            std::thread::sleep(Duration::from_millis(10));
            if kill_at.is_some_and(|at| started.elapsed() >= at) {
                kills += 1;
                println!("kill {kills} after {:?}", started.elapsed());
                server.kill();
                server.start();
                reconciled += reconcile_in_doubt(&server, &ids);
                break;
            }
            let view = server.batch(batch);
            if let Some(m) = view.message.clone().filter(|m| m.contains("Take out")) {
                if answered.as_ref() != Some(&m) {
                    reader.fresh_blank_card();
                    answered = Some(m);
                }
            }
            if !view.running {
                break;
            }
        }
    }
    println!("{kills} kills, {reconciled} jobs reconciled, {rounds} rounds");
    // Production may finish before the last kill; what matters is that kills hit encodings.
    assert!(kills >= 2, "only {kills} kills before production ended");
    assert!(
        reconciled > 0,
        "no kill hit an encoding: the test tested nothing"
    );

    // No card lost: every card of the batch is produced.
    let view = server.batch(batch);
    assert_eq!(view.cards.len(), CARDS as usize);
    assert!(
        view.cards
            .iter()
            .all(|c| c.state == State::TempCard(TempCardState::Unassigned)),
        "{:?}",
        view.cards
    );
    // None encoded twice: each card has its own chip, and one successful encoding job.
    let mut chips: Vec<String> = view
        .cards
        .iter()
        .map(|c| c.chip_serial.clone().expect("a chip"))
        .collect();
    chips.sort();
    chips.dedup();
    assert_eq!(chips.len(), CARDS as usize, "a chip went to two cards");
    for id in &ids {
        let panel: IssuePanel = server
            .call(
                "issue_panel",
                &[("kind", "temp_card"), ("id", &id.to_string())],
            )
            .unwrap();
        let states: Vec<JobState> = panel.jobs.iter().map(|j| j.state).collect();
        assert_eq!(
            states.iter().filter(|s| **s == JobState::Succeeded).count(),
            1,
            "card {id}: jobs {states:?}"
        );
        assert!(!states.contains(&JobState::InDoubt) && !states.contains(&JobState::Encoding));
        // No orphaned certificates: the two of the chip it has are valid, every other one
        // (from an attempt that failed or was cut off) is revoked.
        let page: TempCardPage = server
            .call("temp_card_page", &[("id", &id.to_string())])
            .unwrap();
        let valid = page
            .certificates
            .iter()
            .filter(|c| c.state.as_str() == "issued")
            .count();
        assert_eq!(valid, 2, "card {id}: {:?}", page.certificates);
        assert!(
            page.certificates
                .iter()
                .all(|c| matches!(c.state.as_str(), "issued" | "revoked")),
            "card {id}: {:?}",
            page.certificates
        );
    }
    // The batch can be completed.
    let closed: String = server
        .call(
            "close_batch",
            &[
                ("process", "TempCardsBoProcCompleteOrder"),
                ("batch", &batch.to_string()),
                ("version", &view.version.to_string()),
            ],
        )
        .unwrap();
    assert_eq!(closed, BatchOrderState::Completed.as_str(), "{closed}");
    if let Some(mut c) = reader.card.take() {
        c.remove();
    }
}
