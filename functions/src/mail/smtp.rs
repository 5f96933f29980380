//! SMTP through lettre (rustls). On AWS: SES's SMTP interface, with
//! credentials read from Secrets Manager at start-up.

use std::time::Duration;

use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{MailError, Mailer, OutgoingMail};

#[derive(Clone, serde::Deserialize)]
pub struct SmtpCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpCredentials").field("username", &self.username).finish_non_exhaustive()
    }
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    /// `url` in lettre's form, e.g. `smtp://127.0.0.1:2525` or
    /// `smtp://email-smtp.eu-west-1.amazonaws.com:587?tls=required`.
    pub fn new(url: &str, credentials: Option<SmtpCredentials>, timeout: Duration) -> Result<Self, MailError> {
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| MailError::Config(format!("SMTP_URL: {e}")))?;
        builder = builder.timeout(Some(timeout));
        if let Some(c) = credentials {
            builder = builder.credentials(Credentials::new(c.username, c.password));
        }
        Ok(Self { transport: builder.build() })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        self.transport.send(mail.message.clone()).await.map(|_| ()).map_err(|e| classify(&e))
    }
}

/// SMTP reply codes that are about our login, not the mail: an operator
/// fixes them, and the mail then goes out (so: temporary).
const CREDENTIAL_CODES: [u16; 4] = [530, 534, 535, 538];

/// A 5xx answer is permanent (the recipient or the message was refused),
/// except for a refused login; everything else may work next time.
pub(crate) fn classify(error: &lettre::transport::smtp::Error) -> MailError {
    let code = error.status().and_then(|c| c.to_string().parse::<u16>().ok());
    let reason = error.to_string();
    match code {
        Some(c) if error.is_permanent() && !CREDENTIAL_CODES.contains(&c) => MailError::Permanent { code, reason },
        _ => MailError::Temporary { code, reason },
    }
}
