//! The sweep's second step, beside the mail step: plan the reminder, send
//! it, escalate, tell the referrer. Each mail is sent once: a record is
//! taken with a lease (its follow-up time moved forward, only if nobody
//! moved it since it was read) before the mail goes out, and the step is
//! recorded only if it was not recorded before. A crash between sending
//! and recording sends it again after the lease, with the same Message-ID
//! (as with form mail).

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::workdays::{due_if_started_before, end_of_working_days_after};
use super::{Links, mail};
use crate::budgets::{LEASE, MIN_TIME_TO_CLAIM, REQUEST_SEND_BUDGET};
use crate::domain::FormKind;
use crate::mail::{MailError, OutgoingMail, Postman};
use crate::metrics;
use crate::routing::Routing;
use crate::store::{FollowUpStep, Queue, Record, StoreError, SubmissionStore};
use crate::sweep::set_aside;

/// Records read at once.
const BATCH: usize = 50;
/// A reminder waits for the first mail: look again after this long.
const WAIT_FOR_FIRST_MAIL: Duration = Duration::minutes(10);

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct FollowUpReport {
    pub due: usize,
    pub reminded: usize,
    pub escalated: usize,
    pub referrers_told: usize,
    /// Planned for later (the first look at a new form, mostly).
    pub planned: usize,
    /// Nothing left to do.
    pub closed: usize,
    /// Taken by another sweeper, or changed meanwhile.
    pub skipped: usize,
    /// A mail that failed; tried again once the lease has passed.
    pub failed: usize,
    /// Stored records that no longer parse; set aside, ids in the log.
    pub unreadable: usize,
    /// Open forms past their escalation time (the metric).
    pub past_escalation: u64,
    /// Why the step stopped early, if it did; the counts above stand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a due record needs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Out of the follow-up: picked up and done, or past retention.
    Close,
    /// Look again then.
    Wait(OffsetDateTime),
    Remind,
    Escalate,
    TellReferrer,
}

/// The pickup loop's part of the service: the rule, and its mails.
pub struct FollowUp {
    store: Arc<dyn SubmissionStore>,
    post: Arc<Postman>,
    links: Arc<Links>,
    /// The fallback inbox of `site/data/directory.toml`, as published.
    routing: Arc<Routing>,
    /// Before the reminder, and again before the escalation (`[follow_up]`
    /// in site/data/directory.toml, as built in).
    working_days: u32,
}

impl FollowUp {
    pub fn new(
        store: Arc<dyn SubmissionStore>,
        post: Arc<Postman>,
        links: Arc<Links>,
        routing: Arc<Routing>,
        working_days: u32,
    ) -> Self {
        Self { store, post, links, routing, working_days }
    }

    /// The rule, in one place, as a pure function of the record and `now`.
    pub fn action(&self, record: &Record, now: OffsetDateTime) -> Action {
        let p = &record.pickup;
        if now >= record.expires_at {
            return Action::Close;
        }
        if p.picked_up_at.is_some() {
            let referral = record.submission.kind() == FormKind::Referral;
            return if referral && p.referrer_told_at.is_none() { Action::TellReferrer } else { Action::Close };
        }
        if p.escalated_at.is_some() {
            // Stays listed as open until picked up or expired.
            return Action::Wait(record.expires_at);
        }
        if let Some(reminded) = p.reminded_at {
            let due = self.after_working_days(reminded);
            return if now >= due { Action::Escalate } else { Action::Wait(due) };
        }
        let due = self.after_working_days(record.received_at);
        match (now >= due, record.delivery.coordinator_sent_at) {
            (false, _) => Action::Wait(due),
            // Remind of a mail nobody got yet? Wait for it to go out.
            (true, None) => Action::Wait(now + WAIT_FOR_FIRST_MAIL),
            (true, Some(_)) => Action::Remind,
        }
    }

    /// When the reminder is due after a form came in, or the escalation
    /// after the reminder.
    fn after_working_days(&self, from: OffsetDateTime) -> OffsetDateTime {
        end_of_working_days_after(from, self.working_days)
    }

    /// One pass over what is due, taking nothing it cannot finish by
    /// `deadline`, then the count of open forms past their escalation. A
    /// store error ends the pass; what was done stands in the report.
    pub async fn run(&self, now: OffsetDateTime, deadline: Instant) -> FollowUpReport {
        let mut report = FollowUpReport::default();
        let passed = self.pass(now, deadline, &mut report).await;
        if report.unreadable > 0 {
            metrics::count(metrics::UNREADABLE, report.unreadable as u64);
        }
        let reminded_before = due_if_started_before(now, self.working_days);
        let counted = self.store.count_past_escalation(reminded_before).await;
        if let Ok(n) = counted {
            report.past_escalation = n;
            metrics::count(metrics::PAST_ESCALATION, n);
        }
        report.error = passed.and(counted.map(drop)).err().map(|e| e.to_string());
        report
    }

