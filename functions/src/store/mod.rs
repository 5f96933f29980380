//! Where submissions live until their retention ends. Stored first,
//! before any mail: a crash or a mail outage can delay a mail, never lose
//! a form.

mod dynamodb;
// Local and test store; the Lambda build leaves it out (zip size).
#[cfg(feature = "sqlite")]
mod sqlite;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::domain::{EmailAddress, PickerName, Submission};

pub use dynamodb::{DynamoStore, TableSpec};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// The two mails a submission causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailKind {
    /// To the coordinator the form was routed to.
    Coordinator,
    /// To the sender (or referrer), when they gave an email address.
    Confirmation,
    /// To the same coordinator, when nobody picked the form up in time.
    Reminder,
    /// To the fallback inbox, when the reminder did not help either.
    Escalation,
    /// To the referrer, when their referral was picked up.
    PickedUp,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Coordinator => "coordinator",
            MailKind::Confirmation => "confirmation",
            MailKind::Reminder => "reminder",
            MailKind::Escalation => "escalation",
            MailKind::PickedUp => "pickedup",
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

/// A step of the pickup follow-up that happens once per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUpStep {
    Reminded,
    Escalated,
    ReferrerTold,
}

impl FollowUpStep {
    /// The column / attribute that records the step.
    pub fn field(self) -> &'static str {
        match self {
            FollowUpStep::Reminded => "reminded_at",
            FollowUpStep::Escalated => "escalated_at",
            FollowUpStep::ReferrerTold => "referrer_told_at",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum PickedUp {
    /// This request picked it up.
    Now,
    /// Someone had already: nothing changed.
    Before,
    /// No such record (erased, or past its retention).
    Missing,
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
    pub attempts: u32,
    /// Nobody sends before this time; also serves as a lease while a
    /// sender is busy with the record.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
}

impl Record {
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

    /// The refusal of `kind`, if its recipient refused it for good.
    pub fn refusal(&self, kind: MailKind) -> Option<&Refusal> {
        self.delivery.refused.iter().find(|r| r.mail == kind)
    }

    /// The mails still to send, coordinator first.
    pub fn unsent(&self) -> Vec<MailKind> {
        let mut kinds = Vec::new();
        if self.delivery.coordinator_sent_at.is_none() {
            kinds.push(MailKind::Coordinator);
        }
        if self.wants_confirmation() && self.delivery.confirmation_sent_at.is_none() {
            kinds.push(MailKind::Confirmation);
        }
        kinds
    }

    pub fn is_pending(&self) -> bool {
        !self.unsent().is_empty()
    }

    /// Whether marking `kind` sent finishes this record's mail.
    pub fn completes_with(&self, kind: MailKind) -> bool {
        self.unsent().iter().all(|k| *k == kind)
    }
}

/// A permanent refusal: which mail, which address refused it and why
/// (the server's answer), and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub mail: MailKind,
    pub address: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A stored record that no longer parses (e.g. after a rule was
/// tightened). Only its id is ever shown; the problem names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: String,
    pub problem: String,
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

#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// A record with this id exists: the same form was sent again.
    Duplicate,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PendingStats {
    pub pending: u64,
    pub over_one_hour: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
    #[error("a stored record could not be read: {0}")]
    Corrupt(String),
}

#[async_trait]
pub trait SubmissionStore: Send + Sync {
    /// Stores the record unless one with its id exists.
    async fn insert(&self, record: &Record) -> Result<Inserted, StoreError>;

    async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError>;

    /// Pending records whose next attempt is due, earliest first. A record
    /// that does not parse comes back as `Unreadable`, so one bad record
    /// never hides the others.
    async fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Result<Record, Unreadable>>, StoreError>;

    /// Takes the record for one send attempt by moving its next attempt to
    /// `until`, only if nobody else moved it since it was read. `false`
    /// means another sender has it.
    async fn claim(&self, record: &Record, until: OffsetDateTime) -> Result<bool, StoreError>;

    /// Marks one mail sent, only if it was not marked before. `completes`
    /// says this was the record's last unsent mail. `false` means it was
    /// already marked (by another sender).
    async fn mark_sent(&self, id: Uuid, kind: MailKind, at: OffsetDateTime, completes: bool) -> Result<bool, StoreError>;

    /// After a failed attempt: count it and set when to try again.
    async fn retry_later(&self, id: Uuid, attempts: u32, next_attempt_at: OffsetDateTime) -> Result<(), StoreError>;

    /// Moves a pending record's next attempt to `until`, by id alone (for a
    /// record that cannot be read, so nothing else of it is known).
    async fn postpone(&self, id: &str, until: OffsetDateTime) -> Result<(), StoreError>;

    /// Records the permanent refusals of a record's mail (the whole list).
    async fn set_refused(&self, id: Uuid, refused: &[Refusal]) -> Result<(), StoreError>;

    async fn pending_stats(&self, now: OffsetDateTime) -> Result<PendingStats, StoreError>;

    /// Every record that holds this address (as sender, family or referrer),
    /// oldest first. One that no longer parses comes back as `Unreadable`:
    /// a data request must see that it exists, not stop at it.
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Result<Record, Unreadable>>, StoreError>;

    /// Deletes every record that holds this address; returns how many.
    async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError>;

    /// Deletes records past their retention (DynamoDB does this itself).
    async fn purge_expired(&self, now: OffsetDateTime) -> Result<usize, StoreError>;

    /// Records whose pickup follow-up is due, earliest first.
    async fn follow_ups_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Record>, StoreError>;

    /// Moves the follow-up from what `record` holds to `next` (`None`:
    /// nothing left to do), only if nobody moved it since it was read.
    /// Taking it as a lease before a mail works the same way.
    async fn move_follow_up(&self, record: &Record, next: Option<OffsetDateTime>) -> Result<bool, StoreError>;

    /// Records a once-only step and the next follow-up, only if the step
    /// was not recorded before. `false`: it was.
    async fn record_step(
        &self,
        id: Uuid,
        step: FollowUpStep,
        at: OffsetDateTime,
        next: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError>;

    /// Marks the form picked up, only if nobody did before; `follow_up`
    /// is when the sweeper should look again (the referrer's mail).
    async fn pick_up(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: Option<&PickerName>,
        follow_up: Option<OffsetDateTime>,
    ) -> Result<PickedUp, StoreError>;

    /// Every record nobody picked up yet, oldest first.
    async fn open_forms(&self) -> Result<Vec<Record>, StoreError>;
}

fn submission_json(record: &Record) -> String {
    serde_json::to_string(&record.submission).expect("a Submission always serialises")
}

fn submission_from_json(json: &str) -> Result<Submission, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn refused_json(refused: &[Refusal]) -> String {
    serde_json::to_string(refused).expect("refusals always serialise")
}

fn refused_from_json(json: Option<&str>) -> Result<Vec<Refusal>, StoreError> {
    json.map_or(Ok(Vec::new()), |j| serde_json::from_str(j).map_err(|_| StoreError::Corrupt("refused".into())))
}

/// Parse problems of a record become `Unreadable`; it keeps the id.
fn readable(id: &str, parsed: Result<Record, StoreError>) -> Result<Record, Unreadable> {
    parsed.map_err(|e| Unreadable { id: id.to_owned(), problem: e.to_string() })
}

/// For the pickup follow-up: a record that no longer parses is left out
/// (logged by id; the mail sweep counts and alarms on it) rather than
/// stopping the follow-up of every other form.
fn readable_only(read: Result<Record, Unreadable>) -> Option<Record> {
    match read {
        Ok(record) => Some(record),
        Err(unreadable) => {
            tracing::error!(record = %unreadable.id, "stored record cannot be read; left out of the pickup follow-up");
            None
        }
    }
}

/// Addresses in a record, lower-cased, for data requests.
fn normalized_emails(record: &Record) -> Vec<String> {
    let mut all: Vec<String> = record.submission.email_addresses().iter().map(|e| e.normalized()).collect();
    all.sort();
    all.dedup();
    all
}
