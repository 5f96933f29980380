//! Sends a record's mail and remembers what was sent. A failed send is
//! not an error for the user: after a temporary failure the record stays
//! pending and the sweeper tries again later, with growing pauses; after a
//! permanent refusal the mail goes to the fallback inbox instead (dead
//! letter), with a line saying who refused it and why.
//!
//! Every send has a deadline: a request gives its mail a short budget and
//! answers anyway; a sweep stops claiming records when its time is up.

use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;
use time::Duration;

use crate::budgets::{MAIL_TIMEOUT, MAX_BACKOFF, MIN_TIME_TO_CLAIM};
use crate::clock::Clock;
use crate::domain::EmailAddress;
use crate::mail::{Composer, MailError, Mailer, OutgoingMail};
use crate::metrics;
use crate::pickup::{FollowUpReport, PickupDesk};
use crate::store::{MailKind, PendingStats, Record, Refusal, StoreError, SubmissionStore};

/// Records a sweep reads at once.
const SWEEP_BATCH: usize = 50;
/// Records sent side by side: enough to drain a backlog quickly, few enough
/// not to flood the mail server.
const SWEEP_CONCURRENCY: usize = 8;

pub struct Dispatcher {
    store: Arc<dyn SubmissionStore>,
    mailer: Arc<dyn Mailer>,
    composer: Composer,
    clock: Arc<dyn Clock>,
    /// Where refused mail goes: `routing.fallback` in directory.toml.
    fallback: EmailAddress,
    /// First pause after a failure; doubles with each further failure.
    retry_base: Duration,
    /// Signs the coordinator mail's pickup link; its follow-up runs in each sweep.
    pickup: Arc<PickupDesk>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every mail of the record has been handled (sent, or refused and
    /// handed to the fallback inbox).
    Delivered,
    /// Something failed or time ran out; the record stays pending.
    Deferred,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct SweepReport {
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
    pub pending: PendingStats,
    /// Reminders, escalations and referrer notices (`crate::pickup`).
    pub follow_up: FollowUpReport,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn SubmissionStore>,
        mailer: Arc<dyn Mailer>,
        composer: Composer,
        clock: Arc<dyn Clock>,
        fallback: EmailAddress,
        retry_base: Duration,
        pickup: Arc<PickupDesk>,
    ) -> Self {
        Self { store, mailer, composer, clock, fallback, retry_base, pickup }
    }

    /// Sends what is still unsent, coordinator first, until `deadline`.
    /// The caller holds the record's lease (a fresh record, or one claimed
    /// by the sweeper).
    pub async fn dispatch(&self, record: &Record, deadline: Instant) -> Outcome {
        let mut record = record.clone();
        for kind in record.unsent() {
            match self.send_or_dead_letter(&mut record, kind, deadline).await {
                Ok(()) => {}
                Err(error) => {
                    tracing::warn!(record = %record.id, mail = ?kind, attempts = record.delivery.attempts + 1,
                        reason = %error.log_summary(), "mail deferred");
                    self.defer(&record).await;
                    return Outcome::Deferred;
                }
            }
            let now = self.clock.now();
            match self.store.mark_sent(record.id, kind, now, record.completes_with(kind)).await {
                Ok(true) => tracing::info!(record = %record.id, mail = ?kind, "mail sent"),
                Ok(false) => {
                    tracing::warn!(record = %record.id, mail = ?kind, "mail was already marked sent")
                }
                Err(e) => {
                    // Sent but not marked: it will be sent again (same Message-ID).
                    tracing::error!(record = %record.id, mail = ?kind, error = %e, "could not mark mail sent");
                    self.defer(&record).await;
                    return Outcome::Deferred;
                }
            }
            match kind {
                MailKind::Coordinator => record.delivery.coordinator_sent_at = Some(now),
                MailKind::Confirmation => record.delivery.confirmation_sent_at = Some(now),
                _ => {} // pickup mail is sent by crate::pickup, never from `unsent`
            }
        }
        Outcome::Delivered
    }

    /// Sends `kind` to its recipient; after a permanent refusal (now or
    /// earlier) sends it to the fallback inbox instead.
    async fn send_or_dead_letter(&self, record: &mut Record, kind: MailKind, deadline: Instant) -> Result<(), MailError> {
        if record.refusal(kind).is_none() {
            // Every coordinator mail carries its pickup link; without the
            // key it waits (a temporary failure), rather than going out without.
            // Reading the key counts against the send's deadline.
            let link = match kind {
                MailKind::Coordinator => {
                    let budget = deadline.saturating_duration_since(Instant::now());
                    let link = tokio::time::timeout(budget, self.pickup.link(record))
                        .await
                        .map_err(|_| MailError::temporary(format!("no pickup link: no key within {} ms", budget.as_millis())))?;
                    Some(link.map_err(|e| {
                        // The key's source and the store's answer; no personal data.
                        tracing::warn!(record = %record.id, error = %e, "no pickup link yet");
                        MailError::temporary(format!("no pickup link: {e}"))
                    })?)
                }
                _ => None,
            };
            let mail = self.composer.compose_with_link(record, kind, link.as_deref())?;
            let recipient = recipient(&mail);
            match self.send(&mail, deadline).await {
                Err(MailError::Permanent { code, reason }) => {
                    tracing::warn!(record = %record.id, mail = ?kind, code, "mail refused for good; to the fallback inbox");
                    let refusal = Refusal { mail: kind, address: recipient, reason, at: self.clock.now() };
                    record.delivery.refused.push(refusal);
                    self.store
                        .set_refused(record.id, &record.delivery.refused)
                        .await
                        .map_err(|e| MailError::temporary(format!("could not store the refusal: {e}")))?;
                    metrics::count(metrics::DEAD_LETTERED, 1);
                }
                other => return other,
            }
        }
        let refusal = record.refusal(kind).expect("refused above or before").clone();
        let mail = self.composer.dead_letter(record, &refusal, &self.fallback)?;
        match self.send(&mail, deadline).await {
            // The fallback inbox itself refusing is for an operator to fix:
            // keep trying, the pending-mail alarm tells them.
            Err(MailError::Permanent { code, reason }) => Err(MailError::Temporary { code, reason }),
            other => other,
        }
    }

    async fn send(&self, mail: &OutgoingMail, deadline: Instant) -> Result<(), MailError> {
        let budget = deadline.saturating_duration_since(Instant::now()).min(MAIL_TIMEOUT);
        if budget.is_zero() {
            return Err(MailError::temporary("no time left"));
        }
        match tokio::time::timeout(budget, self.mailer.send(mail)).await {
            Ok(result) => result,
            Err(_) => Err(MailError::temporary(format!("no answer within {} ms", budget.as_millis()))),
        }
    }

    async fn defer(&self, record: &Record) {
        let attempts = record.delivery.attempts.saturating_add(1);
        let next = self.clock.now() + self.backoff(attempts);
        if let Err(e) = self.store.retry_later(record.id, attempts, next).await {
            // The lease runs out by itself; the sweeper will find it then.
            tracing::error!(record = %record.id, error = %e, "could not schedule retry");
        }
    }

    /// `retry_base` × 2^(attempts − 1), at most `MAX_BACKOFF`.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2i32.saturating_pow(attempts.saturating_sub(1).min(20));
        let max = Duration::try_from(MAX_BACKOFF).expect("an hour fits");
        (self.retry_base * factor).min(max)
    }

