//! The card-reader bridge: PC/SC readers watched by one thread, PIV cards encoded as jobs that
//! are recorded before the first APDU and committed after the last.

pub mod encode;
pub mod jobs;
pub mod monitor;
pub mod panel;
pub mod reader;
pub mod reconcile;
pub mod secrets;
pub mod target;
pub use tessera_piv::{apdu, mgmt_key, piv, tlv};

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tessera_process::bridge::{EncodingStep, JobState, ReaderSnapshot, StepStatus, StepView};
use tokio::sync::watch;
use zeroize::Zeroizing;

/// How long a new PIN waits in memory for the operator who started the job.
pub const PIN_KEPT: std::time::Duration = std::time::Duration::from_secs(600);

/// The running bridge: the readers' snapshot, which readers are busy, and the live progress of
/// the jobs this process runs. Cheap to clone.
#[derive(Clone)]
pub struct Bridge {
    shared: Arc<Shared>,
}

struct Shared {
    tx: watch::Sender<ReaderSnapshot>,
    raw: Mutex<ReaderSnapshot>,
    busy: Mutex<HashSet<String>>,
    generations: Mutex<HashMap<String, u64>>,
    live: Mutex<HashMap<i64, Live>>,
    batches: Mutex<HashMap<i64, BatchRun>>,
    stop: AtomicBool,
    /// A monitor publishes the readers; without one, the bridge cannot tell which exist.
    monitored: AtomicBool,
}

/// A batch order's production while this process runs it (encoding card after card).
#[derive(Clone, Default)]
pub struct BatchRun {
    pub running: bool,
    /// What it waits for, or how it ended.
    pub message: Option<String>,
    /// The job under way.
    pub job: Option<i64>,
    /// The operator who started it: the only one shown the new PINs.
    pub started_by: i64,
    /// New PINs by card, each handed out once.
    pub pins: HashMap<i64, Zeroizing<String>>,
    pub stop_requested: bool,
}

/// A job's progress as this process sees it while it runs.
#[derive(Clone)]
pub struct Live {
    pub state: JobState,
    pub steps: Vec<StepView>,
    pub error: Option<String>,
    /// Handed to the operator who started the job, once.
    pub pin: Option<Zeroizing<String>>,
    pub pin_delivered: bool,
}

impl Live {
    fn new() -> Live {
        Live {
            state: JobState::Encoding,
            steps: EncodingStep::ALL
                .iter()
                .map(|s| StepView {
                    step: *s,
                    status: StepStatus::Pending,
                    detail: None,
                })
                .collect(),
            error: None,
            pin: None,
            pin_delivered: false,
        }
    }
}

impl std::fmt::Debug for Bridge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bridge")
    }
}

impl Default for Bridge {
    fn default() -> Self {
        Self::new()
    }
}

impl Bridge {
    /// A bridge without a monitor (tests drive readers themselves).
    pub fn new() -> Bridge {
        let (tx, _) = watch::channel(ReaderSnapshot::default());
        Bridge {
            shared: Arc::new(Shared {
                tx,
                raw: Mutex::new(ReaderSnapshot::default()),
                busy: Mutex::default(),
                generations: Mutex::default(),
                live: Mutex::default(),
                batches: Mutex::default(),
                stop: AtomicBool::new(false),
                monitored: AtomicBool::new(false),
            }),
        }
    }

