//! Where submissions live until their retention ends. Stored first,
//! before any mail: a crash or a mail outage can delay a mail, never lose
//! a form.
//!
//! `record` is what is stored, `keys` what each stored field is called;
//! `SubmissionStore` is what the service asks of a store, and `sqlite` and
//! `dynamodb` are the two that answer. Only the service (`crate::service`)
//! holds one.

mod dynamodb;
pub mod keys;
mod record;
// Local and test store; the Lambda build leaves it out (zip size).
#[cfg(feature = "sqlite")]
mod sqlite;

use async_trait::async_trait;
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{EmailAddress, PickerName, Submission};

pub use dynamodb::{DynamoStore, TableSpec};
pub use record::{
    Delivery, Feedback, FeedbackChange, FeedbackKind, FollowUpStep, FormMail, Pickup, Record, Refusal, Reopen, from_millis,
    to_millis, truncate_to_millis,
};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

#[derive(Debug, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// A record with this id exists: the same form was sent again.
    Duplicate,
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

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PendingStats {
    pub pending: u64,
    pub over_one_hour: u64,
}

/// A stored record that no longer parses (e.g. after a rule was
/// tightened). Only its id is ever shown; the problem names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: String,
    pub problem: String,
}

/// The two lines a record waits in, each with its own due time: its form
/// mail (`pending`, by `next_attempt_at`) and the pickup follow-up
/// (`follow_up`, by `follow_up_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    Mail,
    FollowUp,
}

impl Queue {
    /// The field holding when the record is due in this queue.
    pub fn due_key(self) -> &'static str {
        match self {
            Queue::Mail => keys::NEXT_ATTEMPT_AT,
            Queue::FollowUp => keys::FOLLOW_UP_AT,
        }
    }
}

/// A record as a query found it: parsed, or `Unreadable` with its id, so
/// one bad record never hides the others.
pub type Loaded = Result<Record, Unreadable>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage is unavailable: {0}")]
    Unavailable(Cause),
    #[error("a stored record could not be read: {0}")]
    Corrupt(String),
}

/// Why the store could not be used, short enough for a log line and free
/// of anything stored: never the SDK's full text (it repeats requests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    #[error("no answer in time")]
    Timeout,
    #[error("no connection")]
    Connection,
    /// The service's error code, e.g. `ProvisionedThroughputExceededException`.
    #[error("refused ({0})")]
    Refused(String),
    #[error("an answer that could not be read")]
    Response,
    #[error("the request could not be made")]
    Request,
    /// SQLite's own message (names a table or column, never a value).
    #[error("SQLite: {0}")]
    Sqlite(String),
    /// The blocking task of the SQLite store stopped (a panic).
    #[error("the storage task stopped")]
    Task,
}

#[async_trait]
pub trait SubmissionStore: Send + Sync {
    /// Stores the record unless one with its id exists.
    async fn insert(&self, record: &Record) -> Result<Inserted, StoreError>;

    async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError>;

    /// Pending records whose next attempt is due, earliest first.
    async fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Loaded>, StoreError>;

    /// Takes the record for one send attempt by moving its next attempt to
    /// `until`, only if nobody else moved it since it was read. `false`
    /// means another sender has it.
    async fn claim(&self, record: &Record, until: OffsetDateTime) -> Result<bool, StoreError>;

    /// Marks one mail sent, only if it was not marked before, and writes
    /// whether the record is still pending (`Record::pending_after`).
    /// `false` means it was already marked (by another sender).
    async fn mark_sent(&self, id: Uuid, mail: FormMail, at: OffsetDateTime, still_pending: bool) -> Result<bool, StoreError>;

    /// After a failed attempt: count it and set when to try again.
    async fn retry_later(&self, id: Uuid, attempts: u32, next_attempt_at: OffsetDateTime) -> Result<(), StoreError>;

    /// Moves a record's place in `queue` to `until`, by id alone (for a
    /// record that cannot be read, so nothing else of it is known); nothing
    /// happens if it left that queue meanwhile.
    async fn postpone(&self, id: &str, queue: Queue, until: OffsetDateTime) -> Result<(), StoreError>;

    /// Records the permanent refusals of a record's mail (the whole list).
    async fn set_refused(&self, id: Uuid, refused: &[Refusal]) -> Result<(), StoreError>;

    /// Stores what a bounce or complaint changed (`FeedbackChange`), only
    /// if the record's feedback and refusals are still what `record` holds
    /// (so neither a repeated report nor a concurrent change is lost or
    /// doubled). `false`: they changed meanwhile, or the record is gone.
    async fn record_feedback(&self, record: &Record, change: FeedbackChange<'_>) -> Result<bool, StoreError>;

    async fn pending_stats(&self, now: OffsetDateTime) -> Result<PendingStats, StoreError>;

    /// Every record that holds this address (as sender, family or referrer),
    /// oldest first. A data request must see an unreadable one too.
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Loaded>, StoreError>;

    /// Deletes every record that holds this address; returns how many.
    async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError>;

    /// Deletes records past their retention (DynamoDB does this itself).
    async fn purge_expired(&self, now: OffsetDateTime) -> Result<usize, StoreError>;

    /// Records whose pickup follow-up is due, earliest first.
    async fn follow_ups_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Loaded>, StoreError>;

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

    /// Every record nobody picked up yet that the follow-up still watches,
    /// oldest first.
    async fn open_forms(&self) -> Result<Vec<Loaded>, StoreError>;

    /// How many of those are past their escalation: escalated already, or
    /// reminded before `reminded_before` (so their escalation is due). A
    /// count: no record is read out.
    async fn count_past_escalation(&self, reminded_before: OffsetDateTime) -> Result<u64, StoreError>;
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
    json.map_or(Ok(Vec::new()), |j| serde_json::from_str(j).map_err(|_| StoreError::Corrupt(keys::REFUSED.into())))
}

/// A list as stored: JSON, or nothing (absent, NULL) when it is empty.
fn list_json<T: Serialize>(list: &[T]) -> Option<String> {
    (!list.is_empty()).then(|| serde_json::to_string(list).expect("stored lists always serialise"))
}

fn feedback_from_json(json: Option<&str>) -> Result<Vec<Feedback>, StoreError> {
    json.map_or(Ok(Vec::new()), |j| serde_json::from_str(j).map_err(|_| StoreError::Corrupt(keys::FEEDBACK.into())))
}

/// Parse problems of a record become `Unreadable`; it keeps the id.
fn readable(id: &str, parsed: Result<Record, StoreError>) -> Loaded {
    parsed.map_err(|e| Unreadable { id: id.to_owned(), problem: e.to_string() })
}

/// Addresses in a record, lower-cased, for data requests.
fn normalized_emails(record: &Record) -> Vec<String> {
    let mut all: Vec<String> = record.submission.email_addresses().iter().map(|e| e.normalized()).collect();
    all.sort();
    all.dedup();
    all
}
