//! SQLite: the embedded default. One file in `$DATA_DIR`; every change to
//! a record is one statement, so it is one transaction. Columns are named
//! by `keys` and read by name.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::keys::*;
use super::{
    Cause, Delivery, FeedbackChange, FollowUpStep, FormMail, Inserted, Loaded, PendingStats, PickedUp, Pickup, Queue, Record,
    Refusal, StoreError, SubmissionStore, feedback_from_json, from_millis, list_json, normalized_emails, readable,
    refused_from_json, refused_json, submission_from_json, submission_json, to_millis,
};
use crate::domain::{EmailAddress, PickerName};

/// Statement parameters of different types, as one list.
macro_rules! params_vec {
    ($($value:expr),* $(,)?) => {
        vec![$(rusqlite::types::Value::from($value)),*]
    };
}

fn schema() -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {TABLE} (
            {ID} TEXT PRIMARY KEY,
            {KIND} TEXT NOT NULL,
            {SUBMISSION} TEXT NOT NULL,
            {ROUTED_TO} TEXT NOT NULL,
            {EMAILS} TEXT NOT NULL,
            {RECEIVED_AT} INTEGER NOT NULL,
            {CONSENT_AT} INTEGER NOT NULL,
            {EXPIRES_AT} INTEGER NOT NULL,
            {COORDINATOR_SENT_AT} INTEGER,
            {CONFIRMATION_SENT_AT} INTEGER,
            {WANTS_CONFIRMATION} INTEGER NOT NULL,
            {ATTEMPTS} INTEGER NOT NULL DEFAULT 0,
            {NEXT_ATTEMPT_AT} INTEGER NOT NULL,
            {PENDING} INTEGER NOT NULL,
            {REFUSED} TEXT,
            {FEEDBACK} TEXT,
            {PICKED_UP_AT} INTEGER,
            {PICKED_UP_BY} TEXT,
            {REMINDED_AT} INTEGER,
            {ESCALATED_AT} INTEGER,
            {REFERRER_TOLD_AT} INTEGER,
            {FOLLOW_UP_AT} INTEGER
        ) STRICT;
        CREATE INDEX IF NOT EXISTS submissions_due ON {TABLE} ({NEXT_ATTEMPT_AT}) WHERE {PENDING} = 1;
        CREATE INDEX IF NOT EXISTS submissions_expiry ON {TABLE} ({EXPIRES_AT});"
    )
}

/// Pickup columns for a database made before they existed; its records
/// get no follow-up (their coordinator mail had no pickup link).
const PICKUP_COLUMNS: [(&str, &str); 6] = [
    (PICKED_UP_AT, "INTEGER"),
    (PICKED_UP_BY, "TEXT"),
    (REMINDED_AT, "INTEGER"),
    (ESCALATED_AT, "INTEGER"),
    (REFERRER_TOLD_AT, "INTEGER"),
    (FOLLOW_UP_AT, "INTEGER"),
];

/// The columns a `Record` is read from.
const RECORD_COLUMNS: [&str; 18] = [
    ID,
    SUBMISSION,
    ROUTED_TO,
    RECEIVED_AT,
    CONSENT_AT,
    EXPIRES_AT,
    COORDINATOR_SENT_AT,
    CONFIRMATION_SENT_AT,
    ATTEMPTS,
    NEXT_ATTEMPT_AT,
    REFUSED,
    FEEDBACK,
    PICKED_UP_AT,
    PICKED_UP_BY,
    REMINDED_AT,
    ESCALATED_AT,
    REFERRER_TOLD_AT,
    FOLLOW_UP_AT,
];

