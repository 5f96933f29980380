//! Bounces and complaints: what SES reports after it accepted a mail. Over
//! SMTP a refused address answers at once and `crate::dispatch` hands the
//! form to the fallback inbox; SES accepts first and reports later, so the
//! same hand-over starts here. The rule:
//!
//! * a bounce of a mail to the coordinator (the form mail, or its
//!   reminder): that form mail goes back to unsent with the bounce as its
//!   refusal, and the dispatcher sends the form to the fallback inbox with
//!   the diagnostic on top, at once (or the sweep does, if that fails);
//! * a bounce of any other mail (the confirmation, the referrer's notice,
//!   a mail to the fallback inbox), and every complaint: recorded on the
//!   form, never sent again;
//! * the same report twice (its `feedbackId`): nothing changes;
//! * a mail we do not know (not our Message-ID, or no such record any
//!   more): logged by its ids only.
//!
//! Every bounce type counts, transient ones too: SES reports a transient
//! bounce only once it has stopped trying, so the mail did not arrive and
//! waiting for it helps nobody. The type is in the diagnostic.

pub mod event;

use std::time::Instant;

use serde::Serialize;
use time::Duration;
use uuid::Uuid;

use crate::budgets::{FEEDBACK_SEND_BUDGET, LEASE};
use crate::clock::Clock;
use crate::dispatch::{Dispatcher, Outcome};
use crate::mail::MailRef;
use crate::metrics;
use crate::store::{Cause, Feedback, FeedbackChange, FeedbackKind, FormMail, Refusal, Reopen, StoreError, SubmissionStore};
use crate::words;

pub use event::{Event, NotAnEvent, Notice};

/// The SES event types this takes, as a configuration set's event
/// destination names them (`MatchingEventTypes`); every other type is
/// ignored.
pub const EVENT_TYPES: [&str; 2] = ["bounce", "complaint"];

/// Reads of a record that kept changing under us before we give up (the
/// caller, SNS or the operator, tries again).
const WRITE_ATTEMPTS: usize = 3;

/// What became of one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Taken {
    /// A mail to the coordinator bounced: the form went to the fallback
    /// inbox (`sent`), or waits for the sweep to send it there.
    HandedToFallback { record: Uuid, sent: bool },
    /// Recorded on the form; nothing is sent.
    Recorded { record: Uuid },
    /// This report was recorded before: nothing changed.
    Repeated { record: Uuid },
    /// Not a mail of ours, or its form is no longer stored.
    UnknownMail,
    /// Not a bounce or a complaint.
    Ignored { event_type: String },
}

/// Takes one report: records it once, and hands a form whose coordinator
/// mail bounced to the fallback inbox through `dispatcher`.
pub async fn take(
    store: &dyn SubmissionStore,
    dispatcher: &Dispatcher,
    clock: &dyn Clock,
    notice: &Notice,
) -> Result<Taken, StoreError> {
    let ses_message = notice.ses_message_id.as_str();
    let (feedback_id, kind) = match &notice.event {
        Event::Bounce(b) => (b.feedback_id.as_str(), FeedbackKind::Bounce),
        Event::Complaint(c) => (c.feedback_id.as_str(), FeedbackKind::Complaint),
        Event::Other(event_type) => {
            tracing::info!(ses_message, event_type, "SES event: not a bounce or complaint, ignored");
            return Ok(Taken::Ignored { event_type: event_type.clone() });
        }
    };
    let Some(mail) = notice.message_id.as_deref().and_then(MailRef::parse) else {
        tracing::warn!(ses_message, feedback = feedback_id, ?kind, "SES report about a mail that is not ours");
        return Ok(Taken::UnknownMail);
    };
    let name = mail.kind.as_str();
    for _ in 0..WRITE_ATTEMPTS {
        let Some(record) = store.get(mail.record).await? else {
            tracing::warn!(record = %mail.record, mail = name, ses_message, feedback = feedback_id, ?kind,
                "SES report about a form that is not stored (erased, or past its retention)");
            return Ok(Taken::UnknownMail);
        };
        if record.has_feedback(feedback_id) {
            tracing::info!(record = %record.id, mail = name, feedback = feedback_id, "SES report seen before");
            return Ok(Taken::Repeated { record: record.id });
        }
        let now = clock.now();
        let detail = match &notice.event {
            Event::Bounce(b) => format!("{}/{}: {}", b.bounce_type, b.bounce_sub_type, b.diagnostic()),
            Event::Complaint(c) => c.detail(),
            Event::Other(_) => unreachable!("returned above"),
        };
        let mut feedback = record.delivery.feedback.clone();
        feedback.push(Feedback { id: feedback_id.to_owned(), mail: name.to_owned(), kind, detail, at: now });
        let to_coordinator = kind == FeedbackKind::Bounce && mail.kind.is_to_coordinator();
        // Handed over once: a later bounce (the reminder's) is only recorded.
        let hand_over = to_coordinator && record.refusal(FormMail::Coordinator).is_none();
        let mut refused = record.delivery.refused.clone();
        if hand_over && let Event::Bounce(bounce) = &notice.event {
            let reason = words::bounce_reason(&bounce.bounce_type, &bounce.bounce_sub_type, &bounce.diagnostic());
            refused.push(Refusal { mail: FormMail::Coordinator, address: record.routed_to.to_string(), reason, at: now });
        }
        let lease = Duration::try_from(LEASE).expect("the lease fits");
        let reopen = hand_over.then(|| Reopen { mail: FormMail::Coordinator, refused: &refused, next_attempt_at: now + lease });
        let change = FeedbackChange { feedback: &feedback, reopen };
        if !store.record_feedback(&record, change).await? {
            continue; // changed meanwhile (or erased): read it again
        }
        if to_coordinator {
            metrics::count(metrics::COORDINATOR_BOUNCED, 1);
        }
        tracing::warn!(record = %record.id, mail = name, ses_message, feedback = feedback_id, ?kind, hand_over,
            "SES report recorded");
        if !hand_over {
            return Ok(Taken::Recorded { record: record.id });
        }
        let outcome = dispatcher.dispatch(&record.with_feedback(change), Instant::now() + FEEDBACK_SEND_BUDGET).await;
        return Ok(Taken::HandedToFallback { record: record.id, sent: outcome == Outcome::Delivered });
    }
    Err(StoreError::Unavailable(Cause::Refused(format!(
        "the form changed while its SES report was recorded, {WRITE_ATTEMPTS} times; try again"
    ))))
}
