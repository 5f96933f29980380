//! The one way in. Every operation on stored forms is a method of
//! `Submissions`: taking a form in, the sweep, what SES reports about
//! sent mail (bounces, complaints), picking a form up and checking its
//! link, the operator's list of open forms, and data requests. Routes, admin commands, the sweeper and tests all come
//! through here; nothing else holds the store.
//!
//! The parts inside share the one store, the one mailer (`Postman`) and
//! the pickup links: `dispatch` sends a record's form mail, `sweep` runs
//! the mail step, `pickup::follow_up` the reminders and escalations,
//! `feedback` takes bounces and complaints.

use std::sync::Arc;
use std::time::Instant;

use time::Duration;
use uuid::Uuid;

use crate::budgets::{LEASE, REQUEST_SEND_BUDGET, SWEEP_BUDGET, SWEEP_MARGIN};
use crate::clock::Clock;
use crate::config::Settings;
use crate::dispatch::Dispatcher;
use crate::domain::{EmailAddress, FormKind, PickerName, Submission};
use crate::feedback::{self, Notice, Taken};
use crate::mail::{Composer, Mailer, Postman};
use crate::pickup::follow_up::FollowUp;
use crate::pickup::open::{OpenForm, OpenForms};
use crate::pickup::token::{LinkToken, Verdict};
use crate::pickup::{KeyStore, LinkRefused, Links, OpenedLink, PickUp};
use crate::routing::Routing;
use crate::store::{Inserted, Loaded, PendingStats, PickedUp, Record, StoreError, SubmissionStore};
use crate::sweep::{self, SweepReport};

/// What the configuration picked (`crate::app`): the one store, the one
/// mail transport, the clock, and where the pickup links' key is.
pub struct Adapters {
    pub store: Arc<dyn SubmissionStore>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub keys: KeyStore,
}

pub struct Submissions {
    store: Arc<dyn SubmissionStore>,
    clock: Arc<dyn Clock>,
    /// Who receives which form, as the site publishes it now.
    routing: Arc<Routing>,
    retention: Duration,
    links: Arc<Links>,
    dispatcher: Dispatcher,
    follow_up: FollowUp,
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
    pub fn new(adapters: Adapters, routing: Arc<Routing>, settings: &Settings) -> Self {
        let Adapters { store, mailer, clock, keys } = adapters;
        // The confirmation's promise and the follow-up's rule come from the
        // same setting: [follow_up] in site/data/directory.toml, as built in.
        let follow_up_days = routing.builtin().reminder_working_days();
        let composer = Composer::new(settings.mail_from.clone(), routing.builtin().answer_within_working_days());
        let post = Arc::new(Postman::new(mailer, composer));
        let links = Arc::new(Links::new(settings.pickup.site_url.clone(), keys));
        let dispatcher =
            Dispatcher::new(store.clone(), post.clone(), links.clone(), clock.clone(), routing.clone(), settings.sweep_interval);
        let follow_up = FollowUp::new(store.clone(), post, links.clone(), routing.clone(), follow_up_days);
        Self { store, clock, routing, retention: settings.retention, links, dispatcher, follow_up }
    }

    // Taking a form in.

    /// Routes, stores, then tries to send within `REQUEST_SEND_BUDGET`;
    /// what is not sent by then stays pending for the sweep. `key` is the
    /// sender's idempotency key (`submission_id`).
    pub async fn accept(&self, submission: Submission, key: Option<Uuid>) -> Result<Accepted, NotAccepted> {
        let id = key.unwrap_or_else(Uuid::now_v7);
        let routed_to = self.routing.current().await.route(&submission).clone();
        let lease = Duration::try_from(LEASE).expect("the lease fits");
        let record = Record::new(id, submission, routed_to, self.clock.now(), self.retention, lease);
        match self.store.insert(&record).await? {
            Inserted::New => {
                self.dispatcher.dispatch(&record, Instant::now() + REQUEST_SEND_BUDGET).await;
                Ok(Accepted::New(id))
            }
            Inserted::Duplicate => match self.store.get(id).await? {
                Some(stored) if stored.submission == record.submission => Ok(Accepted::Repeated(id)),
                // Other content (or erased meanwhile): never say "received" for it.
                _ => Err(NotAccepted::KeyReused(id)),
            },
        }
    }

    // The sweep.

    /// One sweep within `SWEEP_BUDGET`.
    pub async fn sweep(&self) -> SweepReport {
        self.sweep_until(Instant::now() + SWEEP_BUDGET).await
    }

    /// A sweep on Lambda: the earlier of our own budget and the time the
    /// invocation has left (less a margin to report), so Lambda never stops
    /// it in the middle of a send.
    pub async fn sweep_within(&self, remaining: std::time::Duration) -> SweepReport {
        let theirs = remaining.saturating_sub(SWEEP_MARGIN);
        self.sweep_until(Instant::now() + SWEEP_BUDGET.min(theirs)).await
    }

