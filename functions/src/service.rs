//! The one way in for a submission: build its record, store it, send its
//! mail. Routes, admin commands, the sweeper and tests all come through
//! here; nothing else reaches the store.

use std::sync::Arc;
use std::time::Instant;

use time::Duration;
use uuid::Uuid;

use crate::budgets::{LEASE, REQUEST_SEND_BUDGET, SWEEP_BUDGET, SWEEP_MARGIN};
use crate::clock::Clock;
use crate::directory::Directory;
use crate::dispatch::{Dispatcher, SweepReport};
use crate::domain::{EmailAddress, Submission};
use crate::store::{PendingStats, Record, StoreError, SubmissionStore, Unreadable};

pub struct Submissions {
    store: Arc<dyn SubmissionStore>,
    dispatcher: Dispatcher,
    directory: Directory,
    clock: Arc<dyn Clock>,
    retention: Duration,
}

/// A submission taken in: its record is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// Stored now; its mail was sent or is pending for the sweeper.
    New(Uuid),
    /// The same form with the same key was stored before: nothing new.
    Repeated(Uuid),
}

impl Accepted {
    pub fn id(self) -> Uuid {
        match self {
            Accepted::New(id) | Accepted::Repeated(id) => id,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotAccepted {
    /// The key was used before for a different form: the sender must send
    /// this one again (with a fresh key), or it would be lost.
    #[error("submission {0} was used before for a different form")]
    KeyReused(Uuid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Submissions {
    pub fn new(
        store: Arc<dyn SubmissionStore>,
        dispatcher: Dispatcher,
        directory: Directory,
        clock: Arc<dyn Clock>,
        retention: Duration,
    ) -> Self {
        Self { store, dispatcher, directory, clock, retention }
    }

    /// Routes, stores, then tries to send within `REQUEST_SEND_BUDGET`;
    /// what is not sent by then stays pending for the sweeper. `key` is
    /// the sender's idempotency key (`submission_id`).
    pub async fn accept(&self, submission: Submission, key: Option<Uuid>) -> Result<Accepted, NotAccepted> {
        let id = key.unwrap_or_else(Uuid::now_v7);
        let routed_to = self.directory.route(&submission).clone();
        let lease = Duration::try_from(LEASE).expect("the lease fits");
        let record = Record::new(id, submission, routed_to, self.clock.now(), self.retention, lease);
        match self.store.insert(&record).await? {
            crate::store::Inserted::New => {
                self.dispatcher.dispatch(&record, Instant::now() + REQUEST_SEND_BUDGET).await;
                Ok(Accepted::New(id))
            }
            crate::store::Inserted::Duplicate => match self.store.get(id).await? {
                Some(stored) if stored.submission == record.submission => Ok(Accepted::Repeated(id)),
                // Other content (or erased meanwhile): never say "received" for it.
                _ => Err(NotAccepted::KeyReused(id)),
            },
        }
    }

    /// One sweep of pending mail within `SWEEP_BUDGET`.
    pub async fn sweep(&self) -> Result<SweepReport, StoreError> {
        self.sweep_until(Instant::now() + SWEEP_BUDGET).await
    }

    /// One sweep that claims nothing it cannot send before `deadline`.
    pub async fn sweep_until(&self, deadline: Instant) -> Result<SweepReport, StoreError> {
        let lease = Duration::try_from(LEASE).expect("the lease fits");
        self.dispatcher.sweep(deadline, lease).await
    }

    /// A sweep on Lambda: the earlier of our own budget and the time the
    /// invocation has left (less a margin to report), so Lambda never stops
    /// it in the middle of a send.
    pub async fn sweep_within(&self, remaining: std::time::Duration) -> Result<SweepReport, StoreError> {
        let ours = SWEEP_BUDGET;
        let theirs = remaining.saturating_sub(SWEEP_MARGIN);
        self.sweep_until(Instant::now() + ours.min(theirs)).await
    }

    pub async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        self.store.get(id).await
    }

    pub async fn pending_stats(&self) -> Result<PendingStats, StoreError> {
        self.store.pending_stats(self.clock.now()).await
    }

    /// Every record holding the address (a data request); one that no
    /// longer parses comes back as `Unreadable`, with its id.
    pub async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Result<Record, Unreadable>>, StoreError> {
        self.store.find_by_email(email).await
    }

    /// Deletes every record holding the address; returns how many.
    pub async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError> {
        self.store.erase_by_email(email).await
    }

    pub fn backoff(&self, attempts: u32) -> Duration {
        self.dispatcher.backoff(attempts)
    }
}
