//! SQLite: the embedded default. One file in `$DATA_DIR`; every change to
//! a record is one statement, so it is one transaction.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{
    Delivery, FollowUpStep, Inserted, MailKind, PendingStats, PickedUp, Pickup, Record, Refusal, StoreError, SubmissionStore,
    Unreadable, from_millis, normalized_emails, readable, readable_only, refused_from_json, refused_json, submission_from_json,
    submission_json, to_millis,
};
use crate::domain::{EmailAddress, PickerName};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS submissions (
    id                   TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL,
    submission           TEXT NOT NULL,
    routed_to            TEXT NOT NULL,
    emails               TEXT NOT NULL,
    received_at          INTEGER NOT NULL,
    consent_at           INTEGER NOT NULL,
    expires_at           INTEGER NOT NULL,
    coordinator_sent_at  INTEGER,
    confirmation_sent_at INTEGER,
    wants_confirmation   INTEGER NOT NULL,
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      INTEGER NOT NULL,
    pending              INTEGER NOT NULL,
    refused              TEXT,
    picked_up_at         INTEGER,
    picked_up_by         TEXT,
    reminded_at          INTEGER,
    escalated_at         INTEGER,
    referrer_told_at     INTEGER,
    follow_up_at         INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS submissions_due ON submissions (next_attempt_at) WHERE pending = 1;
CREATE INDEX IF NOT EXISTS submissions_expiry ON submissions (expires_at);
";

/// Pickup columns for a database made before they existed; its records
/// get no follow-up (their coordinator mail had no pickup link).
const PICKUP_COLUMNS: [&str; 6] = [
    "picked_up_at INTEGER",
    "picked_up_by TEXT",
    "reminded_at INTEGER",
    "escalated_at INTEGER",
    "referrer_told_at INTEGER",
    "follow_up_at INTEGER",
];

const PICKUP_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS submissions_follow_up ON submissions (follow_up_at) WHERE follow_up_at IS NOT NULL;";

const COLUMNS: &str = "id, submission, routed_to, received_at, consent_at, expires_at, \
                       coordinator_sent_at, confirmation_sent_at, attempts, next_attempt_at, refused, \
                       picked_up_at, picked_up_by, reminded_at, escalated_at, referrer_told_at, follow_up_at";

#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(unavailable)?;
        }
        let conn = Connection::open(path).map_err(unavailable)?;
        // WAL with NORMAL sync survives a process crash without an fsync
        // per form; busy_timeout lets the admin command run beside the server.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")
            .map_err(unavailable)?;
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        add_refused_column(&conn).map_err(unavailable)?;
        add_pickup_columns(&conn).map_err(unavailable)?;
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
        .map_err(unavailable)?
        .map_err(unavailable)
    }

    /// The records matching `filter` (the SQL after `WHERE`), each parsed,
    /// or `Unreadable` with its id, so one bad record never hides the rest.
    async fn select(
        &self,
        filter: &'static str,
        params: Vec<rusqlite::types::Value>,
    ) -> Result<Vec<Result<Record, Unreadable>>, StoreError> {
        let rows = self
            .with(move |c| {
                let sql = format!("SELECT {COLUMNS} FROM submissions WHERE {filter}");
                let mut stmt = c.prepare_cached(&sql)?;
                stmt.query_map(rusqlite::params_from_iter(params), RawRow::read)?.collect::<rusqlite::Result<Vec<_>>>()
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

/// Files made before dead letters existed lack the `refused` column.
fn add_refused_column(conn: &Connection) -> rusqlite::Result<()> {
    let has = conn.prepare("SELECT 1 FROM pragma_table_info('submissions') WHERE name = 'refused'")?.exists([])?;
    if !has {
        conn.execute_batch("ALTER TABLE submissions ADD COLUMN refused TEXT")?;
    }
    Ok(())
}

fn add_pickup_columns(conn: &Connection) -> rusqlite::Result<()> {
    let has: bool =
        conn.query_row("SELECT count(*) FROM pragma_table_info('submissions') WHERE name = 'follow_up_at'", [], |row| {
            row.get::<_, i64>(0).map(|n| n > 0)
        })?;
    if !has {
        for column in PICKUP_COLUMNS {
            conn.execute_batch(&format!("ALTER TABLE submissions ADD COLUMN {column};"))?;
        }
    }
    conn.execute_batch(PICKUP_INDEX)
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// A row as stored, before the submission JSON is parsed.
struct RawRow {
    id: String,
    submission: String,
    routed_to: String,
    times: [i64; 3],
    coordinator_sent_at: Option<i64>,
    confirmation_sent_at: Option<i64>,
    attempts: u32,
    next_attempt_at: i64,
    refused: Option<String>,
    pickup: [Option<i64>; 4],
    picked_up_by: Option<String>,
    follow_up_at: Option<i64>,
}

impl RawRow {
    fn read(row: &Row) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            submission: row.get(1)?,
            routed_to: row.get(2)?,
            times: [row.get(3)?, row.get(4)?, row.get(5)?],
            coordinator_sent_at: row.get(6)?,
            confirmation_sent_at: row.get(7)?,
            attempts: row.get(8)?,
            next_attempt_at: row.get(9)?,
            refused: row.get(10)?,
            pickup: [row.get(11)?, row.get(13)?, row.get(14)?, row.get(15)?],
            picked_up_by: row.get(12)?,
            follow_up_at: row.get(16)?,
        })
    }

    fn into_record(self) -> Result<Record, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("{what} of record {}", self.id));
        Ok(Record {
            id: Uuid::parse_str(&self.id).map_err(|_| corrupt("id"))?,
            submission: submission_from_json(&self.submission)?,
            routed_to: EmailAddress::parse(&self.routed_to).map_err(|_| corrupt("routed_to"))?,
            received_at: from_millis(self.times[0]),
            consent_at: from_millis(self.times[1]),
            expires_at: from_millis(self.times[2]),
            delivery: Delivery {
                coordinator_sent_at: self.coordinator_sent_at.map(from_millis),
                confirmation_sent_at: self.confirmation_sent_at.map(from_millis),
                refused: refused_from_json(self.refused.as_deref())?,
                attempts: self.attempts,
                next_attempt_at: from_millis(self.next_attempt_at),
            },
            pickup: Pickup {
                picked_up_at: self.pickup[0].map(from_millis),
                picked_up_by: self
                    .picked_up_by
                    .as_deref()
                    .map(PickerName::parse)
                    .transpose()
                    .map_err(|_| corrupt("picked_up_by"))?,
                reminded_at: self.pickup[1].map(from_millis),
                escalated_at: self.pickup[2].map(from_millis),
                referrer_told_at: self.pickup[3].map(from_millis),
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

#[async_trait]
impl SubmissionStore for SqliteStore {
    async fn insert(&self, record: &Record) -> Result<Inserted, StoreError> {
        let r = record.clone();
        let (json, emails) = (submission_json(record), email_column(record));
        let changed = self
            .with(move |c| {
                c.prepare_cached(
                    "INSERT INTO submissions (id, kind, submission, routed_to, emails, received_at, consent_at, \
                     expires_at, wants_confirmation, attempts, next_attempt_at, pending, follow_up_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12) ON CONFLICT (id) DO NOTHING",
                )?
                .execute(params![
                    r.id.to_string(),
                    r.submission.kind().as_str(),
                    json,
                    r.routed_to.as_str(),
                    emails,
                    to_millis(r.received_at),
                    to_millis(r.consent_at),
                    to_millis(r.expires_at),
                    r.wants_confirmation(),
                    r.delivery.attempts,
                    to_millis(r.delivery.next_attempt_at),
                    r.pickup.follow_up_at.map(to_millis),
                ])
            })
            .await?;
        Ok(if changed == 1 { Inserted::New } else { Inserted::Duplicate })
    }

    async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        let row = self
            .with(move |c| {
                c.prepare_cached(&format!("SELECT {COLUMNS} FROM submissions WHERE id = ?1"))?
                    .query_row([id.to_string()], RawRow::read)
                    .optional()
            })
            .await?;
        row.map(RawRow::into_record).transpose()
    }

    async fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Result<Record, Unreadable>>, StoreError> {
        self.select(
            "pending = 1 AND next_attempt_at <= ?1 ORDER BY next_attempt_at LIMIT ?2",
            vec![to_millis(now).into(), (limit as i64).into()],
        )
        .await
    }

    async fn claim(&self, record: &Record, until: OffsetDateTime) -> Result<bool, StoreError> {
        let (id, expected, until) = (record.id.to_string(), to_millis(record.delivery.next_attempt_at), to_millis(until));
        let changed = self
            .with(move |c| {
                c.prepare_cached(
                    "UPDATE submissions SET next_attempt_at = ?3 WHERE id = ?1 AND next_attempt_at = ?2 AND pending = 1",
                )?
                .execute(params![id, expected, until])
            })
            .await?;
        Ok(changed == 1)
    }

    async fn mark_sent(&self, id: Uuid, kind: MailKind, at: OffsetDateTime, _completes: bool) -> Result<bool, StoreError> {
        // Pending is derived from the row itself, in the same statement.
        let sql = match kind {
            MailKind::Coordinator => {
                "UPDATE submissions SET coordinator_sent_at = ?2, \
                 pending = (wants_confirmation = 1 AND confirmation_sent_at IS NULL) \
                 WHERE id = ?1 AND coordinator_sent_at IS NULL"
            }
            MailKind::Confirmation => {
                "UPDATE submissions SET confirmation_sent_at = ?2, pending = (coordinator_sent_at IS NULL) \
                 WHERE id = ?1 AND confirmation_sent_at IS NULL"
            }
            other => return Err(StoreError::Unavailable(format!("{} mail is recorded as a pickup step", other.as_str()))),
        };
        let (id, at) = (id.to_string(), to_millis(at));
        let changed = self.with(move |c| c.prepare_cached(sql)?.execute(params![id, at])).await?;
        Ok(changed == 1)
    }

    async fn retry_later(&self, id: Uuid, attempts: u32, next_attempt_at: OffsetDateTime) -> Result<(), StoreError> {
        let (id, next) = (id.to_string(), to_millis(next_attempt_at));
        self.with(move |c| {
            c.prepare_cached("UPDATE submissions SET attempts = ?2, next_attempt_at = ?3 WHERE id = ?1")?
                .execute(params![id, attempts, next])
        })
        .await?;
        Ok(())
    }

    async fn postpone(&self, id: &str, until: OffsetDateTime) -> Result<(), StoreError> {
        let (id, until) = (id.to_owned(), to_millis(until));
        self.with(move |c| {
            c.prepare_cached("UPDATE submissions SET next_attempt_at = ?2 WHERE id = ?1 AND pending = 1")?
                .execute(params![id, until])
        })
        .await?;
        Ok(())
    }

    async fn set_refused(&self, id: Uuid, refused: &[Refusal]) -> Result<(), StoreError> {
        let (id, json) = (id.to_string(), refused_json(refused));
        self.with(move |c| c.prepare_cached("UPDATE submissions SET refused = ?2 WHERE id = ?1")?.execute(params![id, json]))
            .await?;
        Ok(())
    }

    async fn pending_stats(&self, now: OffsetDateTime) -> Result<PendingStats, StoreError> {
        let hour_ago = to_millis(now - Duration::HOUR);
        self.with(move |c| {
            c.query_row(
                "SELECT count(*), coalesce(sum(received_at < ?1), 0) FROM submissions WHERE pending = 1",
                [hour_ago],
                |row| Ok(PendingStats { pending: row.get(0)?, over_one_hour: row.get(1)? }),
            )
        })
        .await
    }

    async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Result<Record, Unreadable>>, StoreError> {
        let needle = format!("\n{}\n", email.normalized());
        self.select("instr(emails, ?1) > 0 ORDER BY received_at", vec![needle.into()]).await
    }

    async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError> {
        let needle = format!("\n{}\n", email.normalized());
        self.with(move |c| c.execute("DELETE FROM submissions WHERE instr(emails, ?1) > 0", [needle])).await
    }

    async fn purge_expired(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        let now = to_millis(now);
        self.with(move |c| c.execute("DELETE FROM submissions WHERE expires_at <= ?1", [now])).await
    }

    async fn follow_ups_due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Record>, StoreError> {
        let found = self
            .select(
                "follow_up_at IS NOT NULL AND follow_up_at <= ?1 ORDER BY follow_up_at LIMIT ?2",
                vec![to_millis(now).into(), (limit as i64).into()],
            )
            .await?;
        Ok(found.into_iter().filter_map(readable_only).collect())
    }

    async fn move_follow_up(&self, record: &Record, next: Option<OffsetDateTime>) -> Result<bool, StoreError> {
        let (id, expected, next) = (record.id.to_string(), record.pickup.follow_up_at.map(to_millis), next.map(to_millis));
        let changed = self
            .with(move |c| {
                c.prepare_cached("UPDATE submissions SET follow_up_at = ?3 WHERE id = ?1 AND follow_up_at IS ?2")?
                    .execute(params![id, expected, next])
            })
            .await?;
        Ok(changed == 1)
    }

    async fn record_step(
        &self,
        id: Uuid,
        step: FollowUpStep,
        at: OffsetDateTime,
        next: Option<OffsetDateTime>,
    ) -> Result<bool, StoreError> {
        let field = step.field();
        let (id, at, next) = (id.to_string(), to_millis(at), next.map(to_millis));
        let changed = self
            .with(move |c| {
                let sql = format!("UPDATE submissions SET {field} = ?2, follow_up_at = ?3 WHERE id = ?1 AND {field} IS NULL");
                c.prepare_cached(&sql)?.execute(params![id, at, next])
            })
            .await?;
        Ok(changed == 1)
    }

    async fn pick_up(
        &self,
        id: Uuid,
        at: OffsetDateTime,
        by: Option<&PickerName>,
        follow_up: Option<OffsetDateTime>,
    ) -> Result<PickedUp, StoreError> {
        let (key, at, by, next) = (id.to_string(), to_millis(at), by.map(|b| b.as_str().to_owned()), follow_up.map(to_millis));
        self.with(move |c| {
            let changed = c
                .prepare_cached(
                    "UPDATE submissions SET picked_up_at = ?2, picked_up_by = ?3, follow_up_at = ?4 \
                     WHERE id = ?1 AND picked_up_at IS NULL",
                )?
                .execute(params![key, at, by, next])?;
            if changed == 1 {
                return Ok(PickedUp::Now);
            }
            let exists = c.prepare_cached("SELECT 1 FROM submissions WHERE id = ?1")?.exists([&key])?;
            Ok(if exists { PickedUp::Before } else { PickedUp::Missing })
        })
        .await
    }

    async fn open_forms(&self) -> Result<Vec<Record>, StoreError> {
        let found = self.select("picked_up_at IS NULL AND follow_up_at IS NOT NULL ORDER BY received_at", Vec::new()).await?;
        Ok(found.into_iter().filter_map(readable_only).collect())
    }
}
