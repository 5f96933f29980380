//! Closing the loop on every form: the coordinator's mail carries a signed
//! "Ik pak dit op" link; nobody picking it up brings a reminder, then a
//! mail to the fallback inbox; a picked-up referral tells the referrer.
//!
//! `token` signs links, `key` finds the key, `workdays` counts Dutch
//! working days, `follow_up` is the sweep's second step (the rule and its
//! mails in `mail`), `routes` and `pages` are what a coordinator opens,
//! `open` the operator's list. Every operation on a stored form goes
//! through `crate::service::Submissions`; nothing here holds a store.

pub mod follow_up;
pub mod key;
pub mod mail;
pub mod open;
pub mod pages;
pub mod routes;
pub mod summary;
pub mod token;
pub mod workdays;

use std::time::Instant;

use time::OffsetDateTime;

use crate::mail::MailError;
use crate::store::Record;
use token::{LinkToken, Verdict};

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

/// Makes and checks the signed links: the key (read on first use) and the
/// site's address. One per service, shared by the coordinator's mail, the
/// follow-up's mails and the pickup pages.
pub struct Links {
    site_url: String,
    keys: KeyStore,
}

impl Links {
    pub fn new(site_url: String, keys: KeyStore) -> Self {
        Self { site_url, keys }
    }

    /// The full "Ik pak dit op" address for a record, valid as long as the
    /// record is kept. Reading the key counts against the mail's
    /// `deadline`; without the key in time a mail waits (a temporary
    /// failure) rather than going out without its link.
    pub async fn link(&self, record: &Record, deadline: Instant) -> Result<String, MailError> {
        let budget = deadline.saturating_duration_since(Instant::now());
        let key = match tokio::time::timeout(budget, self.keys.get()).await {
            Ok(Ok(key)) => key,
            Ok(Err(e)) => {
                // The key's source and what went wrong; no personal data.
                tracing::warn!(record = %record.id, error = %e, "no pickup link yet");
                return Err(MailError::temporary(format!("no pickup link: {e}")));
            }
            Err(_) => return Err(MailError::temporary(format!("no pickup link: no key within {} ms", budget.as_millis()))),
        };
        Ok(format!("{}{}", self.site_url, key.sign(record.id, record.expires_at).path()))
    }

    pub async fn verify(&self, token: &LinkToken, now: OffsetDateTime) -> Result<Verdict, KeyError> {
        Ok(self.keys.get().await?.verify(token, now))
    }
}

/// Why a pickup link does not lead to its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefused {
    /// Not made by us, or changed.
    Tampered,
    /// Past its end, or the form is no longer kept.
    Gone,
    /// The key or the store could not be reached: try again.
    Unavailable,
}

/// A link we signed, not expired, to a form still kept: only
/// `Submissions::open_link` makes one, and only it lets a form be picked up.
#[derive(Debug)]
pub struct OpenedLink {
    token: LinkToken,
    record: Record,
}

impl OpenedLink {
    pub(crate) fn new(token: LinkToken, record: Record) -> Self {
        Self { token, record }
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The page's own path, where its button posts.
    pub fn path(&self) -> String {
        self.token.path()
    }
}

/// What pressing the button did.
#[derive(Debug)]
pub enum PickUp {
    /// This coordinator picked it up.
    Now,
    /// Someone had already; the record as it is now says who and when.
    Before(Box<Record>),
}
