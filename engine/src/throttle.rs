//! Bounds on the work an unauthenticated request can make Tessera do. Every sign-in costs an
//! argon2 hash (about 19 MiB and tens of milliseconds), and every EST request a database
//! lookup; without bounds, a few hundred parallel requests with random names exhaust memory and
//! starve everything else. Three bounds, in the order a request meets them:
//!
//! 1. a rate limit per source address and a global one (GCRA from the `governor` crate), which
//!    answer at once with 429 and a time to retry;
//! 2. for sign-in, a small fixed number of password hashes at a time, with a short queue; a
//!    request that finds the queue full, or waits too long, gets 503;
//! 3. in the database, per (account, source) growing delays and a limit per source across
//!    account names (`auth`).

use crate::{EngineError, Result};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tessera_process::Words;
use tokio::sync::Semaphore;

/// The rate limits, each as (burst, per minute).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub sign_in_per_source: (u32, u32),
    pub sign_in_global: (u32, u32),
    pub est_per_source: (u32, u32),
    pub est_global: (u32, u32),
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // A burst of 30, then one every two seconds: an office behind one address signs in
            // well within this; a script does not.
            sign_in_per_source: (30, 30),
            // 40 at once, then 20 a second: more than two cores hash.
            sign_in_global: (40, 1200),
            // EST requests that authenticate with an activation code.
            est_per_source: (60, 300),
            est_global: (200, 6000),
        }
    }
}
/// How long a sign-in waits for a hashing slot before it is told to come back.
const HASH_WAIT: Duration = Duration::from_secs(3);
/// Sign-ins that may wait for a slot; more are refused at once.
const HASH_QUEUE: usize = 16;
/// Sources remembered by a keyed limiter before idle ones are forgotten.
const MAX_SOURCES: usize = 10_000;
/// What the sign-in guards count, in every language.
const SIGN_INS: Words = Words::new("sign-ins", "inloggningar");

/// (burst, per minute) as a quota.
fn quota((burst, per_minute): (u32, u32)) -> Quota {
    let n = |v: u32| NonZeroU32::new(v.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n(per_minute)).allow_burst(n(burst))
}

struct Limit {
    per_source: DefaultKeyedRateLimiter<String>,
    global: DefaultDirectRateLimiter,
    what: Words,
}

impl Limit {
    fn new(per_source: (u32, u32), global: (u32, u32), what: Words) -> Limit {
        Limit {
            per_source: RateLimiter::keyed(quota(per_source)),
            global: RateLimiter::direct(quota(global)),
            what,
        }
    }

    fn check(&self, source: &str) -> Result<()> {
        if self.per_source.len() > MAX_SOURCES {
            self.per_source.retain_recent();
            self.per_source.shrink_to_fit();
        }
        let clock = DefaultClock::default();
        let refused = |wait: Duration| EngineError::RateLimited {
            what: self.what,
            seconds: wait.as_secs().max(1),
        };
        self.per_source
            .check_key(&source.to_string())
            .map_err(|n| refused(n.wait_time_from(clock.now())))?;
        self.global
            .check()
            .map_err(|n| refused(n.wait_time_from(clock.now())))
    }
}

/// The bounds of one server process, shared by all its requests.
pub struct Guards {
    sign_in: Limit,
    est: Limit,
    hashing: Semaphore,
    waiting: AtomicUsize,
}

impl std::fmt::Debug for Guards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guards")
            .field("hashing_slots", &self.hashing.available_permits())
            .finish()
    }
}

impl Default for Guards {
    fn default() -> Self {
        Guards::new(Limits::default())
    }
}

impl Guards {
    pub fn new(limits: Limits) -> Guards {
        // One hash per core: more in parallel only adds memory, not throughput.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Guards {
            sign_in: Limit::new(limits.sign_in_per_source, limits.sign_in_global, SIGN_INS),
            est: Limit::new(
                limits.est_per_source,
                limits.est_global,
                Words::new("enrollment requests", "begäranden om registrering"),
            ),
            hashing: Semaphore::new(cores.clamp(1, 4)),
            waiting: AtomicUsize::new(0),
        }
    }
}

/// A slot for one password hash; the next waiting sign-in gets it when this is dropped.
pub struct HashSlot<'a> {
    _permit: tokio::sync::SemaphorePermit<'a>,
}

