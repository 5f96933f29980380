//! Every time budget in one place, so they cannot contradict each other.
//! `infra/template.yaml` sets the Lambda and API Gateway timeouts; its
//! checks compare them with the values here.

use std::time::Duration;

/// The longest a user waits for an answer to a form post (the "about 2 seconds").
pub const USER_WAIT: Duration = Duration::from_secs(2);

/// How long a request tries to send its mail before it answers anyway and
/// leaves the rest pending for the sweeper. The rest of `USER_WAIT` is for
/// reading, parsing and storing.
pub const REQUEST_SEND_BUDGET: Duration = Duration::from_millis(1500);

/// The longest one mail may take in the sweeper (connect, talk, send).
/// A mail server slower than this counts as a temporary failure.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one sweep runs: it claims no record after this, and a mail in
/// flight is cut off at this point (and retried later).
pub const SWEEP_BUDGET: Duration = Duration::from_secs(14);

/// A claim is only worth making if a send can still finish before the
/// sweep's deadline.
pub const MIN_TIME_TO_CLAIM: Duration = Duration::from_millis(500);

/// Time a Lambda sweep keeps after its last send for the bookkeeping
/// (pending counts, metrics) before the Lambda deadline.
pub const SWEEP_MARGIN: Duration = Duration::from_secs(3);

/// `Timeout` of the function in `infra/template.yaml`.
pub const LAMBDA_TIMEOUT: Duration = Duration::from_secs(20);

/// `TimeoutInMillis` of the API Gateway integration in `infra/template.yaml`.
pub const API_GATEWAY_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a sender holds a record before another may try (stored as the
/// record's next attempt time while it is busy).
pub const LEASE: Duration = Duration::from_secs(120);

/// Longest pause between two attempts at the same mail.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_answers_within_the_users_wait_and_the_gateways_timeout() {
        assert!(REQUEST_SEND_BUDGET < USER_WAIT);
        assert!(USER_WAIT < API_GATEWAY_TIMEOUT);
        assert!(API_GATEWAY_TIMEOUT <= LAMBDA_TIMEOUT, "the gateway gives up before the function is stopped");
    }

    #[test]
    fn a_sweep_ends_before_lambda_stops_it() {
        assert!(SWEEP_BUDGET + SWEEP_MARGIN <= LAMBDA_TIMEOUT);
        assert!(MIN_TIME_TO_CLAIM < MAIL_TIMEOUT && MAIL_TIMEOUT < SWEEP_BUDGET, "a sweep can send at least one mail");
    }

    #[test]
    fn no_record_is_sent_by_two_senders_at_once() {
        // The lease outlives any single sender: a whole sweep, or a request.
        assert!(SWEEP_BUDGET < LEASE);
        assert!(REQUEST_SEND_BUDGET < LEASE);
        assert!(LEASE < MAX_BACKOFF);
    }
}
