//! Mail: composed from templates, sent by the transport the configuration
//! picks (files in an outbox, SMTP, or the SES API on AWS).

mod compose;
mod file;
mod ses;
#[cfg(feature = "smtp")]
mod smtp;

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use uuid::Uuid;

use crate::budgets::MAIL_TIMEOUT;
use crate::store::{FollowUpStep, FormMail};

pub use compose::Composer;
pub use file::FileMailer;
pub use ses::SesMailer;
#[cfg(feature = "smtp")]
pub use smtp::SmtpMailer;

/// Which mail about a record: one of the form's own, or the mail of a
/// pickup follow-up step. Names its Message-ID and its outbox file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Form(FormMail),
    FollowUp(FollowUpStep),
    /// A mail about no form record, named by its sender (the editor's
    /// server: `sign-in`, `publish-failed`).
    Other(&'static str),
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Form(mail) => mail.as_str(),
            MailKind::FollowUp(step) => step.mail_name(),
            MailKind::Other(name) => name,
        }
    }
}

impl From<FormMail> for MailKind {
    fn from(mail: FormMail) -> Self {
        MailKind::Form(mail)
    }
}

impl From<FollowUpStep> for MailKind {
    fn from(step: FollowUpStep) -> Self {
        MailKind::FollowUp(step)
    }
}

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
    /// A bug or a bad template. Permanent: the same record composes the
    /// same way next time, so it is handled as a refusal (never retried).
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

    /// Sending it again will not help: refused for good, or not composable.
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Permanent { .. } | MailError::Compose(_))
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

/// The one way out for mail: the one composer and the configured mailer,
/// shared by the form's mail (`dispatch`) and the pickup loop's.
pub struct Postman {
    mailer: Arc<dyn Mailer>,
    composer: Composer,
}

impl Postman {
    pub fn new(mailer: Arc<dyn Mailer>, composer: Composer) -> Self {
        Self { mailer, composer }
    }

    pub fn composer(&self) -> &Composer {
        &self.composer
    }

    /// Sends within `MAIL_TIMEOUT` and before `deadline`; a mail server
    /// slower than that is a temporary failure.
    pub async fn send(&self, mail: &OutgoingMail, deadline: Instant) -> Result<(), MailError> {
        let budget = deadline.saturating_duration_since(Instant::now()).min(MAIL_TIMEOUT);
        if budget.is_zero() {
            return Err(MailError::temporary("no time left"));
        }
        match tokio::time::timeout(budget, self.mailer.send(mail)).await {
            Ok(result) => result,
            Err(_) => Err(MailError::temporary(format!("no answer within {} ms", budget.as_millis()))),
        }
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refusal_or_a_mail_that_cannot_be_composed_is_for_good() {
        assert!(MailError::Compose("bad template".into()).is_permanent(), "composing again gives the same");
        assert!(MailError::Permanent { code: Some(550), reason: "no such user".into() }.is_permanent());
        assert!(!MailError::Temporary { code: Some(451), reason: "later".into() }.is_permanent());
        assert!(!MailError::temporary("no answer").is_permanent());
    }

    #[test]
    fn each_mail_is_named_by_its_kind() {
        let names: Vec<&str> = [
            MailKind::from(FormMail::Coordinator),
            FormMail::Confirmation.into(),
            FollowUpStep::Reminded.into(),
            FollowUpStep::Escalated.into(),
            FollowUpStep::ReferrerTold.into(),
            MailKind::Other("sign-in"),
        ]
        .map(MailKind::as_str)
        .to_vec();
        assert_eq!(names, ["coordinator", "confirmation", "reminder", "escalation", "pickedup", "sign-in"]);
    }
}