    /// The mail step and the pickup follow-up side by side, neither
    /// claiming anything it cannot finish before `deadline`.
    pub async fn sweep_until(&self, deadline: Instant) -> SweepReport {
        // Boxed: each step is a deep future of its own (store, mail, pickup).
        let (mail, follow_up) = tokio::join!(
            Box::pin(sweep::mail_step(&*self.store, &self.dispatcher, &*self.clock, deadline)),
            Box::pin(self.follow_up.run(self.clock.now(), deadline)),
        );
        SweepReport { mail, follow_up }
    }

    /// `SWEEP_INTERVAL_SECONDS` × 2^(attempts − 1), at most an hour: the
    /// pause after a failed send.
    pub fn backoff(&self, attempts: u32) -> Duration {
        self.dispatcher.backoff(attempts)
    }

    // What SES reports after sending (`crate::feedback`).

    /// Takes one bounce or complaint report: recorded once; a bounce of a
    /// mail to the coordinator hands the form to the fallback inbox.
    pub async fn take_feedback(&self, notice: &Notice) -> Result<Taken, StoreError> {
        feedback::take(&*self.store, &self.dispatcher, &*self.clock, notice).await
    }

    // Picking a form up (`crate::pickup::routes`).

    /// The form behind a pickup link, if we signed the link, it has not
    /// expired, and the form is still kept.
    pub async fn open_link(&self, token: LinkToken) -> Result<OpenedLink, LinkRefused> {
        let now = self.clock.now();
        match self.links.verify(&token, now).await {
            Ok(Verdict::Valid) => {}
            Ok(Verdict::Tampered) => return Err(LinkRefused::Tampered),
            Ok(Verdict::Expired) => return Err(LinkRefused::Gone),
            Err(e) => {
                tracing::error!(error = %e, "pickup key unavailable");
                return Err(LinkRefused::Unavailable);
            }
        }
        match self.store.get(token.id).await {
            Ok(Some(record)) if now < record.expires_at => Ok(OpenedLink::new(token, record)),
            Ok(_) => Err(LinkRefused::Gone),
            Err(e) => {
                tracing::error!(record = %token.id, error = %e, "pickup: store unavailable");
                Err(LinkRefused::Unavailable)
            }
        }
    }

    /// Marks the form picked up, once for everyone; a referral's referrer
    /// hears it at once if the mail goes out in time (else the sweep tells them).
    pub async fn pick_up(&self, link: &OpenedLink, by: Option<PickerName>) -> Result<PickUp, LinkRefused> {
        let (id, now) = (link.record().id, self.clock.now());
        // A referral stays in the follow-up until its referrer is told.
        let follow_up = (link.record().submission.kind() == FormKind::Referral).then_some(now);
        let picked = self.store.pick_up(id, now, by.as_ref(), follow_up).await.map_err(|e| {
            tracing::error!(record = %id, error = %e, "pickup: could not mark");
            LinkRefused::Unavailable
        })?;
        match picked {
            PickedUp::Now => {
                tracing::info!(record = %id, "form picked up");
                if let Ok(Some(fresh)) = self.store.get(id).await {
                    self.follow_up.after_pickup(&fresh, now).await;
                }
                Ok(PickUp::Now)
            }
            PickedUp::Before => match self.store.get(id).await {
                Ok(Some(fresh)) => Ok(PickUp::Before(Box::new(fresh))),
                Ok(None) => Err(LinkRefused::Gone),
                Err(_) => Err(LinkRefused::Unavailable),
            },
            PickedUp::Missing => Err(LinkRefused::Gone),
        }
    }

    /// Forms nobody picked up yet (`forms open`), and the ids of records
    /// that could not be read.
    pub async fn open_forms(&self) -> Result<OpenForms, StoreError> {
        let now = self.clock.now();
        let mut open = OpenForms::default();
        for loaded in self.store.open_forms().await? {
            match loaded {
                Ok(record) => open.forms.extend(OpenForm::of(&record, now)),
                Err(unreadable) => open.unreadable.push(unreadable.id),
            }
        }
        Ok(open)
    }

    // Reading what is stored, and data requests.

    pub async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        self.store.get(id).await
    }

    pub async fn pending_stats(&self) -> Result<PendingStats, StoreError> {
        self.store.pending_stats(self.clock.now()).await
    }

    /// Every record holding the address (a data request); one that no
    /// longer parses comes back as `Unreadable`, with its id.
    pub async fn find_by_email(&self, email: &EmailAddress) -> Result<Vec<Loaded>, StoreError> {
        self.store.find_by_email(email).await
    }

    /// Deletes every record holding the address; returns how many.
    pub async fn erase_by_email(&self, email: &EmailAddress) -> Result<usize, StoreError> {
        self.store.erase_by_email(email).await
    }
}
