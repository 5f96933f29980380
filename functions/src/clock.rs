//! Where "now" comes from. The service and the sweeper ask a `Clock`, never
//! the system directly, so rules that depend on time (retention, backoff,
//! when mail is due) can be tested with a clock the test moves.

use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The real time, in UTC.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until a test sets or advances it.
#[derive(Debug)]
pub struct TestClock {
    now: Mutex<OffsetDateTime>,
}

impl TestClock {
    pub fn at(now: OffsetDateTime) -> Self {
        Self { now: Mutex::new(now) }
    }

    /// Starts at the real time now, then stands still.
    pub fn starting_now() -> Self {
        Self::at(OffsetDateTime::now_utc())
    }

    pub fn set(&self, now: OffsetDateTime) {
        *self.lock() = now;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OffsetDateTime> {
        // A test that panicked while holding the lock left a valid time.
        self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_test_clock_moves_only_when_told() {
        let clock = TestClock::at(datetime!(2026-03-02 09:00 UTC));
        assert_eq!(clock.now(), datetime!(2026-03-02 09:00 UTC));
        clock.advance(Duration::hours(25));
        assert_eq!(clock.now(), datetime!(2026-03-03 10:00 UTC));
        clock.set(datetime!(2026-01-01 00:00 UTC));
        assert_eq!(clock.now(), datetime!(2026-01-01 00:00 UTC));
    }
}
