//! One stored submission: the form, where it was routed, and what has
//! happened since (its mail, the pickup loop). Both stores read and write
//! exactly this; the rules that decide from it (what is still to send,
//! whether it is pending) live here, once.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::keys;
use crate::domain::{EmailAddress, PickerName, Submission};

/// The mails a form causes when it comes in; each is marked sent on the
/// record (`*_sent_at`), or refused for good (`Refusal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormMail {
    /// To the coordinator the form was routed to.
    Coordinator,
    /// To the sender (or referrer), when they gave an email address.
    Confirmation,
}

impl FormMail {
    pub fn as_str(self) -> &'static str {
        match self {
            FormMail::Coordinator => "coordinator",
            FormMail::Confirmation => "confirmation",
        }
    }

    /// Where the store records that this mail was handled.
    pub fn sent_at_key(self) -> &'static str {
        match self {
            FormMail::Coordinator => keys::COORDINATOR_SENT_AT,
            FormMail::Confirmation => keys::CONFIRMATION_SENT_AT,
        }
    }
}

/// A step of the pickup follow-up that happens once per record, each with
/// its own mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpStep {
    /// The routed coordinator was reminded.
    Reminded,
    /// The fallback inbox was told nobody picked the form up.
    Escalated,
    /// The referrer heard that their referral was picked up.
    ReferrerTold,
}

impl FollowUpStep {
    /// Where the store records the step.
    pub fn key(self) -> &'static str {
        match self {
            FollowUpStep::Reminded => keys::REMINDED_AT,
            FollowUpStep::Escalated => keys::ESCALATED_AT,
            FollowUpStep::ReferrerTold => keys::REFERRER_TOLD_AT,
        }
    }

    /// The step's mail, as its Message-ID and outbox file name it.
    pub fn mail_name(self) -> &'static str {
        match self {
            FollowUpStep::Reminded => "reminder",
            FollowUpStep::Escalated => "escalation",
            FollowUpStep::ReferrerTold => "pickedup",
        }
    }
}

/// One stored submission and the state of its mail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub id: Uuid,
    pub submission: Submission,
    pub routed_to: EmailAddress,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// The privacy consent (and, on a referral, the parent's consent) was
    /// given with the form: its time is the time received.
    #[serde(with = "time::serde::rfc3339")]
    pub consent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub delivery: Delivery,
    pub pickup: Pickup,
}

/// Each mail's `*_sent_at` says it was handled: sent to its recipient, or,
/// after a permanent refusal (listed in `refused`), to the fallback inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    #[serde(with = "time::serde::rfc3339::option")]
    pub coordinator_sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub confirmation_sent_at: Option<OffsetDateTime>,
    /// Mails a server refused for good: the dead-letter state. Such a mail
    /// is never tried at its address again; it goes to the fallback inbox.
    pub refused: Vec<Refusal>,
    /// What the mail service reported after it had taken a mail: bounces
    /// and complaints (SES), each once.
    pub feedback: Vec<Feedback>,
    pub attempts: u32,
    /// Nobody sends before this time; also serves as a lease while a
    /// sender is busy with the record.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
}

/// Who took the form on, and what the sweeper did while nobody did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pickup {
    #[serde(with = "time::serde::rfc3339::option")]
    pub picked_up_at: Option<OffsetDateTime>,
    /// The first name or initials the coordinator gave, if any.
    pub picked_up_by: Option<PickerName>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub reminded_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub escalated_at: Option<OffsetDateTime>,
    /// When the referrer heard that their referral was picked up.
    #[serde(with = "time::serde::rfc3339::option")]
    pub referrer_told_at: Option<OffsetDateTime>,
    /// When the sweeper looks at this record next; `None`: nothing left
    /// to do. Also a lease while one sweeper works on it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub follow_up_at: Option<OffsetDateTime>,
}

/// A permanent refusal: which mail, which address refused it and why
/// (the server's answer), and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub mail: FormMail,
    pub address: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A bounce or complaint about one of the record's mails, reported after
/// the mail service had accepted it. `id` is the report's own id (SES's
/// `feedbackId`): the same report twice is recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub id: String,
    /// Which mail: its name in the Message-ID (`coordinator`, `pickedup`, …).
    pub mail: String,
    pub kind: FeedbackKind,
    /// What the receiving side said (status and diagnostic code), or the
    /// complaint's feedback type.
    pub detail: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedbackKind {
    Bounce,
    Complaint,
}