    /// A bridge with its reader monitor thread running.
    pub fn start() -> Bridge {
        let bridge = Bridge::new();
        bridge.shared.monitored.store(true, Ordering::Relaxed);
        monitor::spawn(Arc::new(bridge.clone()));
        bridge
    }

    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }

    /// The readers and cards now.
    pub fn readers(&self) -> ReaderSnapshot {
        self.shared.tx.borrow().clone()
    }

    /// Every change of [`Bridge::readers`], for the live view.
    pub fn subscribe(&self) -> watch::Receiver<ReaderSnapshot> {
        self.shared.tx.subscribe()
    }

    fn republish(&self) {
        let mut snap = lock(&self.shared.raw).clone();
        let busy = lock(&self.shared.busy);
        for r in &mut snap.readers {
            r.busy = busy.contains(&r.name);
        }
        self.shared.tx.send_replace(snap);
    }

    /// Takes `reader` for a job until the claim is dropped; refuses a reader already in use,
    /// and one the monitor does not list.
    pub fn claim(&self, reader: &str) -> crate::Result<ReaderClaim> {
        if self.shared.monitored.load(Ordering::Relaxed)
            && !self.readers().readers.iter().any(|r| r.name == reader)
        {
            return Err(crate::EngineError::bad_input(
                "reader",
                tessera_process::said!(
                    "There is no card reader \"{reader}\" on the Tessera server; choose one of the readers listed.",
                    "Det finns ingen kortläsare ”{reader}” på Tessera-servern; välj en av läsarna i listan."
                ),
            ));
        }
        if !lock(&self.shared.busy).insert(reader.to_string()) {
            return Err(crate::EngineError::NotNow(tessera_process::said!(
                "The reader \"{reader}\" is busy with another job; wait for it or use another reader.",
                "Läsaren ”{reader}” är upptagen med ett annat jobb; vänta på det eller använd en annan läsare."
            )));
        }
        self.republish();
        Ok(ReaderClaim {
            bridge: self.clone(),
            reader: reader.to_string(),
        })
    }

    pub(crate) fn live_start(&self, job: i64) {
        lock(&self.shared.live).insert(job, Live::new());
    }

    pub(crate) fn live_update(&self, job: i64, f: impl FnOnce(&mut Live)) {
        if let Some(l) = lock(&self.shared.live).get_mut(&job) {
            f(l)
        }
    }

    pub fn live(&self, job: i64) -> Option<Live> {
        lock(&self.shared.live).get(&job).cloned()
    }

    /// Drops a finished job's live progress (and an uncollected PIN) after a while: the
    /// operator who started it has that long to see the PIN.
    pub(crate) fn forget_later(&self, job: i64) {
        let bridge = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(PIN_KEPT).await;
            lock(&bridge.shared.live).remove(&job);
        });
    }

    /// The new PIN of a finished job, once: whoever asks second gets nothing.
    /// Marks batch `id` as running for `started_by`; false if it already runs.
    pub fn batch_begin(&self, id: i64, started_by: i64) -> bool {
        let mut b = lock(&self.shared.batches);
        let run = b.entry(id).or_default();
        if run.running {
            return false;
        }
        // PINs the last run's operator did not collect are not handed to the next one.
        *run = BatchRun {
            running: true,
            started_by,
            ..BatchRun::default()
        };
        true
    }

    /// Asks the run of batch `id` to stop after its card; false if it does not run.
    pub fn batch_request_stop(&self, id: i64) -> bool {
        let mut b = lock(&self.shared.batches);
        match b.get_mut(&id) {
            Some(r) if r.running => {
                r.stop_requested = true;
                true
            }
            _ => false,
        }
    }

    pub fn batch_update(&self, id: i64, f: impl FnOnce(&mut BatchRun)) {
        let mut b = lock(&self.shared.batches);
        f(b.entry(id).or_default());
    }

    /// The run of batch `id` without its PINs.
    pub fn batch(&self, id: i64) -> Option<BatchRun> {
        let b = lock(&self.shared.batches);
        b.get(&id).map(|r| BatchRun {
            pins: HashMap::new(),
            ..r.clone()
        })
    }

    /// The new PINs of batch `id`, once, and only to the operator who started it.
    pub fn batch_take_pins(&self, id: i64, account: i64) -> HashMap<i64, Zeroizing<String>> {
        let mut b = lock(&self.shared.batches);
        match b.get_mut(&id) {
            Some(r) if r.started_by == account => std::mem::take(&mut r.pins),
            _ => HashMap::new(),
        }
    }

    pub fn take_pin(&self, job: i64) -> Option<Zeroizing<String>> {
        let mut live = lock(&self.shared.live);
        let l = live.get_mut(&job)?;
        let pin = l.pin.take();
        if pin.is_some() {
            l.pin_delivered = true;
        }
        pin
    }
}

/// A reader held by a job.
pub struct ReaderClaim {
    bridge: Bridge,
    pub reader: String,
}

impl Drop for ReaderClaim {
    fn drop(&mut self) {
        let shared = &self.bridge.shared;
        *lock(&shared.generations)
            .entry(self.reader.clone())
            .or_default() += 1;
        lock(&shared.busy).remove(&self.reader);
        self.bridge.republish();
    }
}

impl monitor::Sink for Bridge {
    fn publish(&self, snapshot: ReaderSnapshot) {
        *lock(&self.shared.raw) = snapshot;
        self.republish();
    }

    fn busy(&self, reader: &str) -> bool {
        lock(&self.shared.busy).contains(reader)
    }

    fn generation(&self, reader: &str) -> u64 {
        lock(&self.shared.generations)
            .get(reader)
            .copied()
            .unwrap_or(0)
    }

    fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::Relaxed)
    }
}

/// The bridge's state behind a lock. A thread that panicked while holding it leaves the state
/// as it was at the panic, which is still the best the bridge knows; it goes on with that
/// rather than failing every later request too.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
