//! `VirtualReader`: a `PivCard` served to vpcd on a background thread, with insert/remove and
//! a way to pull the card out in the middle of an exchange.

use std::io;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::piv::PivCard;
use crate::vpcd::{self, Ended, Request};

/// How long `insert` waits for vpcd to start listening (pcscd may still be starting).
const CONNECT_PATIENCE: Duration = Duration::from_secs(10);
/// How long `insert` waits for pcscd to power the card and read its ATR.
const READY_PATIENCE: Duration = Duration::from_secs(3);
/// How long `remove` waits for vpcd to notice the card is gone (it polls every ~400 ms).
const REMOVE_PATIENCE: Duration = Duration::from_secs(5);
const NEVER: u64 = u64::MAX;

struct Shared {
    card: Mutex<PivCard>,
    apdus: AtomicU64,
    /// The APDU count at which the card is pulled out instead of answering.
    pull_at: AtomicU64,
    /// Pulled out instead of answering the first APDU that writes a certificate object.
    pull_at_certificate: AtomicBool,
    inserted: AtomicBool,
    removing: AtomicBool,
    /// pcscd has powered the card and read its ATR on the current connection.
    ready: AtomicBool,
}

impl Shared {
    fn card(&self) -> MutexGuard<'_, PivCard> {
        // A panic elsewhere must not make the card unusable for the rest of a test run.
        self.card.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A virtual reader connection: runs the card on a background thread against vpcd.
pub struct VirtualReader {
    port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl VirtualReader {
    /// Connects to vpcd at 127.0.0.1:port ("insert"), retrying for up to ~10 s until vpcd
    /// listens, and waits briefly for pcscd to power the card up.
    pub fn insert(port: u16, card: PivCard) -> io::Result<VirtualReader> {
        let mut reader = VirtualReader {
            port,
            shared: Arc::new(Shared {
                card: Mutex::new(card),
                apdus: AtomicU64::new(0),
                pull_at: AtomicU64::new(NEVER),
                pull_at_certificate: AtomicBool::new(false),
                inserted: AtomicBool::new(false),
                removing: AtomicBool::new(false),
                ready: AtomicBool::new(false),
            }),
            thread: None,
        };
        reader.reinsert()?;
        Ok(reader)
    }

    /// Disconnects ("remove"); the card keeps its state. Returns once vpcd saw the disconnect.
    pub fn remove(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.shared.removing.store(true, SeqCst);
            let _ = thread.join();
            self.shared.removing.store(false, SeqCst);
        }
    }

    /// Connects again with the same card.
    pub fn reinsert(&mut self) -> io::Result<()> {
        if self.is_inserted() {
            return Ok(());
        }
        // A thread that ended on its own (card pulled, pcscd gone) still needs joining.
        self.remove();
        let stream = vpcd::connect_with_retry(self.port, CONNECT_PATIENCE)?;
        self.shared.ready.store(false, SeqCst);
        self.shared.inserted.store(true, SeqCst);
        let shared = Arc::clone(&self.shared);
        self.thread = Some(std::thread::spawn(move || serve(shared, stream)));
        let deadline = Instant::now() + READY_PATIENCE;
        while !self.shared.ready.load(SeqCst) && self.is_inserted() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }

    /// After `n` more command APDUs, the card is pulled out: the connection closes before the
    /// n+1-th is answered.
    pub fn remove_after_apdus(&self, n: u64) {
        let at = self.shared.apdus.load(SeqCst).saturating_add(n);
        self.shared.pull_at.store(at, SeqCst);
    }

    /// The card is pulled out at a named step of an encoding: instead of answering the first
    /// PUT DATA that writes a certificate object (the CA has issued the certificates by then).
    pub fn remove_at_certificate_write(&self) {
        self.shared.pull_at_certificate.store(true, SeqCst);
    }

    /// Command APDUs answered so far.
    pub fn apdu_count(&self) -> u64 {
        self.shared.apdus.load(SeqCst)
    }

    /// A snapshot of the card state.
    pub fn card(&self) -> PivCard {
        self.shared.card().clone()
    }

    pub fn is_inserted(&self) -> bool {
        self.shared.inserted.load(SeqCst)
    }
}

impl Drop for VirtualReader {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The vpcd side of one connection.
struct Handler<'a> {
    shared: &'a Shared,
    powered: bool,
}

impl vpcd::Card for Handler<'_> {
    fn control(&mut self, request: &Request) {
        let mut card = self.shared.card();
        match request {
            Request::PowerOff => card.power_off(),
            Request::PowerOn => {
                card.power_on();
                self.powered = true;
            }
            Request::Reset => card.reset(),
            _ => {}
        }
    }

    fn atr(&mut self) -> Vec<u8> {
        if self.powered {
            self.shared.ready.store(true, SeqCst);
        }
        self.shared.card().atr()
    }

    fn apdu(&mut self, apdu: &[u8]) -> Option<Vec<u8>> {
        if self.shared.apdus.load(SeqCst) >= self.shared.pull_at.load(SeqCst) {
            self.shared.pull_at.store(NEVER, SeqCst);
            return None;
        }
        if crate::objects::writes_certificate(apdu)
            && self.shared.pull_at_certificate.swap(false, SeqCst)
        {
            return None;
        }
        let answer = self.shared.card().execute(apdu);
        self.shared.apdus.fetch_add(1, SeqCst);
        Some(answer)
    }
}

fn serve(shared: Arc<Shared>, mut stream: TcpStream) {
    let mut handler = Handler {
        shared: &shared,
        powered: false,
    };
    let stop = || shared.removing.load(SeqCst);
    match vpcd::serve(&mut stream, &mut handler, &stop) {
        Ok(Ended::Stopped) => {
            // vpcd only notices a closed card when it next polls and gets no ATR back.
            let _ = stream.shutdown(Shutdown::Write);
            vpcd::drain_until_closed(&mut stream, REMOVE_PATIENCE);
        }
        _ => {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
    // Pulling a card out loses its volatile state, like a real one.
    shared.card().power_off();
    shared.inserted.store(false, SeqCst);
}
