//! The sweeper's pickup step: plan the reminder, send it, escalate, tell
//! the referrer. Each mail is sent once: a record is taken with a lease
//! (its follow-up time moved forward, only if nobody moved it since it was
//! read) before the mail goes out, and the step is recorded only if it was
//! not recorded before. A crash between sending and recording sends it
//! again after the lease, with the same Message-ID (as with form mail).

use std::time::Instant;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{PickupDesk, mail};
use crate::budgets::{LEASE, MAIL_TIMEOUT, MIN_TIME_TO_CLAIM, REQUEST_SEND_BUDGET};
use crate::domain::FormKind;
use crate::mail::{MailError, OutgoingMail};
use crate::store::{FollowUpStep, Record, StoreError};

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
    /// Open forms past their escalation time (the metric).
    pub past_escalation: u64,
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

impl PickupDesk {
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
            let due = self.escalation_due(reminded);
            return if now >= due { Action::Escalate } else { Action::Wait(due) };
        }
        let due = self.reminder_due(record.received_at);
        match (now >= due, record.delivery.coordinator_sent_at) {
            (false, _) => Action::Wait(due),
            // Remind of a mail nobody got yet? Wait for it to go out.
            (true, None) => Action::Wait(now + WAIT_FOR_FIRST_MAIL),
            (true, Some(_)) => Action::Remind,
        }
    }

    /// Whether an open form is past the time it was (or should have been) escalated.
    pub fn is_past_escalation(&self, record: &Record, now: OffsetDateTime) -> bool {
        let p = &record.pickup;
        p.picked_up_at.is_none() && (p.escalated_at.is_some() || p.reminded_at.is_some_and(|r| now >= self.escalation_due(r)))
    }

    /// One pass over what is due; takes nothing it cannot finish by `deadline`.
    pub async fn follow_up(&self, now: OffsetDateTime, deadline: Instant) -> Result<FollowUpReport, StoreError> {
        let time_left = || deadline.saturating_duration_since(Instant::now()) >= MIN_TIME_TO_CLAIM;
        let mut report = FollowUpReport::default();
        while time_left() {
            let due = self.store.follow_ups_due(now, BATCH).await?;
            let full = due.len() == BATCH;
            report.due += due.len();
            let mut progress = false;
            for record in due {
                if !time_left() {
                    break;
                }
                progress |= self.step(&record, now, deadline, &mut report).await?;
            }
            if !full || !progress {
                break;
            }
        }
        report.past_escalation = self.store.open_forms().await?.iter().filter(|r| self.is_past_escalation(r, now)).count() as u64;
        Ok(report)
    }

    /// Returns whether the record left the due list.
    async fn step(
        &self,
        record: &Record,
        now: OffsetDateTime,
        deadline: Instant,
        report: &mut FollowUpReport,
    ) -> Result<bool, StoreError> {
        let action = self.action(record, now);
        let moved = match action {
            Action::Close => self.store.move_follow_up(record, None).await?,
            Action::Wait(at) => self.store.move_follow_up(record, Some(at)).await?,
            Action::Remind | Action::Escalate | Action::TellReferrer => {
                let lease = Duration::try_from(LEASE).expect("the lease fits");
                if !self.store.move_follow_up(record, Some(now + lease)).await? {
                    report.skipped += 1;
                    return Ok(true);
                }
                return self.send(record, action, now, deadline, report).await;
            }
        };
        match (moved, action) {
            (false, _) => report.skipped += 1,
            (true, Action::Close) => report.closed += 1,
            (true, _) => report.planned += 1,
        }
        Ok(true)
    }

    /// Sends the mail of a taken record and records the step.
    async fn send(
        &self,
        record: &Record,
        action: Action,
        now: OffsetDateTime,
        deadline: Instant,
        report: &mut FollowUpReport,
    ) -> Result<bool, StoreError> {
        let (step, next) = match action {
            Action::Remind => (FollowUpStep::Reminded, Some(self.escalation_due(now))),
            Action::Escalate => (FollowUpStep::Escalated, Some(record.expires_at)),
            _ => (FollowUpStep::ReferrerTold, None),
        };
        let mail = match self.compose(record, step, now).await {
            Ok(mail) => mail,
            Err(reason) => {
                tracing::error!(record = %record.id, ?step, %reason, "pickup mail could not be composed");
                report.failed += 1;
                return Ok(false);
            }
        };
        let budget = deadline.saturating_duration_since(Instant::now()).min(MAIL_TIMEOUT);
        let sent = match tokio::time::timeout(budget, self.mailer.send(&mail)).await {
            Ok(result) => result,
            Err(_) => Err(MailError::temporary("timed out")),
        };
        match sent {
            Ok(()) => {}
            // Refused for good (say, the referrer's address is gone): trying
            // again every lease would not help. Recorded as done; the form
            // itself still escalates to the fallback inbox if nobody acts.
            Err(e) if e.is_permanent() => {
                tracing::warn!(record = %record.id, ?step, reason = %e.log_summary(), "pickup mail refused for good");
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

    async fn compose(&self, record: &Record, step: FollowUpStep, now: OffsetDateTime) -> Result<OutgoingMail, String> {
        let days = self.reminder_working_days;
        match step {
            FollowUpStep::Reminded => {
                let link = self.link(record).await.map_err(|e| e.to_string())?;
                mail::reminder(&self.composer, record, &link, days)
            }
            FollowUpStep::Escalated => {
                let link = self.link(record).await.map_err(|e| e.to_string())?;
                mail::escalation(&self.composer, record, &self.fallback, &link, now)
            }
            FollowUpStep::ReferrerTold => mail::referrer_notice(&self.composer, record),
        }
        .map_err(|e| e.to_string())
    }

    /// After a pickup: tell the referrer at once if we can (the sweeper
    /// does it otherwise).
    pub async fn after_pickup(&self, record: &Record, now: OffsetDateTime) {
        let mut report = FollowUpReport::default();
        if let Err(e) = self.step(record, now, Instant::now() + REQUEST_SEND_BUDGET, &mut report).await {
            tracing::warn!(record = %record.id, error = %e, "referrer notice left to the sweeper");
        }
    }
}
