//! `tessera-virtual-card [--port 35963] [--state FILE] [--serial N] [--generic]
//! [--pull-after-apdus N] [--pull-at-certificate-write]`: serves one virtual PIV card to pcscd
//! through vpcd, reconnecting whenever vpcd goes away, until SIGTERM or SIGINT. With
//! `--pull-after-apdus` the card is pulled out (and the program ends) instead of answering
//! command APDU N+1; with `--pull-at-certificate-write`, instead of answering the first PUT DATA
//! of a certificate object: a card taken out in the middle of an encoding, at a named step.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

use tessera_piv::ins;
use tessera_virtual_card::vpcd::{self, Ended, Request};
use tessera_virtual_card::{state, PivCard};

const USAGE: &str = "usage: tessera-virtual-card [--port 35963] [--state FILE] [--serial N] [--generic] [--pull-after-apdus N] [--pull-at-certificate-write]";
const DEFAULT_SERIAL: u32 = 10_000_001;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, SeqCst);
}

fn install_signal_handlers() {
    let handler = on_signal as extern "C" fn(libc::c_int) as *const () as libc::sighandler_t;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGTERM, handler);
        libc::signal(libc::SIGINT, handler);
    }
}

macro_rules! log {
    ($($arg:tt)*) => { eprintln!("tessera-virtual-card: {}", format_args!($($arg)*)) };
}

struct Options {
    port: u16,
    state: Option<PathBuf>,
    /// `None` unless given, so that a card loaded from `--state` can say what it ignored.
    serial: Option<u32>,
    generic: bool,
    pull_after: Option<u64>,
    pull_at_certificate: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        port: vpcd::DEFAULT_PORT,
        state: None,
        serial: None,
        generic: false,
        pull_after: None,
        pull_at_certificate: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                options.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--state" => options.state = Some(PathBuf::from(value("--state")?)),
            "--serial" => {
                let serial = value("--serial")?.parse();
                options.serial = Some(serial.map_err(|e| format!("--serial: {e}"))?);
            }
            "--generic" => options.generic = true,
            "--pull-after-apdus" => {
                let n = value("--pull-after-apdus")?.parse();
                options.pull_after = Some(n.map_err(|e| format!("--pull-after-apdus: {e}"))?);
            }
            "--pull-at-certificate-write" => options.pull_at_certificate = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(options)
}

fn ins_name(instruction: u8) -> &'static str {
    match instruction {
        ins::VERIFY => "VERIFY",
        ins::CHANGE_REFERENCE_DATA => "CHANGE REFERENCE DATA",
        ins::RESET_RETRY_COUNTER => "RESET RETRY COUNTER",
        ins::GENERATE_ASYMMETRIC_KEY_PAIR => "GENERATE ASYMMETRIC KEY PAIR",
        ins::GENERAL_AUTHENTICATE => "GENERAL AUTHENTICATE",
        ins::PUT_DATA => "PUT DATA",
        ins::SET_PIN_RETRIES => "SET PIN RETRIES",
        ins::RESET => "RESET",
        ins::IMPORT_KEY => "IMPORT KEY",
        ins::SET_MANAGEMENT_KEY => "SET MANAGEMENT KEY",
        _ => "command",
    }
}

/// The card plus where it is kept.
struct Process {
    card: PivCard,
    state: Option<PathBuf>,
    /// The last state written (or loaded), to tell which APDUs changed something.
    saved: String,
    /// Command APDUs answered, and after how many the card is pulled out.
    apdus: u64,
    pull_after: Option<u64>,
    pull_at_certificate: bool,
}

impl Process {
    fn persist(&mut self, apdu: &[u8], answer: &[u8]) {
        let json = match state::to_json(&self.card) {
            Ok(json) => json,
            Err(e) => return log!("cannot serialise the card: {e}"),
        };
        if json == self.saved {
            return;
        }
        // Only the instruction and status are logged: the data may hold a PIN or key.
        let ins = apdu.get(1).copied().unwrap_or(0);
        let status = answer
            .get(answer.len().saturating_sub(2)..)
            .unwrap_or_default();
        let saved = match &self.state {
            Some(path) => match state::save_json(path, &json) {
                Ok(()) => ", saved".to_string(),
                Err(e) => format!(", NOT saved to {}: {e}", path.display()),
            },
            None => String::new(),
        };
        log!(
            "state changed by {} (INS {ins:02X}) → SW {}{saved}",
            ins_name(ins),
            hex::encode_upper(status)
        );
        self.saved = json;
    }
}