/// `SELECT <record columns> FROM submissions WHERE <filter>`.
fn select_where(filter: &str) -> String {
    format!("SELECT {} FROM {TABLE} WHERE {filter}", RECORD_COLUMNS.join(", "))
}

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(Cause::Sqlite(e.to_string())))?;
        }
        let conn = Connection::open(path).map_err(unavailable)?;
        // WAL with NORMAL sync survives a process crash without an fsync
        // per form; busy_timeout lets the admin command run beside the server.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
            .map_err(unavailable)?;
        conn.execute_batch(&schema()).map_err(unavailable)?;
        add_missing_columns(&conn).map_err(unavailable)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs blocking SQLite work off the async threads.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&conn)
        })
        .await
        .map_err(|_| StoreError::Unavailable(Cause::Task))?
        .map_err(unavailable)
    }

    /// One statement that changes rows; how many it changed.
    async fn execute(&self, sql: String, values: Vec<rusqlite::types::Value>) -> Result<usize, StoreError> {
        self.with(move |c| c.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(values))).await
    }

    /// The records matching `filter` (the SQL after `WHERE`), each parsed,
    /// or `Unreadable` with its id, so one bad record never hides the rest.
    async fn select(&self, filter: String, values: Vec<rusqlite::types::Value>) -> Result<Vec<Loaded>, StoreError> {
        let rows = self
            .with(move |c| {
                let mut stmt = c.prepare_cached(&select_where(&filter))?;
                stmt.query_map(rusqlite::params_from_iter(values), RawRow::read)?.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = row.id.clone();
                readable(&id, row.into_record())
            })
            .collect())
    }
}

/// Files made before dead letters, the pickup loop or bounce reports lack
/// their columns.
fn add_missing_columns(conn: &Connection) -> rusqlite::Result<()> {
    let has = |column: &str| -> rusqlite::Result<bool> {
        conn.prepare(&format!("SELECT 1 FROM pragma_table_info('{TABLE}') WHERE name = ?1"))?.exists([column])
    };
    if !has(REFUSED)? {
        conn.execute_batch(&format!("ALTER TABLE {TABLE} ADD COLUMN {REFUSED} TEXT"))?;
    }
    if !has(FEEDBACK)? {
        conn.execute_batch(&format!("ALTER TABLE {TABLE} ADD COLUMN {FEEDBACK} TEXT"))?;
    }
    if !has(FOLLOW_UP_AT)? {
        for (column, kind) in PICKUP_COLUMNS {
            conn.execute_batch(&format!("ALTER TABLE {TABLE} ADD COLUMN {column} {kind};"))?;
        }
    }
    conn.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS submissions_follow_up ON {TABLE} ({FOLLOW_UP_AT}) WHERE {FOLLOW_UP_AT} IS NOT NULL;"
    ))
}

fn unavailable(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(Cause::Sqlite(e.to_string()))
}

/// A row as stored, before the submission JSON is parsed.
struct RawRow {
    id: String,
    submission: String,
    routed_to: String,
    received_at: i64,
    consent_at: i64,
    expires_at: i64,
    coordinator_sent_at: Option<i64>,
    confirmation_sent_at: Option<i64>,
    attempts: u32,
    next_attempt_at: i64,
    refused: Option<String>,
    feedback: Option<String>,
    picked_up_at: Option<i64>,
    picked_up_by: Option<String>,
    reminded_at: Option<i64>,
    escalated_at: Option<i64>,
    referrer_told_at: Option<i64>,
    follow_up_at: Option<i64>,
}

