use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The engine's time: the system clock, plus an offset a test moves forward to let time pass
/// without rewriting stored timestamps. Clones share the offset, so that moving the engine's
/// clock moves the clock of every transaction and worker it handed out.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// The system time plus the offset, to the microsecond: timestamps are stored to the
    /// microsecond so that every backend gives back what was written.
    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::microseconds(self.offset_micros.load(Ordering::Relaxed));
        let system = Utc::now();
        let n = system.checked_add_signed(offset).unwrap_or(system);
        DateTime::from_timestamp_micros(n.timestamp_micros()).unwrap_or(n)
    }

    /// Lets `by` pass for this clock and its clones. Only tests move time: a server's clock is
    /// the system's.
    #[cfg(feature = "testing")]
    pub fn advance(&self, by: chrono::Duration) {
        // Beyond ±292,000 years an offset means nothing; saturating keeps `now` defined.
        let by = by
            .num_microseconds()
            .unwrap_or(if by < chrono::Duration::zero() {
                i64::MIN
            } else {
                i64::MAX
            });
        // The update always answers `Some`, so it cannot fail.
        let _ = self
            .offset_micros
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(by))
            });
    }
}

pub fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
