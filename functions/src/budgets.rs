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

/// How long the hand-over of a form whose coordinator mail bounced may try
/// to send it to the fallback inbox; if that does not work out, the
/// record stays pending and the sweep sends it.
pub const FEEDBACK_SEND_BUDGET: Duration = MAIL_TIMEOUT;

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

/// The longest a user waits for "try again in a minute" when the store
/// does not answer: the first store call of a request (the insert) gives up
/// well before this.
pub const STORE_DOWN_ANSWER: Duration = Duration::from_secs(10);

/// What that answer asks for (`Retry-After`, and the text "in a minute").
pub const TRY_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// Store calls one request makes at most, each bounded by `DYNAMODB`: the
/// insert (or the insert and a read of the earlier copy), then per mail a
/// refusal and a "sent" mark, the last one a retry instead.
pub const REQUEST_STORE_CALLS: u32 = 5;

/// Time limits of the calls to one AWS API. The SDK tries a call
/// `attempts` times, each try within `attempt` (connecting within
/// `connect`, the answer's head within `read`), with a random pause below
/// `backoff` between tries; `operation` ends the whole call, retries
/// counted in. Without these the SDK waits for an answer as long as the
/// connection stays open: a silent endpoint held a form post for minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsCalls {
    pub connect: Duration,
    pub read: Duration,
    pub attempt: Duration,
    pub attempts: u32,
    pub backoff: Duration,
    pub operation: Duration,
}

impl AwsCalls {
    /// The longest every try together can take: each one timing out, with
    /// the longest pause between them.
    pub const fn all_attempts(&self) -> Duration {
        let tries = self.attempt.saturating_mul(self.attempts);
        tries.saturating_add(self.backoff.saturating_mul(self.attempts.saturating_sub(1)))
    }
}

/// DynamoDB, the store: a few milliseconds when it works. A request makes
/// up to `REQUEST_STORE_CALLS` of these calls.
pub const DYNAMODB: AwsCalls = AwsCalls {
    connect: Duration::from_millis(500),
    read: Duration::from_secs(1),
    attempt: Duration::from_secs(1),
    attempts: 2,
    backoff: Duration::from_millis(200),
    operation: Duration::from_millis(2500),
};

/// SES v2, one mail per call (raw message, up to a few hundred kB).
pub const SES: AwsCalls = AwsCalls {
    connect: Duration::from_millis(500),
    read: Duration::from_secs(2),
    attempt: Duration::from_secs(2),
    attempts: 2,
    backoff: Duration::from_millis(200),
    operation: Duration::from_millis(4500),
};

/// Secrets Manager, the pickup-link key: read once per Lambda instance.
pub const SECRETS_MANAGER: AwsCalls = AwsCalls {
    connect: Duration::from_millis(500),
    read: Duration::from_secs(1),
    attempt: Duration::from_secs(1),
    attempts: 2,
    backoff: Duration::from_millis(200),
    operation: Duration::from_millis(2500),
};

/// Reading what the site publishes for the function (`crate::site_data`:
/// the routing file and the form pages) from the site's address, through
/// CloudFront: tens of milliseconds when it works. One try: a read that
/// fails falls back to the copy built into the binary at once, and the
/// next read after `SITE_DATA_FRESH` tries again. A request reads the
/// routing before it stores the form, so this comes on top of the store's
/// calls (a test below adds them up).
pub const SITE_DATA: AwsCalls = AwsCalls {
    connect: Duration::from_millis(250),
    read: Duration::from_millis(400),
    attempt: Duration::from_millis(400),
    attempts: 1,
    backoff: Duration::ZERO,
    operation: Duration::from_millis(400),
};

/// How long an answer of the site (or its failure) is kept before the
/// next request reads again: an editor's change is live within a minute
/// of the site's publish, and a site that does not answer costs one
/// request `SITE_DATA.operation` a minute, not every request.
pub const SITE_DATA_FRESH: Duration = Duration::from_secs(60);

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

    const CLIENTS: [(&str, AwsCalls); 3] = [("DynamoDB", DYNAMODB), ("SES", SES), ("Secrets Manager", SECRETS_MANAGER)];

    #[test]
    fn every_aws_call_ends_with_its_retries_counted_in() {
        for (name, calls) in CLIENTS {
            assert!(calls.attempts >= 2, "{name}: one retry at least (a dropped connection is common)");
            assert!(calls.connect <= calls.read && calls.read <= calls.attempt, "{name}: each part fits in a try");
            assert!(calls.all_attempts() <= calls.operation, "{name}: the last try is never cut short");
            assert!(calls.operation < API_GATEWAY_TIMEOUT, "{name}: a call ends before the gateway gives up");
        }
    }

    #[test]
    fn a_request_answers_before_the_gateway_gives_up_even_when_the_store_is_slow() {
        // The routing read, every store call of the request taking its
        // whole time, and the send budget on top.
        let slowest = SITE_DATA.operation + DYNAMODB.operation * REQUEST_STORE_CALLS + REQUEST_SEND_BUDGET;
        assert!(slowest < API_GATEWAY_TIMEOUT, "{slowest:?}");
        // A store that does not answer: the insert fails, the user hears so in time.
        assert!(SITE_DATA.operation + DYNAMODB.operation < STORE_DOWN_ANSWER && STORE_DOWN_ANSWER < API_GATEWAY_TIMEOUT);
        assert!(STORE_DOWN_ANSWER < TRY_AGAIN_AFTER, "by the time they try again, the store has had its chance");
    }

    #[test]
    fn the_pickup_key_and_a_mail_fit_their_send_budgets() {
        // A request reads the key within its send budget: one whole try fits.
        assert!(SECRETS_MANAGER.attempt < REQUEST_SEND_BUDGET);
        // The sweep gives a mail MAIL_TIMEOUT; neither the key nor SES takes longer.
        assert!(SECRETS_MANAGER.operation <= MAIL_TIMEOUT);
        assert!(SES.operation <= MAIL_TIMEOUT);
    }

    #[test]
    fn a_site_that_does_not_answer_costs_little_and_seldom() {
        let calls = SITE_DATA;
        assert!(calls.connect <= calls.read && calls.read <= calls.attempt, "each part fits in the try");
        assert!(calls.all_attempts() <= calls.operation);
        // A form with errors answers with its page well within the user's wait.
        assert!(calls.operation * 2 < USER_WAIT, "the routing and a form page, both timing out");
        assert!(SITE_DATA_FRESH >= calls.operation * 100, "at most one slow read in a hundred times its length");
    }

    #[test]
    fn no_record_is_sent_by_two_senders_at_once() {
        // The lease outlives any single sender: a whole sweep, or a request.
        assert!(SWEEP_BUDGET < LEASE);
        assert!(REQUEST_SEND_BUDGET < LEASE);
        assert!(LEASE < MAX_BACKOFF);
    }
}