    /// One pass: report what is pending, drop what has expired, and send
    /// what is due until `deadline`. A backlog (after an SMTP outage) is
    /// drained batch after batch, several records at once; no record is
    /// claimed without time left to send it. A record that cannot be read
    /// is set aside and counted; the others still go out.
    pub async fn sweep(&self, deadline: Instant, lease: Duration) -> Result<SweepReport, StoreError> {
        let mut report = SweepReport { purged: self.store.purge_expired(self.clock.now()).await?, ..SweepReport::default() };
        loop {
            let now = self.clock.now();
            let due = self.store.due(now, SWEEP_BATCH).await?;
            let full_batch = due.len() == SWEEP_BATCH;
            report.due += due.len();
            let mut records = Vec::with_capacity(due.len());
            for entry in due {
                match entry {
                    Ok(record) => records.push(record),
                    Err(unreadable) => {
                        report.unreadable += 1;
                        tracing::error!(record = %unreadable.id, "stored record cannot be read; set aside");
                        let until = now + Duration::try_from(MAX_BACKOFF).expect("an hour fits");
                        if let Err(e) = self.store.postpone(&unreadable.id, until).await {
                            tracing::error!(record = %unreadable.id, error = %e, "could not set the record aside");
                        }
                    }
                }
            }
            let tries: Vec<Result<Try, StoreError>> = futures_util::stream::iter(records)
                .map(|record| async move {
                    if deadline.saturating_duration_since(Instant::now()) < MIN_TIME_TO_CLAIM {
                        return Ok(Try::NoTimeLeft);
                    }
                    if !self.store.claim(&record, now + lease).await? {
                        return Ok(Try::Taken);
                    }
                    Ok(Try::Sent(self.dispatch(&record, deadline).await))
                })
                .buffer_unordered(SWEEP_CONCURRENCY)
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
            if !full_batch || !progress || deadline.saturating_duration_since(Instant::now()) < MIN_TIME_TO_CLAIM {
                break;
            }
        }
        if report.unreadable > 0 {
            metrics::count(metrics::UNREADABLE, report.unreadable as u64);
        }
        report.follow_up = self.pickup.follow_up(self.clock.now(), deadline).await?;
        report.pending = self.store.pending_stats(self.clock.now()).await?;
        Ok(report)
    }
}

/// What became of one due record in a sweep.
enum Try {
    NoTimeLeft,
    Taken,
    Sent(Outcome),
}

/// The envelope's recipient: one per mail.
fn recipient(mail: &OutgoingMail) -> String {
    mail.message.envelope().to().first().map(|a| a.to_string()).unwrap_or_default()
}