    async fn pass(&self, now: OffsetDateTime, deadline: Instant, report: &mut FollowUpReport) -> Result<(), StoreError> {
        let time_left = || deadline.saturating_duration_since(Instant::now()) >= MIN_TIME_TO_CLAIM;
        while time_left() {
            let due = self.store.follow_ups_due(now, BATCH).await?;
            let full = due.len() == BATCH;
            report.due += due.len();
            let mut progress = false;
            for loaded in due {
                if !time_left() {
                    break;
                }
                progress |= match loaded {
                    Ok(record) => self.step(&record, now, deadline, report).await?,
                    Err(unreadable) => {
                        report.unreadable += 1;
                        set_aside(&*self.store, &unreadable, Queue::FollowUp, now).await
                    }
                };
            }
            if !full || !progress {
                break;
            }
        }
        Ok(())
    }

    /// Returns whether the record left the due list.
    async fn step(
        &self,
        record: &Record,
        now: OffsetDateTime,
        deadline: Instant,
        report: &mut FollowUpReport,
    ) -> Result<bool, StoreError> {
        let step = match self.action(record, now) {
            Action::Close => {
                let moved = self.store.move_follow_up(record, None).await?;
                *(if moved { &mut report.closed } else { &mut report.skipped }) += 1;
                return Ok(true);
            }
            Action::Wait(at) => {
                let moved = self.store.move_follow_up(record, Some(at)).await?;
                *(if moved { &mut report.planned } else { &mut report.skipped }) += 1;
                return Ok(true);
            }
            Action::Remind => FollowUpStep::Reminded,
            Action::Escalate => FollowUpStep::Escalated,
            Action::TellReferrer => FollowUpStep::ReferrerTold,
        };
        let lease = Duration::try_from(LEASE).expect("the lease fits");
        if !self.store.move_follow_up(record, Some(now + lease)).await? {
            report.skipped += 1;
            return Ok(true);
        }
        self.send(record, step, now, deadline, report).await
    }

    /// Sends the mail of a taken record and records the step.
    async fn send(
        &self,
        record: &Record,
        step: FollowUpStep,
        now: OffsetDateTime,
        deadline: Instant,
        report: &mut FollowUpReport,
    ) -> Result<bool, StoreError> {
        let next = match step {
            FollowUpStep::Reminded => Some(self.after_working_days(now)),
            FollowUpStep::Escalated => Some(record.expires_at),
            FollowUpStep::ReferrerTold => None,
        };
        let sent = match self.compose(record, step, now, deadline).await {
            Ok(mail) => self.post.send(&mail, deadline).await,
            Err(e) => Err(e),
        };
        match sent {
            Ok(()) => {}
            // Refused for good (say, the referrer's address is gone) or not
            // composable: trying again every lease would not help. Recorded
            // as done; the form itself still escalates if nobody acts.
            Err(e) if e.is_permanent() => {
                tracing::warn!(record = %record.id, ?step, reason = %e.log_summary(), "pickup mail not sent, for good");
            }
            Err(e) => {
                tracing::warn!(record = %record.id, ?step, reason = %e.log_summary(), "pickup mail deferred");
                report.failed += 1;
                return Ok(false);
            }
        }
        if self.store.record_step(record.id, step, now, next).await? {
            tracing::info!(record = %record.id, ?step, "pickup mail sent");
            match step {
                FollowUpStep::Reminded => report.reminded += 1,
                FollowUpStep::Escalated => report.escalated += 1,
                FollowUpStep::ReferrerTold => report.referrers_told += 1,
            }
        } else {
            tracing::warn!(record = %record.id, ?step, "pickup step was already recorded");
        }
        Ok(true)
    }

    /// The step's mail. Without the link's key it waits (a temporary
    /// failure) rather than going out without its link.
    async fn compose(
        &self,
        record: &Record,
        step: FollowUpStep,
        now: OffsetDateTime,
        deadline: Instant,
    ) -> Result<OutgoingMail, MailError> {
        let composer = self.post.composer();
        match step {
            FollowUpStep::Reminded => {
                mail::reminder(composer, record, &self.links.link(record, deadline).await?, self.working_days)
            }
            FollowUpStep::Escalated => {
                let fallback = self.routing.current().await.fallback().clone();
                mail::escalation(composer, record, &fallback, &self.links.link(record, deadline).await?, now)
            }
            FollowUpStep::ReferrerTold => mail::referrer_notice(composer, record),
        }
    }

    /// After a pickup: tell the referrer at once if we can (the sweep does
    /// it otherwise).
    pub async fn after_pickup(&self, record: &Record, now: OffsetDateTime) {
        let mut report = FollowUpReport::default();
        if let Err(e) = self.step(record, now, Instant::now() + REQUEST_SEND_BUDGET, &mut report).await {
            tracing::warn!(record = %record.id, error = %e, "referrer notice left to the sweeper");
        }
    }
}