impl RawRow {
    fn read(row: &Row) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(ID)?,
            submission: row.get(SUBMISSION)?,
            routed_to: row.get(ROUTED_TO)?,
            received_at: row.get(RECEIVED_AT)?,
            consent_at: row.get(CONSENT_AT)?,
            expires_at: row.get(EXPIRES_AT)?,
            coordinator_sent_at: row.get(COORDINATOR_SENT_AT)?,
            confirmation_sent_at: row.get(CONFIRMATION_SENT_AT)?,
            attempts: row.get(ATTEMPTS)?,
            next_attempt_at: row.get(NEXT_ATTEMPT_AT)?,
            refused: row.get(REFUSED)?,
            feedback: row.get(FEEDBACK)?,
            picked_up_at: row.get(PICKED_UP_AT)?,
            picked_up_by: row.get(PICKED_UP_BY)?,
            reminded_at: row.get(REMINDED_AT)?,
            escalated_at: row.get(ESCALATED_AT)?,
            referrer_told_at: row.get(REFERRER_TOLD_AT)?,
            follow_up_at: row.get(FOLLOW_UP_AT)?,
        })
    }

    fn into_record(self) -> Result<Record, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("{what} of record {}", self.id));
        Ok(Record {
            id: Uuid::parse_str(&self.id).map_err(|_| corrupt(ID))?,
            submission: submission_from_json(&self.submission)?,
            routed_to: EmailAddress::parse(&self.routed_to).map_err(|_| corrupt(ROUTED_TO))?,
            received_at: from_millis(self.received_at),
            consent_at: from_millis(self.consent_at),
            expires_at: from_millis(self.expires_at),
            delivery: Delivery {
                coordinator_sent_at: self.coordinator_sent_at.map(from_millis),
                confirmation_sent_at: self.confirmation_sent_at.map(from_millis),
                refused: refused_from_json(self.refused.as_deref())?,
                feedback: feedback_from_json(self.feedback.as_deref())?,
                attempts: self.attempts,
                next_attempt_at: from_millis(self.next_attempt_at),
            },
            pickup: Pickup {
                picked_up_at: self.picked_up_at.map(from_millis),
                picked_up_by: self
                    .picked_up_by
                    .as_deref()
                    .map(PickerName::parse)
                    .transpose()
                    .map_err(|_| corrupt(PICKED_UP_BY))?,
                reminded_at: self.reminded_at.map(from_millis),
                escalated_at: self.escalated_at.map(from_millis),
                referrer_told_at: self.referrer_told_at.map(from_millis),
                follow_up_at: self.follow_up_at.map(from_millis),
            },
        })
    }
}

/// `\na@x\nb@y\n`: exact matches with `instr`, no LIKE wildcards to escape.
fn email_column(record: &Record) -> String {
    let mut s = String::from("\n");
    for e in normalized_emails(record) {
        s.push_str(&e);
        s.push('\n');
    }
    s
}

fn email_needle(email: &EmailAddress) -> String {
    format!("\n{}\n", email.normalized())
}

#[async_trait]
impl SubmissionStore for SqliteStore {
    async fn insert(&self, record: &Record) -> Result<Inserted, StoreError> {
        let r = record;
        let sql = format!(
            "INSERT INTO {TABLE} ({ID}, {KIND}, {SUBMISSION}, {ROUTED_TO}, {EMAILS}, {RECEIVED_AT}, {CONSENT_AT}, \
             {EXPIRES_AT}, {WANTS_CONFIRMATION}, {ATTEMPTS}, {NEXT_ATTEMPT_AT}, {PENDING}, {FOLLOW_UP_AT}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT ({ID}) DO NOTHING"
        );
        let values = params_vec![
            r.id.to_string(),
            r.submission.kind().as_str().to_owned(),
            submission_json(r),
            r.routed_to.as_str().to_owned(),
            email_column(r),
            to_millis(r.received_at),
            to_millis(r.consent_at),
            to_millis(r.expires_at),
            r.wants_confirmation(),
            r.delivery.attempts,
            to_millis(r.delivery.next_attempt_at),
            r.is_pending(),
            r.pickup.follow_up_at.map(to_millis),
        ];
        let changed = self.execute(sql, values).await?;
        Ok(if changed == 1 { Inserted::New } else { Inserted::Duplicate })
    }

