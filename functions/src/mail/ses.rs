//! Mail on AWS: the message lettre composed, sent raw through the SES v2
//! API and signed with the function's own role. No SMTP login, no secret:
//! the role may send as the stack's one SES identity and nothing else.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::config::http::HttpResponse;
use aws_sdk_sesv2::error::{DisplayErrorContext, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

use super::{MailError, Mailer, OutgoingMail};

pub struct SesMailer {
    client: Client,
}

impl SesMailer {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let envelope = mail.message.envelope();
        // The envelope, not the headers, says who gets it (as over SMTP).
        let to = envelope.to().iter().map(ToString::to_string).collect();
        let raw = RawMessage::builder()
            .data(Blob::new(mail.message.formatted()))
            .build()
            .map_err(|e| MailError::Compose(e.to_string()))?;
        let mut request = self
            .client
            .send_email()
            .destination(Destination::builder().set_to_addresses(Some(to)).build())
            .content(EmailContent::builder().raw(raw).build());
        if let Some(from) = envelope.from() {
            request = request.from_email_address(from.to_string());
        }
        request.send().await.map(|_| ()).map_err(classify)
    }
}

/// SES's answer as a mail error: a refusal of this message or address is
/// permanent (sending it again gets the same answer); throttling, a paused
/// or suspended account, a timeout or a broken connection is temporary.
fn classify(e: SdkError<SendEmailError, HttpResponse>) -> MailError {
    let code = e.raw_response().map(|r| r.status().as_u16());
    let permanent = matches!(
        e.as_service_error(),
        Some(
            SendEmailError::MessageRejected(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::NotFoundException(_)
        )
    );
    let reason = format!("SES: {}", DisplayErrorContext(&e));
    if permanent { MailError::Permanent { code, reason } } else { MailError::Temporary { code, reason } }
}
