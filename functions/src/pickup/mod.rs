//! Closing the loop on every form: the coordinator's mail carries a signed
//! "Ik pak dit op" link; nobody picking it up brings a reminder, then a
//! mail to the fallback inbox; a picked-up referral tells the referrer.
//!
//! `token` signs links, `key` finds the key, `workdays` counts Dutch
//! working days, `pages` and `mail` are what people see, `follow_up` is
//! the sweeper's step and `open` the operator's list. The hooks elsewhere
//! are thin: a route, a link in the coordinator mail, one call per sweep.

pub mod follow_up;
pub mod key;
pub mod mail;
pub mod open;
pub mod pages;
pub mod routes;
pub mod summary;
pub mod token;
pub mod workdays;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::clock::Clock;
use crate::directory::Directory;
use crate::domain::EmailAddress;
use crate::mail::{Composer, Mailer};
use crate::store::{Record, SubmissionStore};

pub use follow_up::FollowUpReport;
pub use key::{KeyError, KeySource, KeyStore};

/// Where pickup pages live, under the API (CloudFront sends `/api/*` to
/// the function, uncached).
pub const PATH_PREFIX: &str = "/api/pickup/";

/// Settings of the pickup loop (from `config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupSettings {
    /// The site's own address, without a trailing slash; links start here.
    pub site_url: String,
    pub key: KeySource,
}

/// Everything the pickup loop needs; one per app.
pub struct PickupDesk {
    pub settings: PickupSettings,
    /// Working days before the reminder, and again before the escalation
    /// (`[follow_up]` in site/data/directory.toml).
    reminder_working_days: u32,
    keys: KeyStore,
    store: Arc<dyn SubmissionStore>,
    mailer: Arc<dyn Mailer>,
    composer: Composer,
    /// The fallback inbox of `site/data/directory.toml`.
    fallback: EmailAddress,
    clock: Arc<dyn Clock>,
}

impl PickupDesk {
    /// `directory`: the fallback inbox and the follow-up's working days.
    pub fn new(
        settings: PickupSettings,
        keys: KeyStore,
        store: Arc<dyn SubmissionStore>,
        mailer: Arc<dyn Mailer>,
        composer: Composer,
        directory: &Directory,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let fallback = directory.fallback().clone();
        let reminder_working_days = directory.reminder_working_days();
        Self { settings, reminder_working_days, keys, store, mailer, composer, fallback, clock }
    }

    /// The full "Ik pak dit op" address for a record; valid as long as the
    /// record is kept.
    pub async fn link(&self, record: &Record) -> Result<String, KeyError> {
        let token = self.keys.get().await?.sign(record.id, record.expires_at);
        Ok(format!("{}{}", self.settings.site_url, token.path()))
    }

    /// Now, for every time rule of the pickup loop.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    pub fn store(&self) -> &Arc<dyn SubmissionStore> {
        &self.store
    }

    /// When the reminder is due for a form that came in at `received`.
    pub fn reminder_due(&self, received: OffsetDateTime) -> OffsetDateTime {
        workdays::end_of_working_days_after(received, self.reminder_working_days)
    }

    /// When the escalation is due after a reminder sent at `reminded`.
    pub fn escalation_due(&self, reminded: OffsetDateTime) -> OffsetDateTime {
        workdays::end_of_working_days_after(reminded, self.reminder_working_days)
    }
}