    async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        let row = self
            .with(move |c| {
                c.prepare_cached(&select_where(&format!("{ID} = ?1")))?.query_row([id.to_string()], RawRow::read).optional()
            })
            .await?;
        row.map(RawRow::into_record).transpose()
    }

    async fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Loaded>, StoreError> {
        let filter = format!("{PENDING} = 1 AND {NEXT_ATTEMPT_AT} <= ?1 ORDER BY {NEXT_ATTEMPT_AT} LIMIT ?2");
        self.select(filter, params_vec![to_millis(now), limit as i64]).await
    }

    async fn claim(&self, record: &Record, until: OffsetDateTime) -> Result<bool, StoreError> {
        let sql =
            format!("UPDATE {TABLE} SET {NEXT_ATTEMPT_AT} = ?3 WHERE {ID} = ?1 AND {NEXT_ATTEMPT_AT} = ?2 AND {PENDING} = 1");
        let values = params_vec![record.id.to_string(), to_millis(record.delivery.next_attempt_at), to_millis(until)];
        Ok(self.execute(sql, values).await? == 1)
    }

    async fn mark_sent(&self, id: Uuid, mail: FormMail, at: OffsetDateTime, still_pending: bool) -> Result<bool, StoreError> {
        let sent_at = mail.sent_at_key();
        let sql = format!("UPDATE {TABLE} SET {sent_at} = ?2, {PENDING} = ?3 WHERE {ID} = ?1 AND {sent_at} IS NULL");
        Ok(self.execute(sql, params_vec![id.to_string(), to_millis(at), still_pending]).await? == 1)
    }

    async fn retry_later(&self, id: Uuid, attempts: u32, next_attempt_at: OffsetDateTime) -> Result<(), StoreError> {
        let sql = format!("UPDATE {TABLE} SET {ATTEMPTS} = ?2, {NEXT_ATTEMPT_AT} = ?3 WHERE {ID} = ?1");
        self.execute(sql, params_vec![id.to_string(), attempts, to_millis(next_attempt_at)]).await.map(drop)
    }

    async fn postpone(&self, id: &str, queue: Queue, until: OffsetDateTime) -> Result<(), StoreError> {
        let due = queue.due_key();
        let queued = match queue {
            Queue::Mail => format!("{PENDING} = 1"),
            Queue::FollowUp => format!("{FOLLOW_UP_AT} IS NOT NULL"),
        };
        let sql = format!("UPDATE {TABLE} SET {due} = ?2 WHERE {ID} = ?1 AND {queued}");
        self.execute(sql, params_vec![id.to_owned(), to_millis(until)]).await.map(drop)
    }

    async fn set_refused(&self, id: Uuid, refused: &[Refusal]) -> Result<(), StoreError> {
        let sql = format!("UPDATE {TABLE} SET {REFUSED} = ?2 WHERE {ID} = ?1");
        self.execute(sql, params_vec![id.to_string(), refused_json(refused)]).await.map(drop)
    }

    async fn record_feedback(&self, record: &Record, change: FeedbackChange<'_>) -> Result<bool, StoreError> {
        let mut sets = format!("{FEEDBACK} = ?4");
        let mut values = params_vec![
            record.id.to_string(),
            list_json(&record.delivery.feedback),
            list_json(&record.delivery.refused),
            list_json(change.feedback),
        ];
        if let Some(reopen) = change.reopen {
            let sent_at = reopen.mail.sent_at_key();
            sets.push_str(&format!(", {REFUSED} = ?5, {sent_at} = NULL, {PENDING} = 1, {NEXT_ATTEMPT_AT} = ?6"));
            values.extend(params_vec![list_json(reopen.refused), to_millis(reopen.next_attempt_at)]);
        }
        let sql = format!("UPDATE {TABLE} SET {sets} WHERE {ID} = ?1 AND {FEEDBACK} IS ?2 AND {REFUSED} IS ?3");
        Ok(self.execute(sql, values).await? == 1)
    }

    async fn pending_stats(&self, now: OffsetDateTime) -> Result<PendingStats, StoreError> {
        let hour_ago = to_millis(now - Duration::HOUR);
        let sql = format!("SELECT count(*), coalesce(sum({RECEIVED_AT} < ?1), 0) FROM {TABLE} WHERE {PENDING} = 1");
        self.with(move |c| {
            c.query_row(&sql, [hour_ago], |row| Ok(PendingStats { pending: row.get(0)?, over_one_hour: row.get(1)? }))
        })
        .await
    }

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Loaded>, StoreError> {
        self.select(format!("instr({EMAILS}, ?1) > 0 ORDER BY {RECEIVED_AT}"), params_vec![email_needle(email)]).await
    }

    async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError> {
        self.execute(format!("DELETE FROM {TABLE} WHERE instr({EMAILS}, ?1) > 0"), params_vec![email_needle(email)]).await
    }

    async fn purge_expired(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        self.execute(format!("DELETE FROM {TABLE} WHERE {EXPIRES_AT} <= ?1"), params_vec![to_millis(now)]).await
    }

    async fn follow_ups_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Loaded>, StoreError> {
        let filter = format!("{FOLLOW_UP_AT} IS NOT NULL AND {FOLLOW_UP_AT} <= ?1 ORDER BY {FOLLOW_UP_AT} LIMIT ?2");
        self.select(filter, params_vec![to_millis(now), limit as i64]).await
    }

    async fn move_follow_up(&self, record: &Record, next: Option<OffsetDateTime>) -> Result<bool, StoreError> {
        let sql = format!("UPDATE {TABLE} SET {FOLLOW_UP_AT} = ?3 WHERE {ID} = ?1 AND {FOLLOW_UP_AT} IS ?2");
        let values = params_vec![record.id.to_string(), record.pickup.follow_up_at.map(to_millis), next.map(to_millis)];
        Ok(self.execute(sql, values).await? == 1)
    }

    async fn record_step(
        &self,
        id: Uuid,
        step: FollowUpStep,
        at: OffsetDateTime,
        next: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        let done_at = step.key();
        let sql = format!("UPDATE {TABLE} SET {done_at} = ?2, {FOLLOW_UP_AT} = ?3 WHERE {ID} = ?1 AND {done_at} IS NULL");
        Ok(self.execute(sql, params_vec![id.to_string(), to_millis(at), next.map(to_millis)]).await? == 1)
    }

    async fn pick_up(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: Option<&PickerName>,
        follow_up: Option<OffsetDateTime>,
    ) -> Result<PickedUp, StoreError> {
        let (key, at, by, next) = (id.to_string(), to_millis(at), by.map(|b| b.as_str().to_owned()), follow_up.map(to_millis));
        let mark = format!(
            "UPDATE {TABLE} SET {PICKED_UP_AT} = ?2, {PICKED_UP_BY} = ?3, {FOLLOW_UP_AT} = ?4 \
             WHERE {ID} = ?1 AND {PICKED_UP_AT} IS NULL"
        );
        let exists = format!("SELECT 1 FROM {TABLE} WHERE {ID} = ?1");
        self.with(move |c| {
            if c.prepare_cached(&mark)?.execute(params![key, at, by, next])? == 1 {
                return Ok(PickedUp::Now);
            }
            Ok(if c.prepare_cached(&exists)?.exists([&key])? { PickedUp::Before } else { PickedUp::Missing })
        })
        .await
    }

    async fn open_forms(&self) -> Result<Vec<Loaded>, StoreError> {
        self.select(format!("{PICKED_UP_AT} IS NULL AND {FOLLOW_UP_AT} IS NOT NULL ORDER BY {RECEIVED_AT}"), Vec::new()).await
    }

    async fn count_past_escalation(&self, reminded_before: OffsetDateTime) -> Result<u64, StoreError> {
        let sql = format!(
            "SELECT count(*) FROM {TABLE} WHERE {PICKED_UP_AT} IS NULL AND {FOLLOW_UP_AT} IS NOT NULL \
             AND ({ESCALATED_AT} IS NOT NULL OR {REMINDED_AT} < ?1)"
        );
        let before = to_millis(reminded_before);
        self.with(move |c| c.query_row(&sql, [before], |row| row.get(0))).await
    }
}
