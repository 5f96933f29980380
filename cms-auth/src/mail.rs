//! The two mails this server sends, through the form function's mailer
//! (an outbox folder locally, the SES API on AWS): the sign-in link to an
//! editor, and "publishing failed" to the operator.

use std::sync::Arc;

use askama::Template;
use forms::mail::{MailError, MailKind, Mailer, OutgoingMail};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};

use crate::store::Editor;

/// Where the mails go from and to, and the mailer that sends them.
pub struct MailOut {
    pub mailer: Arc<dyn Mailer>,
    pub from: Mailbox,
    pub operator: Option<Mailbox>,
    pub site_origin: String,
}

pub struct SignInMail<'a> {
    pub to: &'a Editor,
    pub token: &'a str,
}

/// A publish run that did not succeed, as GitHub reported it.
pub struct FailedPublish<'a> {
    pub commit: &'a str,
    pub author: &'a str,
    pub message: &'a str,
    pub run_url: &'a str,
    pub repository: &'a str,
    pub branch: &'a str,
}

pub const SIGN_IN_SUBJECT: &str = "Inloggen op de editor van Steun voor gezinnen";
pub const LINK_PATH: &str = "/api/cms/link";

#[derive(Template)]
#[template(path = "sign_in_mail.txt")]
struct SignInText<'a> {
    name: &'a str,
    site: &'a str,
    link: &'a str,
    admin: &'a str,
}

#[derive(Template)]
#[template(path = "sign_in_mail.html")]
struct SignInHtml<'a> {
    subject: &'a str,
    name: &'a str,
    site: &'a str,
    link: &'a str,
    admin: &'a str,
}

#[derive(Template)]
#[template(path = "publish_failed_mail.txt")]
struct FailedText<'a> {
    author: &'a str,
    message: &'a str,
    commit: &'a str,
    run_url: &'a str,
    repository: &'a str,
    branch: &'a str,
}

fn compose_error(e: impl std::fmt::Display) -> MailError {
    MailError::Compose(e.to_string())
}

impl MailOut {
    pub async fn send_sign_in(&self, mail: &SignInMail<'_>) -> Result<(), MailError> {
        let link = format!("{}{LINK_PATH}?t={}", self.site_origin, mail.token);
        let admin = format!("{}/admin/", self.site_origin);
        let site = self.site_origin.split("://").nth(1).unwrap_or(&self.site_origin);
        let name = if mail.to.name.trim().is_empty() { "editor" } else { mail.to.name.as_str() };
        let text = SignInText { name, site, link: &link, admin: &admin }.render().map_err(compose_error)?;
        let html =
            SignInHtml { subject: SIGN_IN_SUBJECT, name, site, link: &link, admin: &admin }.render().map_err(compose_error)?;
        let to = Mailbox::new(None, mail.to.email.parse().map_err(compose_error)?);
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(SIGN_IN_SUBJECT)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(compose_error)?;
        self.send(MailKind::Other("sign-in"), message).await
    }

    /// Mails the operator; without an operator address the log says it.
    pub async fn send_publish_failed(&self, failed: &FailedPublish<'_>) -> Result<(), MailError> {
        let Some(operator) = self.operator.clone() else {
            tracing::error!("publishing failed and OPERATOR_EMAIL is not set: nobody was mailed");
            return Ok(());
        };
        let text = FailedText {
            author: failed.author,
            message: failed.message,
            commit: failed.commit,
            run_url: failed.run_url,
            repository: failed.repository,
            branch: failed.branch,
        }
        .render()
        .map_err(compose_error)?;
        let short: String = failed.commit.chars().take(7).collect();
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(operator)
            .subject(format!("Publiceren mislukt na een wijziging in de editor ({short})"))
            // UTF-8 said out loud: an editor's name may have an é or ł.
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(compose_error)?;
        self.send(MailKind::Other("publish-failed"), message).await
    }

    async fn send(&self, kind: MailKind, message: lettre::Message) -> Result<(), MailError> {
        // The outbox names a file after its record and kind; these mails
        // belong to no form record, so each gets an id of its own.
        let mail = OutgoingMail { record_id: uuid::Uuid::new_v4(), kind, message };
        match tokio::time::timeout(crate::budgets::AWS_CALL, self.mailer.send(&mail)).await {
            Ok(result) => result,
            Err(_) => Err(MailError::temporary("the mailer did not answer in time")),
        }
    }
}
