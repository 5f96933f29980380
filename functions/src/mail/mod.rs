//! Mail: composed from templates, sent by the transport the configuration
//! picks (files in an outbox, SMTP, or the SES API on AWS).

mod amsterdam;
mod compose;
mod file;
mod ses;
mod smtp;

use async_trait::async_trait;
use uuid::Uuid;

use crate::store::MailKind;

pub use amsterdam::amsterdam_time;
pub use compose::Composer;
pub use file::FileMailer;
pub use ses::SesMailer;
pub use smtp::SmtpMailer;

/// One mail about one record, ready to go.
pub struct OutgoingMail {
    pub record_id: Uuid,
    pub kind: MailKind,
    pub message: lettre::Message,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail could not be composed: {0}")]
    Compose(String),
    #[error("the mail could not be sent: {0}")]
    Send(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}

#[cfg(test)]
mod props;
