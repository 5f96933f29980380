//! SMTP through lettre (rustls), for local and self-hosted use. A login,
//! if the server needs one, goes in the URL (`smtps://user:pass@host`).

use std::time::Duration;

use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::{MailError, Mailer, OutgoingMail};

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    /// `url` in lettre's form, e.g. `smtp://127.0.0.1:2525` or
    /// `smtp://user:pass@mail.example.org:587?tls=required`.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, MailError> {
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| MailError::Config(format!("SMTP_URL: {e}")))?;
        builder = builder.timeout(Some(timeout));
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
