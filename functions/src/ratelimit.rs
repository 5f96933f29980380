//! At most N form posts per client per minute: enough for a person who
//! corrects a few mistakes, too few for a flood.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter as Governor};

/// The client's address, as the transport knows it (socket locally,
/// CloudFront's viewer address on AWS). Set by the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

pub struct RateLimiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
}

impl RateLimiter {
    pub fn per_minute(n: u32) -> Option<Self> {
        let n = NonZeroU32::new(n)?;
        Some(Self { inner: Governor::keyed(Quota::per_minute(n)) })
    }

    /// `Err(seconds)` when the client must wait that long.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.inner.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            wait.as_secs().max(1)
        })
    }

    /// Forgets clients that have been quiet, so memory stays flat.
    pub fn forget_quiet_clients(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
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
}
