//! The sweep: what the local server runs every `SWEEP_INTERVAL_SECONDS`
//! and EventBridge Scheduler runs on Lambda. Two steps side by side, each
//! with its own report and metrics, so that one failing never hides the
//! other: the mail step here (form mail still pending), and the pickup
//! follow-up (`crate::pickup::follow_up`).

use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::budgets::{LEASE, MAX_BACKOFF, MIN_TIME_TO_CLAIM};
use crate::clock::Clock;
use crate::dispatch::{Dispatcher, Outcome};
use crate::metrics;
use crate::pickup::FollowUpReport;
use crate::store::{PendingStats, Queue, StoreError, SubmissionStore, Unreadable};

/// Records the mail step reads at once.
const BATCH: usize = 50;
/// Records sent side by side: enough to drain a backlog quickly, few enough
/// not to flood the mail server.
const CONCURRENCY: usize = 8;

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub mail: MailReport,
    /// Reminders, escalations and referrer notices (`crate::pickup`).
    pub follow_up: FollowUpReport,
}

impl SweepReport {
    /// The first step's error, if a step stopped early.
    pub fn error(&self) -> Option<&str> {
        self.mail.error.as_deref().or(self.follow_up.error.as_deref())
    }
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct MailReport {
    pub due: usize,
    pub delivered: usize,
    pub deferred: usize,
    /// Taken by another sender between reading and claiming.
    pub skipped: usize,
    /// Due but left for the next sweep: no time left to send them.
    pub left_for_later: usize,
    /// Stored records that no longer parse; set aside, ids in the log.
    pub unreadable: usize,
    pub purged: usize,
    /// What is still pending after the step (`None` if it could not be read).
    pub pending: Option<PendingStats>,
    /// Why the step stopped early, if it did; the counts above stand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What became of one due record.
enum Try {
    NoTimeLeft,
    Taken,
    Sent(Outcome),
}

/// The mail step: drop what has expired, send what is due until
/// `deadline`, then report what is pending. A backlog (after an SMTP
/// outage) is drained batch after batch, several records at once; no
/// record is claimed without time left to send it. A record that cannot
/// be read is set aside and counted; the others still go out.
pub async fn mail_step(store: &dyn SubmissionStore, dispatcher: &Dispatcher, clock: &dyn Clock, deadline: Instant) -> MailReport {
    let mut report = MailReport::default();
    let sent = send_due(store, dispatcher, clock, deadline, &mut report).await;
    if report.unreadable > 0 {
        metrics::count(metrics::UNREADABLE, report.unreadable as u64);
    }
    let pending = store.pending_stats(clock.now()).await;
    if let Ok(stats) = &pending {
        metrics::pending(stats);
        report.pending = Some(*stats);
    }
    report.error = sent.and(pending.map(drop)).err().map(|e| e.to_string());
    report
}

async fn send_due(
    store: &dyn SubmissionStore,
    dispatcher: &Dispatcher,
    clock: &dyn Clock,
    deadline: Instant,
    report: &mut MailReport,
) -> Result<(), StoreError> {
    let time_left = || deadline.saturating_duration_since(Instant::now()) >= MIN_TIME_TO_CLAIM;
    let lease = Duration::try_from(LEASE).expect("the lease fits");
    report.purged = store.purge_expired(clock.now()).await?;
    loop {
        let now = clock.now();
        let due = store.due(now, BATCH).await?;
        let full_batch = due.len() == BATCH;
        report.due += due.len();
        let mut records = Vec::with_capacity(due.len());
        for loaded in due {
            match loaded {
                Ok(record) => records.push(record),
                Err(unreadable) => {
                    report.unreadable += 1;
                    set_aside(store, &unreadable, Queue::Mail, now).await;
                }
            }
        }
        let tries: Vec<Result<Try, StoreError>> = futures_util::stream::iter(records)
            .map(|record| async move {
                if !time_left() {
                    return Ok(Try::NoTimeLeft);
                }
                if !store.claim(&record, now + lease).await? {
                    return Ok(Try::Taken);
                }
                Ok(Try::Sent(dispatcher.dispatch(&record, deadline).await))
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut progress = false;
        for tried in tries {
            match tried? {
                Try::NoTimeLeft => report.left_for_later += 1,
                Try::Taken => report.skipped += 1,
                Try::Sent(Outcome::Delivered) => {
                    report.delivered += 1;
                    progress = true;
                }
                Try::Sent(Outcome::Deferred) => report.deferred += 1,
            }
        }
        // Deferred records move out of `due`; stop when a batch brought
        // nothing through (the mail server is down) or time is up.
        if !full_batch || !progress || !time_left() {
            return Ok(());
        }
    }
}

/// A record that no longer parses is logged by id only and set aside in
/// `queue` for an hour, so it never stands first in line for ever (both
/// steps do this). Returns whether it moved.
pub(crate) async fn set_aside(store: &dyn SubmissionStore, unreadable: &Unreadable, queue: Queue, now: OffsetDateTime) -> bool {
    tracing::error!(record = %unreadable.id, ?queue, "stored record cannot be read; set aside");
    let until = now + Duration::try_from(MAX_BACKOFF).expect("an hour fits");
    match store.postpone(&unreadable.id, queue, until).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(record = %unreadable.id, ?queue, error = %e, "could not set the record aside");
            false
        }
    }
}
