//! Mail: composed from templates, sent by the transport the configuration
//! picks (files in an outbox, SMTP, or the SES API on AWS).

mod amsterdam;
mod compose;
mod file;
mod ses;
#[cfg(feature = "smtp")]
mod smtp;

use async_trait::async_trait;
use uuid::Uuid;

use crate::store::MailKind;

pub use amsterdam::amsterdam_time;
pub use compose::{Composer, coordinator_subject};
pub use file::FileMailer;
pub use ses::SesMailer;
#[cfg(feature = "smtp")]
pub use smtp::SmtpMailer;

/// One mail about one record, ready to go.
pub struct OutgoingMail {
    pub record_id: Uuid,
    pub kind: MailKind,
    pub message: lettre::Message,
}

/// Why a mail did not go out. The dispatcher retries a temporary failure
/// with growing pauses; a permanent one goes to the fallback inbox at once.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// A bug or a bad template: retried, as a fixed build can send it.
    #[error("the mail could not be composed: {0}")]
    Compose(String),
    /// The server refused this mail for good (an SMTP 5xx, an SES
    /// rejection of an address): sending it again will not help.
    #[error("refused: {reason}")]
    Permanent { code: Option<u16>, reason: String },
    /// Try again later: a 4xx, a lost or refused connection, a timeout,
    /// or the server refusing our credentials (an operator fixes those).
    #[error("not sent this time: {reason}")]
    Temporary { code: Option<u16>, reason: String },
    /// The transport's settings are wrong (found at start-up).
    #[error("mail settings: {0}")]
    Config(String),
}

impl MailError {
    pub fn temporary(reason: impl Into<String>) -> Self {
        MailError::Temporary { code: None, reason: reason.into() }
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Permanent { .. })
    }

    /// What may go into a log: the kind and the server's code, never the
    /// server's text (it often repeats the recipient's address).
    pub fn log_summary(&self) -> String {
        match self {
            MailError::Compose(_) => "compose failed".into(),
            MailError::Config(_) => "mail settings".into(),
            MailError::Permanent { code, .. } => {
                format!("permanent refusal (code {})", code.map_or("-".into(), |c| c.to_string()))
            }
            MailError::Temporary { code: Some(c), .. } => format!("temporary failure (code {c})"),
            MailError::Temporary { code: None, .. } => "temporary failure (no answer, connection or timeout)".into(),
        }
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}

#[cfg(test)]
mod props;
