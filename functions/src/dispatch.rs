//! Sends a record's form mail (coordinator first, then the confirmation)
//! and remembers what was sent. A failed send is not an error for the
//! user: after a temporary failure the record stays pending and the sweep
//! tries again later, with growing pauses; after a permanent refusal (or a
//! mail that cannot be composed) it goes to the fallback inbox instead
//! (dead letter), with a line saying who refused it and why.
//!
//! Every send has a deadline: a request gives its mail a short budget and
//! answers anyway; a sweep (`crate::sweep`) gives what time it has left.

use std::sync::Arc;
use std::time::Instant;

use time::Duration;

use crate::budgets::MAX_BACKOFF;
use crate::clock::Clock;
use crate::mail::{MailError, OutgoingMail, Postman};
use crate::metrics;
use crate::pickup::Links;
use crate::routing::Routing;
use crate::store::{FormMail, Record, Refusal, SubmissionStore};

pub struct Dispatcher {
    store: Arc<dyn SubmissionStore>,
    post: Arc<Postman>,
    /// Signs the coordinator mail's pickup link.
    links: Arc<Links>,
    clock: Arc<dyn Clock>,
    /// Where refused mail goes: `routing.fallback` in directory.toml, as
    /// published when the mail is refused.
    routing: Arc<Routing>,
    /// First pause after a failure; doubles with each further failure.
    retry_base: Duration,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every mail of the record has been handled (sent, or refused and
    /// handed to the fallback inbox).
    Delivered,
    /// Something failed or time ran out; the record stays pending.
    Deferred,
}

impl Dispatcher {
    pub fn new(
        store: Arc<dyn SubmissionStore>,
        post: Arc<Postman>,
        links: Arc<Links>,
        clock: Arc<dyn Clock>,
        routing: Arc<Routing>,
        retry_base: Duration,
    ) -> Self {
        Self { store, post, links, clock, routing, retry_base }
    }

    /// Sends what is still unsent, coordinator first, until `deadline`.
    /// The caller holds the record's lease (a fresh record, or one claimed
    /// by the sweep).
    pub async fn dispatch(&self, record: &Record, deadline: Instant) -> Outcome {
        let mut record = record.clone();
        for mail in record.unsent() {
            if let Err(error) = self.send_or_dead_letter(&mut record, mail, deadline).await {
                tracing::warn!(record = %record.id, ?mail, attempts = record.delivery.attempts + 1,
                    reason = %error.log_summary(), "mail deferred");
                self.defer(&record).await;
                return Outcome::Deferred;
            }
            let now = self.clock.now();
            match self.store.mark_sent(record.id, mail, now, record.pending_after(mail)).await {
                Ok(true) => tracing::info!(record = %record.id, ?mail, "mail sent"),
                Ok(false) => tracing::warn!(record = %record.id, ?mail, "mail was already marked sent"),
                Err(e) => {
                    // Sent but not marked: it will be sent again (same Message-ID).
                    tracing::error!(record = %record.id, ?mail, error = %e, "could not mark mail sent");
                    self.defer(&record).await;
                    return Outcome::Deferred;
                }
            }
            record.mark_sent(mail, now);
        }
        Outcome::Delivered
    }

    /// Sends `mail` to its recipient; after a permanent refusal (now or
    /// earlier) sends it to the fallback inbox instead.
    async fn send_or_dead_letter(&self, record: &mut Record, mail: FormMail, deadline: Instant) -> Result<(), MailError> {
        if record.refusal(mail).is_none() {
            let sent = match self.compose(record, mail, deadline).await {
                Ok(outgoing) => self.post.send(&outgoing, deadline).await,
                Err(e) => Err(e),
            };
            match sent {
                Err(e) if e.is_permanent() => self.refused(record, mail, e).await?,
                other => return other,
            }
        }
        let refusal = record.refusal(mail).expect("refused above or before").clone();
        let fallback = self.routing.current().await.fallback().clone();
        let dead_letter = self.post.composer().dead_letter(record, &refusal, &fallback)?;
        match self.post.send(&dead_letter, deadline).await {
            // The fallback inbox itself refusing is for an operator to fix:
            // keep trying, the pending-mail alarm tells them.
            Err(MailError::Permanent { code, reason }) => Err(MailError::Temporary { code, reason }),
            other => other,
        }
    }

    async fn compose(&self, record: &Record, mail: FormMail, deadline: Instant) -> Result<OutgoingMail, MailError> {
        match mail {
            // Every coordinator mail carries its pickup link.
            FormMail::Coordinator => self.post.composer().coordinator(record, &self.links.link(record, deadline).await?),
            FormMail::Confirmation => self.post.composer().confirmation(record),
        }
    }

    /// Remembers a permanent refusal (or a mail that cannot be composed),
    /// so that the mail is never tried at its address again.
    async fn refused(&self, record: &mut Record, mail: FormMail, error: MailError) -> Result<(), MailError> {
        tracing::warn!(record = %record.id, ?mail, reason = %error.log_summary(), "mail not sent, for good; to the fallback inbox");
        let reason = match error {
            MailError::Permanent { reason, .. } => reason,
            other => other.to_string(),
        };
        let address = record.recipient(mail).map_or_else(String::new, |a| a.to_string());
        record.delivery.refused.push(Refusal { mail, address, reason, at: self.clock.now() });
        self.store
            .set_refused(record.id, &record.delivery.refused)
            .await
            .map_err(|e| MailError::temporary(format!("could not store the refusal: {e}")))?;
        metrics::count(metrics::DEAD_LETTERED, 1);
        Ok(())
    }

    async fn defer(&self, record: &Record) {
        let attempts = record.delivery.attempts.saturating_add(1);
        let next = self.clock.now() + self.backoff(attempts);
        if let Err(e) = self.store.retry_later(record.id, attempts, next).await {
            // The lease runs out by itself; the sweep will find it then.
            tracing::error!(record = %record.id, error = %e, "could not schedule retry");
        }
    }

    /// `retry_base` × 2^(attempts − 1), at most `MAX_BACKOFF`.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2i32.saturating_pow(attempts.saturating_sub(1).min(20));
        let max = Duration::try_from(MAX_BACKOFF).expect("an hour fits");
        (self.retry_base * factor).min(max)
    }
}
