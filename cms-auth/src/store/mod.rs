//! Where the editors' list, the sign-in links, the sessions and the
//! rate-limit counters live: SQLite on a laptop, a DynamoDB table on AWS.
//! Editors cannot reach either; the operator changes the list with
//! `cms-auth editors add|remove|list`, and it counts at the next request.
//!
//! Links and sessions are stored under the SHA-256 of their random part,
//! so the table never holds a working link or cookie; counters under the
//! SHA-256 of the address or client, so an address that is not on the
//! list is never stored.

mod dynamodb;
#[cfg(feature = "sqlite")]
mod sqlite;

use async_trait::async_trait;

pub use dynamodb::DynamoStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// The table's key, its time-to-live attribute, and the item kinds.
pub const KEY: &str = "pk";
pub const EXPIRES: &str = "expires_at";

/// An editor: the address they sign in with and the name their commits carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Editor {
    pub email: String,
    pub name: String,
}

/// A sign-in link as the store knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkState {
    Unused { email: String },
    Used,
    Expired,
    Unknown,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the session store is not available: {0}")]
    Unavailable(String),
}

/// Seconds since 1970, as every time in the store.
pub type Unix = i64;

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn editor(&self, email: &str) -> Result<Option<Editor>, StoreError>;
    async fn put_editor(&self, editor: &Editor) -> Result<(), StoreError>;
    /// True when the address was on the list.
    async fn remove_editor(&self, email: &str) -> Result<bool, StoreError>;
    async fn editors(&self) -> Result<Vec<Editor>, StoreError>;

    async fn put_link(&self, key: &str, email: &str, expires: Unix) -> Result<(), StoreError>;
    async fn link(&self, key: &str, now: Unix) -> Result<LinkState, StoreError>;
    /// Marks the link used, atomically: of two clicks at once, one gets
    /// `Unused` (and signs in), the other `Used`.
    async fn use_link(&self, key: &str, now: Unix) -> Result<LinkState, StoreError>;

    async fn put_session(&self, key: &str, email: &str, expires: Unix) -> Result<(), StoreError>;
    /// The session's address while it has not expired or ended.
    async fn session(&self, key: &str, now: Unix) -> Result<Option<String>, StoreError>;
    async fn end_session(&self, key: &str) -> Result<(), StoreError>;

    /// Adds one to a counter that lives until `expires`; returns the new count.
    async fn count(&self, key: &str, expires: Unix) -> Result<u32, StoreError>;
}

/// Item keys: `kind#hash`.
pub fn key(kind: &str, secret_part: &str) -> String {
    format!("{kind}#{}", sha256_hex(secret_part.as_bytes()))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The editors' list is kept under the address itself, in lower case.
pub fn editor_key(email: &str) -> String {
    format!("editor#{}", email.trim().to_lowercase())
}

#[doc(hidden)]
pub mod conformance {
    //! The same rules for every store (run on SQLite in the unit tests and
    //! on DynamoDB through moto in tests/store.rs).
    use super::*;

    pub async fn every_rule(store: &dyn SessionStore) {
        editors(store).await;
        links(store).await;
        sessions(store).await;
        counters(store).await;
    }

    async fn editors(store: &dyn SessionStore) {
        assert_eq!(store.editor("ans@example.org").await.unwrap(), None);
        let ans = Editor { email: "ans@example.org".into(), name: "Ans de Vries".into() };
        store.put_editor(&ans).await.unwrap();
        store.put_editor(&Editor { email: "bob@example.org".into(), name: "Bob".into() }).await.unwrap();
        assert_eq!(store.editor("ans@example.org").await.unwrap(), Some(ans.clone()));
        let list: Vec<String> = store.editors().await.unwrap().into_iter().map(|e| e.email).collect();
        assert_eq!(list, ["ans@example.org", "bob@example.org"]);
        assert!(store.remove_editor("bob@example.org").await.unwrap());
        assert!(!store.remove_editor("bob@example.org").await.unwrap());
        assert_eq!(store.editors().await.unwrap(), [ans]);
    }

    async fn links(store: &dyn SessionStore) {
        let k = key("link", "random-part");
        assert_eq!(store.link(&k, 1_000).await.unwrap(), LinkState::Unknown);
        store.put_link(&k, "ans@example.org", 1_900).await.unwrap();
        let unused = LinkState::Unused { email: "ans@example.org".into() };
        assert_eq!(store.link(&k, 1_000).await.unwrap(), unused, "looking does not use it");
        assert_eq!(store.link(&k, 1_000).await.unwrap(), unused);
        assert_eq!(store.use_link(&k, 1_000).await.unwrap(), unused);
        assert_eq!(store.use_link(&k, 1_001).await.unwrap(), LinkState::Used);
        assert_eq!(store.link(&k, 1_001).await.unwrap(), LinkState::Used);
        let old = key("link", "other");
        store.put_link(&old, "ans@example.org", 1_900).await.unwrap();
        assert_eq!(store.use_link(&old, 1_900).await.unwrap(), LinkState::Expired);
        assert_eq!(store.link(&old, 1_900).await.unwrap(), LinkState::Expired);
    }

    async fn sessions(store: &dyn SessionStore) {
        let k = key("session", "cookie-part");
        assert_eq!(store.session(&k, 1_000).await.unwrap(), None);
        store.put_session(&k, "ans@example.org", 2_000).await.unwrap();
        assert_eq!(store.session(&k, 1_999).await.unwrap().as_deref(), Some("ans@example.org"));
        assert_eq!(store.session(&k, 2_000).await.unwrap(), None, "a session ends at its time");
        store.end_session(&k).await.unwrap();
        assert_eq!(store.session(&k, 1_000).await.unwrap(), None, "signed out is signed out");
    }

    async fn counters(store: &dyn SessionStore) {
        let k = key("rate", "client-1");
        assert_eq!(store.count(&k, 5_000).await.unwrap(), 1);
        assert_eq!(store.count(&k, 5_000).await.unwrap(), 2);
        assert_eq!(store.count(&key("rate", "client-2"), 5_000).await.unwrap(), 1);
    }
}
