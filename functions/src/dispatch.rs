//! Sends a record's mail and remembers what was sent. A failed send is
//! not an error for the user: the record stays pending and the sweeper
//! tries again later, with growing pauses, until the mail is delivered.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use futures_util::StreamExt;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::mail::{Composer, Mailer};
use crate::pickup::{FollowUpReport, PickupDesk};
use crate::store::{PendingStats, Record, StoreError, SubmissionStore};

/// How long one sender may hold a record before another may try.
pub const LEASE: Duration = Duration::minutes(2);
/// Longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::HOUR;
/// Records a sweep reads at once.
const SWEEP_BATCH: usize = 50;
/// Records sent side by side: enough to drain a backlog quickly, few enough
/// not to flood the mail server.
const SWEEP_CONCURRENCY: usize = 8;
/// How long one sweep starts new batches; leaves room for the batch in
/// flight within the function's Lambda timeout (20 s in infra/).
const SWEEP_BUDGET: StdDuration = StdDuration::from_secs(10);

pub struct Dispatcher {
    store: Arc<dyn SubmissionStore>,
    mailer: Arc<dyn Mailer>,
    composer: Composer,
    /// First pause after a failure; doubles with each further failure.
    retry_base: Duration,
    send_timeout: StdDuration,
    /// Signs the coordinator mail's pickup link; its follow-up runs in each sweep.
    pickup: Arc<PickupDesk>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every mail of the record has been sent.
    Delivered,
    /// Something failed; the record stays pending for the sweeper.
    Deferred,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SweepReport {
    pub due: usize,
    pub delivered: usize,
    pub deferred: usize,
    /// Taken by another sender between reading and claiming.
    pub skipped: usize,
    pub purged: usize,
    pub pending: PendingStats,
    /// Reminders, escalations and referrer notices (`crate::pickup`).
    pub follow_up: FollowUpReport,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn SubmissionStore>,
        mailer: Arc<dyn Mailer>,
        composer: Composer,
        retry_base: Duration,
        pickup: Arc<PickupDesk>,
    ) -> Self {
        Self { store, mailer, composer, retry_base, send_timeout: StdDuration::from_secs(20), pickup }
    }

    pub fn store(&self) -> &Arc<dyn SubmissionStore> {
        &self.store
    }

    /// Sends what is still unsent, coordinator first. The caller holds the
    /// record's lease (a fresh record, or one claimed by the sweeper).
    pub async fn dispatch(&self, record: &Record) -> Outcome {
        let mut record = record.clone();
        for kind in record.unsent() {
            // Every coordinator mail carries its pickup link; without the
            // key it waits, rather than going out without one.
            let link = match kind {
                crate::store::MailKind::Coordinator => match self.pickup.link(&record).await {
                    Ok(link) => Some(link),
                    Err(e) => {
                        tracing::warn!(record = %record.id, error = %e, "mail deferred: no pickup link");
                        self.defer(&record).await;
                        return Outcome::Deferred;
                    }
                },
                _ => None,
            };
            let sent = match self.composer.compose_with_link(&record, kind, link.as_deref()) {
                Ok(mail) => match tokio::time::timeout(self.send_timeout, self.mailer.send(&mail)).await {
                    Ok(result) => result.map_err(|e| e.to_string()),
                    Err(_) => Err("timed out".to_owned()),
                },
                Err(e) => Err(e.to_string()),
            };
            if let Err(reason) = sent {
                tracing::warn!(record = %record.id, mail = ?kind, attempts = record.delivery.attempts + 1, %reason, "mail deferred");
                self.defer(&record).await;
                return Outcome::Deferred;
            }
            let now = OffsetDateTime::now_utc();
            match self.store.mark_sent(record.id, kind, now, record.completes_with(kind)).await {
                Ok(true) => tracing::info!(record = %record.id, mail = ?kind, "mail sent"),
                Ok(false) => tracing::warn!(record = %record.id, mail = ?kind, "mail was already marked sent"),
                Err(e) => {
                    // Sent but not marked: it will be sent again (same Message-ID).
                    tracing::error!(record = %record.id, mail = ?kind, error = %e, "could not mark mail sent");
                    self.defer(&record).await;
                    return Outcome::Deferred;
                }
            }
            match kind {
                crate::store::MailKind::Coordinator => record.delivery.coordinator_sent_at = Some(now),
                crate::store::MailKind::Confirmation => record.delivery.confirmation_sent_at = Some(now),
                _ => {} // pickup mail is sent by crate::pickup, never from `unsent`
            }
        }
        Outcome::Delivered
    }

