//! At most N form posts per client per minute: enough for a person who
//! corrects a few mistakes, too few for a flood.
//!
//! Quiet clients are forgotten as posts come in, so a warm Lambda instance
//! (which runs no background task between invocations) keeps its memory
//! bounded just as the local server does.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter as Governor};

/// The client's address, as the transport knows it (socket locally,
/// CloudFront's viewer address on AWS). Set by the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Every this many checks, clients quiet for a full period are dropped.
const FORGET_EVERY: u32 = 256;

pub struct RateLimiter<C: Clock = DefaultClock> {
    inner: Governor<IpAddr, DefaultKeyedStateStore<IpAddr>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    checks: AtomicU32,
}

impl RateLimiter {
    pub fn per_minute(n: u32) -> Option<Self> {
        Self::per_minute_on(n, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    pub fn per_minute_on(n: u32, clock: C) -> Option<Self> {
        let n = NonZeroU32::new(n)?;
        let inner = Governor::new(Quota::per_minute(n), DefaultKeyedStateStore::default(), clock.clone());
        Some(Self { inner, clock, checks: AtomicU32::new(0) })
    }

    /// `Err(seconds)` when the client must wait that long.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.forget_quiet_clients();
        }
        self.inner.check_key(&client).map_err(|not_until| not_until.wait_time_from(self.clock.now()).as_secs().max(1))
    }

    /// Forgets clients that have been quiet, so memory stays flat.
    pub fn forget_quiet_clients(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }

    /// Clients remembered now.
    pub fn tracked_clients(&self) -> usize {
        self.inner.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn the_n_plus_first_post_in_a_minute_must_wait() {
        let limiter = RateLimiter::per_minute(3).unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limiter.check(ip), Ok(()));
        }
        assert!(limiter.check(ip).is_err());
        // Another client is not affected.
        assert_eq!(limiter.check("192.0.2.2".parse().unwrap()), Ok(()));
    }

    #[test]
    fn zero_means_no_limit() {
        assert!(RateLimiter::per_minute(0).is_none());
    }

    /// As on Lambda: no background task, only posts. Clients quiet for a
    /// minute are forgotten by later posts; active ones are remembered.
    #[test]
    fn posts_alone_forget_quiet_clients() {
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::per_minute_on(10, clock.clone()).unwrap();
        let client = |i: u32| IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        for i in 0..2000 {
            limiter.check(client(i)).unwrap();
        }
        assert!(limiter.tracked_clients() >= 1900, "{} remembered", limiter.tracked_clients());
        clock.advance(Duration::from_secs(61));
        let flooder = client(99_999);
        for _ in 0..FORGET_EVERY {
            let _ = limiter.check(flooder);
        }
        assert_eq!(limiter.tracked_clients(), 1, "only the active client is remembered");
        assert!(limiter.check(flooder).is_err(), "and it is still limited");
    }
}
