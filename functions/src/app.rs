//! Builds the application from settings: picks the store and mailer
//! adapters and hands them to the one service (`service::Submissions`)
//! the routes use; nothing else keeps them. Transports (Lambda, local) only call `App::build` and
//! `routes::router`.

use std::sync::Arc;

use crate::aws::aws_config;
use crate::clock::{Clock, SystemClock};
use crate::config::{MailerConfig, Settings, StoreConfig};
use crate::directory::{Directory, DirectoryError};
use crate::mail::{FileMailer, MailError, Mailer, SesMailer};
use crate::pages::FormPages;
use crate::pickup::{KeySource, KeyStore};
use crate::ratelimit::RateLimiter;
use crate::routing::Routing;
use crate::service::{Adapters, Submissions};
use crate::site_data::SiteData;
use crate::store::{DynamoStore, StoreError, SubmissionStore};

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct App(Arc<Inner>);

struct Inner {
    submissions: Submissions,
    pages: FormPages,
    limiter: Option<RateLimiter>,
    settings: Settings,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("cannot create the outbox {path}: {source}")]
    Outbox { path: String, source: std::io::Error },
    #[error("this build has no SQLite (the Lambda build leaves it out): set FORMS_STORE=dynamodb")]
    NoSqlite,
    #[error("this build has no SMTP (the Lambda build leaves it out): set FORMS_MAILER=ses or file")]
    NoSmtp,
}

impl App {
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// As `build`, with the clock the service and sweeper read (tests).
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let directory = Directory::builtin()?;
        // What the site publishes (routing, form pages), read while running.
        let site = Arc::new(SiteData::new(settings.site_source(), clock.clone()));
        let routing = Arc::new(Routing::new(site.clone(), directory));
        let needs_aws = matches!(settings.store, StoreConfig::Dynamo { .. })
            || settings.mailer == MailerConfig::Ses
            || matches!(settings.pickup.key, KeySource::Secret(_));
        let aws = if needs_aws { Some(aws_config().await) } else { None };
        let adapters = Adapters {
            store: open_store(&settings, aws.as_ref()).await?,
            mailer: open_mailer(&settings, aws.as_ref()).await?,
            clock,
            // The pickup key is read on first use, not here (cold starts).
            keys: KeyStore::new(settings.pickup.key.clone(), aws.clone()),
        };
        let submissions = Submissions::new(adapters, routing, &settings);
        Ok(App(Arc::new(Inner {
            submissions,
            pages: FormPages::new(site),
            limiter: settings.rate_limit_per_minute.and_then(RateLimiter::per_minute),
            settings,
        })))
    }

    /// The one way in: every operation on stored forms.
    pub fn submissions(&self) -> &Submissions {
        &self.0.submissions
    }

    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    pub(crate) fn pages(&self) -> &FormPages {
        &self.0.pages
    }

    pub(crate) fn limiter(&self) -> Option<&RateLimiter> {
        self.0.limiter.as_ref()
    }
}

async fn open_store(settings: &Settings, aws: Option<&aws_config::SdkConfig>) -> Result<Arc<dyn SubmissionStore>, StartError> {
    Ok(match (&settings.store, aws) {
        #[cfg(feature = "sqlite")]
        (StoreConfig::Sqlite { path }, _) => Arc::new(crate::store::SqliteStore::open(path)?),
        #[cfg(not(feature = "sqlite"))]
        (StoreConfig::Sqlite { .. }, _) => return Err(StartError::NoSqlite),
        (StoreConfig::Dynamo { table }, Some(aws)) => Arc::new(DynamoStore::new(crate::aws::dynamodb(aws), table.clone())),
        (StoreConfig::Dynamo { .. }, None) => unreachable!("AWS config is loaded for DynamoDB"),
    })
}

async fn open_mailer(settings: &Settings, aws: Option<&aws_config::SdkConfig>) -> Result<Arc<dyn Mailer>, StartError> {
    Ok(match &settings.mailer {
        MailerConfig::File { outbox } => Arc::new(
            FileMailer::new(outbox.clone())
                .map_err(|source| StartError::Outbox { path: outbox.display().to_string(), source })?,
        ),
        #[cfg(feature = "smtp")]
        MailerConfig::Smtp { url } => Arc::new(crate::mail::SmtpMailer::new(url.expose(), crate::budgets::MAIL_TIMEOUT)?),
        #[cfg(not(feature = "smtp"))]
        MailerConfig::Smtp { .. } => return Err(StartError::NoSmtp),
        MailerConfig::Ses => {
            let aws = aws.expect("AWS config is loaded for SES");
            Arc::new(SesMailer::new(crate::aws::ses(aws)))
        }
    })
}