    async fn defer(&self, record: &Record) {
        let attempts = record.delivery.attempts.saturating_add(1);
        let next = OffsetDateTime::now_utc() + self.backoff(attempts);
        if let Err(e) = self.store.retry_later(record.id, attempts, next).await {
            // The lease runs out by itself; the sweeper will find it then.
            tracing::error!(record = %record.id, error = %e, "could not schedule retry");
        }
    }

    /// `retry_base` × 2^(attempts − 1), at most an hour.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2i32.saturating_pow(attempts.saturating_sub(1).min(20));
        (self.retry_base * factor).min(MAX_BACKOFF)
    }

    /// One pass: report what is pending, drop what has expired, and send
    /// what is due. A backlog (after an SMTP outage) is drained batch after
    /// batch, several records at once, until nothing is due or the pass has
    /// run for `SWEEP_BUDGET`; the next pass takes the rest.
    pub async fn sweep(&self) -> Result<SweepReport, StoreError> {
        let started = std::time::Instant::now();
        let now = OffsetDateTime::now_utc();
        let mut report = SweepReport { purged: self.store.purge_expired(now).await?, ..SweepReport::default() };
        loop {
            let now = OffsetDateTime::now_utc();
            let due = self.store.due(now, SWEEP_BATCH).await?;
            let full_batch = due.len() == SWEEP_BATCH;
            report.due += due.len();
            let outcomes: Vec<Result<Option<Outcome>, StoreError>> = futures_util::stream::iter(due)
                .map(|record| async move {
                    if !self.store.claim(&record, now + LEASE).await? {
                        return Ok(None);
                    }
                    Ok(Some(self.dispatch(&record).await))
                })
                .buffer_unordered(SWEEP_CONCURRENCY)
                .collect()
                .await;
            let mut progress = false;
            for outcome in outcomes {
                match outcome? {
                    None => report.skipped += 1,
                    Some(Outcome::Delivered) => {
                        report.delivered += 1;
                        progress = true;
                    }
                    Some(Outcome::Deferred) => report.deferred += 1,
                }
            }
            // Deferred records move out of `due`; stop when a batch brought
            // nothing through (the mail server is down) or time is up.
            if !full_batch || !progress || started.elapsed() >= SWEEP_BUDGET {
                break;
            }
        }
        report.pending = self.store.pending_stats(OffsetDateTime::now_utc()).await?;
        report.follow_up = self.pickup.follow_up(self.pickup.now()).await?;
        Ok(report)
    }
}

/// CloudWatch Embedded Metric Format: one JSON line on stdout becomes the
/// `Forms/PendingMail*` metrics the alarms in `infra/` watch.
pub fn emit_metrics(stats: &PendingStats) {
    let line = serde_json::json!({
        "_aws": {
            "Timestamp": OffsetDateTime::now_utc().unix_timestamp() * 1000,
            "CloudWatchMetrics": [{
                "Namespace": "Forms",
                "Dimensions": [[]],
                "Metrics": [
                    {"Name": "PendingMail", "Unit": "Count"},
                    {"Name": "PendingMailOverOneHour", "Unit": "Count"}
                ]
            }]
        },
        "PendingMail": stats.pending,
        "PendingMailOverOneHour": stats.over_one_hour,
    });
    println!("{line}");
}