impl vpcd::Card for Process {
    fn control(&mut self, request: &Request) {
        let (event, apply): (&str, fn(&mut PivCard)) = match request {
            Request::PowerOn => ("power on", PivCard::power_on),
            Request::PowerOff => ("power off", PivCard::power_off),
            Request::Reset => ("reset", PivCard::reset),
            _ => return,
        };
        apply(&mut self.card);
        log!("{event}: PIN and management key authentication cleared");
    }

    fn atr(&mut self) -> Vec<u8> {
        self.card.atr()
    }

    fn apdu(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        if self.pull_after.is_some_and(|n| self.apdus >= n)
            || (self.pull_at_certificate && tessera_virtual_card::objects::writes_certificate(apdu))
        {
            return None;
        }
        self.apdus += 1;
        let answer = self.card.execute(apdu);
        self.persist(apdu, &answer);
        Some(answer)
    }
}

fn load_card(options: &Options) -> Result<Process, String> {
    let serial = options.serial.unwrap_or(DEFAULT_SERIAL);
    let fresh = || match options.generic {
        true => PivCard::without_yubico_extensions(serial),
        false => PivCard::new(serial),
    };
    let Some(path) = &options.state else {
        let card = fresh();
        let saved = state::to_json(&card).map_err(|e| e.to_string())?;
        return Ok(Process {
            card,
            state: None,
            saved,
            apdus: 0,
            pull_after: options.pull_after,
            pull_at_certificate: options.pull_at_certificate,
        });
    };
    let loaded = state::load_if_present(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let card = match loaded {
        Some(card) => {
            // The file is the card; flags describing a new card do not apply to it.
            let ignored = match (options.serial.is_some(), options.generic) {
                (false, false) => "",
                _ => " (--serial/--generic ignored)",
            };
            log!(
                "loaded card serial {} from {}{ignored}",
                card.serial(),
                path.display()
            );
            card
        }
        None => {
            let card = fresh();
            state::save(path, &card).map_err(|e| format!("{}: {e}", path.display()))?;
            log!(
                "created card serial {} in {}",
                card.serial(),
                path.display()
            );
            card
        }
    };
    let saved = state::to_json(&card).map_err(|e| e.to_string())?;
    Ok(Process {
        card,
        state: Some(path.clone()),
        saved,
        apdus: 0,
        pull_after: options.pull_after,
        pull_at_certificate: options.pull_at_certificate,
    })
}

/// Sleeps about `d`, waking early on a stop signal.
fn pause(d: Duration) {
    let step = Duration::from_millis(100);
    let mut left = d;
    while !STOP.load(SeqCst) && !left.is_zero() {
        std::thread::sleep(step.min(left));
        left = left.saturating_sub(step);
    }
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut process = match load_card(&options) {
        Ok(process) => process,
        Err(msg) => {
            log!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    install_signal_handlers();
    let kind = if process.card.has_yubico_extensions() {
        "YubiKey-compatible"
    } else {
        "generic"
    };
    log!(
        "{kind} PIV card, serial {}, ATR {}",
        process.card.serial(),
        hex::encode_upper(process.card.atr())
    );
    let mut waiting = false;
    while !STOP.load(SeqCst) {
        match vpcd::connect(options.port) {
            Ok(mut stream) => {
                log!("inserted: connected to vpcd on 127.0.0.1:{}", options.port);
                waiting = false;
                let ended = vpcd::serve(&mut stream, &mut process, &|| STOP.load(SeqCst));
                process.card.power_off();
                match ended {
                    Ok(Ended::Closed) => log!("removed: vpcd closed the connection"),
                    Ok(Ended::PulledOut) => {
                        log!("pulled out after {} APDUs", process.apdus);
                        break;
                    }
                    Ok(Ended::Stopped) => {}
                    Err(e) => log!("removed: connection error: {e}"),
                }
            }
            Err(e) if !waiting => {
                log!(
                    "waiting for vpcd on 127.0.0.1:{} ({e}); retrying every second",
                    options.port
                );
                waiting = true;
            }
            Err(_) => {}
        }
        pause(Duration::from_secs(1));
    }
    log!("stopping");
    ExitCode::SUCCESS
}