/// The nice value of a thread that hashes a password: far below the async workers, so that
/// while every slot hashes, health checks and operators' pages still get a core at once.
const HASH_NICE: libc::c_int = 15;

impl HashSlot<'_> {
    /// Runs one password hash in this slot, on a thread of its own at a low CPU priority (a
    /// thread of tokio's blocking pool would keep the priority for other work). A thread per
    /// hash costs microseconds next to tens of milliseconds of argon2.
    pub async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let failed = |e: &dyn std::fmt::Display| EngineError::Crypto(format!("hashing: {e}"));
        let (done, result) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("password-hash".into())
            .spawn(move || {
                lower_priority();
                let _ = done.send(work());
            })
            .map_err(|e| failed(&e))?;
        result.await.map_err(|e| failed(&e))
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: setpriority with this thread's own id changes only this thread's nice value
    // (Linux schedules threads one by one); lowering it needs no privilege.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, HASH_NICE);
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

impl Guards {
    pub fn shared() -> Arc<Guards> {
        Arc::new(Guards::default())
    }

    /// A sign-in from `source` may go on to the password check.
    pub fn admit_sign_in(&self, source: &str) -> Result<()> {
        self.sign_in.check(source)
    }

    /// An EST request from `source` may go on to check its activation code.
    pub fn admit_est(&self, source: &str) -> Result<()> {
        self.est.check(source)
    }

    /// Waits for a hashing slot, briefly; refuses when too many already wait.
    pub async fn hash_slot(&self) -> Result<HashSlot<'_>> {
        let busy = || EngineError::Busy {
            what: SIGN_INS,
            seconds: HASH_WAIT.as_secs(),
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= HASH_QUEUE {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        let permit = tokio::time::timeout(HASH_WAIT, self.hashing.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match permit {
            Ok(Ok(permit)) => Ok(HashSlot { _permit: permit }),
            _ => Err(busy()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_source_is_limited_without_limiting_another() {
        let g = Guards::default();
        let mut admitted = 0;
        for _ in 0..100 {
            if g.admit_sign_in("192.0.2.1").is_ok() {
                admitted += 1;
            }
        }
        assert_eq!(admitted, Limits::default().sign_in_per_source.0);
        let err = g.admit_sign_in("192.0.2.1").unwrap_err();
        assert!(matches!(err, EngineError::RateLimited { seconds, .. } if seconds >= 1));
        assert!(g.admit_sign_in("192.0.2.2").is_ok());
    }

    #[test]
    fn many_sources_meet_the_global_limit() {
        let g = Guards::default();
        let admitted = (0..200)
            .filter(|i| g.admit_sign_in(&format!("198.51.100.{i}")).is_ok())
            .count();
        assert_eq!(admitted, Limits::default().sign_in_global.0 as usize);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_hash_runs_at_a_low_priority() {
        let g = Guards::default();
        let slot = g.hash_slot().await.unwrap();
        // SAFETY: reads the nice value of the calling thread.
        let nice = slot
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) })
            .await
            .unwrap();
        assert!(nice >= HASH_NICE, "nice {nice}");
    }

    #[tokio::test]
    async fn hashing_slots_are_few_and_the_queue_is_short() {
        let g = Arc::new(Guards::default());
        let slots = g.hashing.available_permits();
        let mut held = Vec::new();
        for _ in 0..slots {
            held.push(g.hash_slot().await.unwrap());
        }
        // Everyone else waits, up to the queue's length; one more is refused at once.
        let waiters: Vec<_> = (0..HASH_QUEUE)
            .map(|_| {
                let g = g.clone();
                tokio::spawn(async move { g.hash_slot().await.is_ok() })
            })
            .collect();
        // Once all of them wait, one more is refused at once.
        while g.waiting.load(Ordering::SeqCst) < HASH_QUEUE {
            tokio::task::yield_now().await;
        }
        assert!(matches!(g.hash_slot().await, Err(EngineError::Busy { .. })));
        drop(held);
        let mut served = 0;
        for w in waiters {
            served += usize::from(w.await.unwrap());
        }
        assert_eq!(served, HASH_QUEUE, "freed slots serve the queue");
    }
}