/// What a report changes on a record (`SubmissionStore::record_feedback`):
/// its feedback list, and, when a mail to the coordinator did not arrive,
/// that form mail back to unsent with its refusal, so the dispatcher hands
/// it to the fallback inbox.
#[derive(Debug, Clone, Copy)]
pub struct FeedbackChange<'a> {
    pub feedback: &'a [Feedback],
    pub reopen: Option<Reopen<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Reopen<'a> {
    pub mail: FormMail,
    /// The whole refusal list, the new refusal included.
    pub refused: &'a [Refusal],
    /// The caller holds the record until then (as a fresh record's sender).
    pub next_attempt_at: OffsetDateTime,
}

impl Record {
    /// Whether the report with this id was recorded before.
    pub fn has_feedback(&self, id: &str) -> bool {
        self.delivery.feedback.iter().any(|f| f.id == id)
    }

    /// The record as it is once `change` is stored.
    pub fn with_feedback(&self, change: FeedbackChange<'_>) -> Record {
        let mut after = self.clone();
        after.delivery.feedback = change.feedback.to_vec();
        if let Some(reopen) = change.reopen {
            after.delivery.refused = reopen.refused.to_vec();
            after.delivery.next_attempt_at = reopen.next_attempt_at;
            match reopen.mail {
                FormMail::Coordinator => after.delivery.coordinator_sent_at = None,
                FormMail::Confirmation => after.delivery.confirmation_sent_at = None,
            }
        }
        after
    }

    /// A new record, owned by its first sender until `lease` has passed.
    pub fn new(
        id: Uuid,
        submission: Submission,
        routed_to: EmailAddress,
        now: OffsetDateTime,
        retention: Duration,
        lease: Duration,
    ) -> Self {
        let now = truncate_to_millis(now);
        Self {
            id,
            submission,
            routed_to,
            received_at: now,
            consent_at: now,
            expires_at: now + retention,
            delivery: Delivery {
                coordinator_sent_at: None,
                confirmation_sent_at: None,
                refused: Vec::new(),
                feedback: Vec::new(),
                attempts: 0,
                next_attempt_at: now + lease,
            },
            // The sweeper's first look plans the reminder (its working
            // days are configuration, which a record does not know).
            pickup: Pickup { follow_up_at: Some(now), ..Pickup::default() },
        }
    }

    pub fn wants_confirmation(&self) -> bool {
        self.submission.reply_to().is_some()
    }

    /// Who `mail` is for.
    pub fn recipient(&self, mail: FormMail) -> Option<&EmailAddress> {
        match mail {
            FormMail::Coordinator => Some(&self.routed_to),
            FormMail::Confirmation => self.submission.reply_to().map(|(_, email)| email),
        }
    }

    /// The refusal of `mail`, if its recipient refused it for good.
    pub fn refusal(&self, mail: FormMail) -> Option<&Refusal> {
        self.delivery.refused.iter().find(|r| r.mail == mail)
    }

    /// The mails still to send, coordinator first.
    pub fn unsent(&self) -> Vec<FormMail> {
        let mut mails = Vec::new();
        if self.delivery.coordinator_sent_at.is_none() {
            mails.push(FormMail::Coordinator);
        }
        if self.wants_confirmation() && self.delivery.confirmation_sent_at.is_none() {
            mails.push(FormMail::Confirmation);
        }
        mails
    }

    /// Whether form mail is still to be sent: what both stores write as
    /// `pending`, and the sweep looks for.
    pub fn is_pending(&self) -> bool {
        !self.unsent().is_empty()
    }

    /// Whether the record stays pending once `mail` is marked sent.
    pub fn pending_after(&self, mail: FormMail) -> bool {
        self.unsent().iter().any(|m| *m != mail)
    }

    /// The record as it is once `mail` was handled at `at`.
    pub fn mark_sent(&mut self, mail: FormMail, at: OffsetDateTime) {
        match mail {
            FormMail::Coordinator => self.delivery.coordinator_sent_at = Some(at),
            FormMail::Confirmation => self.delivery.confirmation_sent_at = Some(at),
        }
    }
}

/// Storage keeps milliseconds; so does a fresh record, so that a record
/// read back equals the one written.
pub fn truncate_to_millis(t: OffsetDateTime) -> OffsetDateTime {
    from_millis(to_millis(t))
}

pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
