//! The embedded store: one SQLite file in `DATA_DIR`, shared by the
//! server and `cms-auth editors` (SQLite locks across processes).

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Editor, LinkState, SessionStore, StoreError, Unix, editor_key};

pub struct SqliteStore {
    db: Arc<Mutex<Connection>>,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(unavailable)?;
        }
        let db = Connection::open(path).map_err(unavailable)?;
        db.busy_timeout(crate::budgets::AWS_CALL).map_err(unavailable)?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS items (
               pk TEXT PRIMARY KEY,
               email TEXT,
               name TEXT,
               used INTEGER NOT NULL DEFAULT 0,
               count INTEGER NOT NULL DEFAULT 0,
               expires_at INTEGER
             );",
        )
        .map_err(unavailable)?;
        Ok(Self { db: Arc::new(Mutex::new(db)) })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut db = db.lock().unwrap_or_else(|p| p.into_inner());
            work(&mut db)
        })
        .await
        .map_err(unavailable)?
        .map_err(unavailable)
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn editor(&self, email: &str) -> Result<Option<Editor>, StoreError> {
        let pk = editor_key(email);
        self.run(move |db| {
            db.query_row("SELECT email, name FROM items WHERE pk = ?1", [pk], |r| {
                Ok(Editor { email: r.get(0)?, name: r.get(1)? })
            })
            .optional()
        })
        .await
    }

    async fn put_editor(&self, editor: &Editor) -> Result<(), StoreError> {
        let (pk, email, name) = (editor_key(&editor.email), editor.email.trim().to_lowercase(), editor.name.clone());
        self.run(move |db| {
            db.execute("INSERT OR REPLACE INTO items (pk, email, name) VALUES (?1, ?2, ?3)", params![pk, email, name]).map(|_| ())
        })
        .await
    }

    async fn remove_editor(&self, email: &str) -> Result<bool, StoreError> {
        let pk = editor_key(email);
        self.run(move |db| db.execute("DELETE FROM items WHERE pk = ?1", [pk]).map(|n| n > 0)).await
    }

    async fn editors(&self) -> Result<Vec<Editor>, StoreError> {
        self.run(|db| {
            let mut statement = db.prepare("SELECT email, name FROM items WHERE pk LIKE 'editor#%' ORDER BY email")?;
            let rows = statement.query_map([], |r| Ok(Editor { email: r.get(0)?, name: r.get(1)? }))?;
            rows.collect()
        })
        .await
    }

    async fn put_link(&self, key: &str, email: &str, expires: Unix) -> Result<(), StoreError> {
        let (pk, email) = (key.to_owned(), email.to_owned());
        self.run(move |db| {
            db.execute("INSERT INTO items (pk, email, used, expires_at) VALUES (?1, ?2, 0, ?3)", params![pk, email, expires])
                .map(|_| ())
        })
        .await
    }

    async fn link(&self, key: &str, now: Unix) -> Result<LinkState, StoreError> {
        let pk = key.to_owned();
        self.run(move |db| {
            let row: Option<(String, bool, Unix)> = db
                .query_row("SELECT email, used, expires_at FROM items WHERE pk = ?1", [pk], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            Ok(state(row, now))
        })
        .await
    }

    async fn use_link(&self, key: &str, now: Unix) -> Result<LinkState, StoreError> {
        let pk = key.to_owned();
        self.run(move |db| {
            let tx = db.transaction()?;
            let row: Option<(String, bool, Unix)> = tx
                .query_row("SELECT email, used, expires_at FROM items WHERE pk = ?1", [&pk], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            let found = state(row, now);
            if matches!(found, LinkState::Unused { .. }) {
                tx.execute("UPDATE items SET used = 1 WHERE pk = ?1", [&pk])?;
            }
            tx.commit()?;
            Ok(found)
        })
        .await
    }

    async fn put_session(&self, key: &str, email: &str, expires: Unix) -> Result<(), StoreError> {
        let (pk, email) = (key.to_owned(), email.to_owned());
        self.run(move |db| {
            db.execute("INSERT OR REPLACE INTO items (pk, email, expires_at) VALUES (?1, ?2, ?3)", params![pk, email, expires])
                .map(|_| ())
        })
        .await
    }

    async fn session(&self, key: &str, now: Unix) -> Result<Option<String>, StoreError> {
        let pk = key.to_owned();
        self.run(move |db| {
            db.query_row("SELECT email FROM items WHERE pk = ?1 AND expires_at > ?2", params![pk, now], |r| r.get(0)).optional()
        })
        .await
    }

    async fn end_session(&self, key: &str) -> Result<(), StoreError> {
        let pk = key.to_owned();
        self.run(move |db| db.execute("DELETE FROM items WHERE pk = ?1", [pk]).map(|_| ())).await
    }

    async fn count(&self, key: &str, expires: Unix) -> Result<u32, StoreError> {
        let pk = key.to_owned();
        self.run(move |db| {
            db.query_row(
                "INSERT INTO items (pk, count, expires_at) VALUES (?1, 1, ?2)
                 ON CONFLICT(pk) DO UPDATE SET count = count + 1 RETURNING count",
                params![pk, expires],
                |r| r.get(0),
            )
        })
        .await
    }
}

fn state(row: Option<(String, bool, Unix)>, now: Unix) -> LinkState {
    match row {
        None => LinkState::Unknown,
        Some((_, true, _)) => LinkState::Used,
        Some((_, false, expires)) if now >= expires => LinkState::Expired,
        Some((email, false, _)) => LinkState::Unused { email },
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn sqlite_keeps_every_rule_of_the_store() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = super::SqliteStore::open(&dir.path().join("cms.sqlite3")).unwrap();
        crate::store::conformance::every_rule(&store).await;
    }
}
