//! Turns a stored record into the coordinator's mail or the sender's
//! confirmation. Headers are built from typed values only (lettre encodes
//! them); the HTML part is escaped by askama.

use askama::Template;
use lettre::message::{Mailbox, MultiPart};

use super::{MailError, MailKind, OutgoingMail};
use crate::domain::{EmailAddress, FormKind, Lang, Submission};
use crate::store::{FormMail, Record, Refusal};
use crate::words;

pub struct Composer {
    from: Mailbox,
    /// Right-hand side of our Message-IDs: the sending domain.
    domain: String,
}

#[derive(Template)]
#[template(path = "mail/coordinator.txt")]
struct CoordinatorText<'a> {
    heading: &'a str,
    action: &'a str,
    language_note: &'a str,
    rows: &'a [(&'static str, String)],
    received: &'a str,
    id: &'a str,
    pickup_link: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "mail/coordinator.html")]
struct CoordinatorHtml<'a> {
    subject: &'a str,
    heading: &'a str,
    action: &'a str,
    language_note: &'a str,
    rows: &'a [(&'static str, String)],
    received: &'a str,
    id: &'a str,
    pickup_link: Option<&'a str>,
}

/// The sender's confirmation, in their language (site/i18n/<lang>.toml).
/// Greeting and reference are split around `{name}` / `{id}` so the HTML
/// can isolate those (a Latin name or id inside Arabic text).
#[derive(Template)]
#[template(path = "mail/confirmation.txt")]
struct ConfirmationText<'a> {
    greeting_before: &'a str,
    name: &'a str,
    greeting_after: &'a str,
    thanks: &'a str,
    next_heading: &'a str,
    next_steps: &'a [&'a str],
    reference_before: &'a str,
    id: &'a str,
    reference_after: &'a str,
    regards: &'a str,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "mail/confirmation.html")]
struct ConfirmationHtml<'a> {
    lang: &'a str,
    dir: &'a str,
    subject: &'a str,
    greeting_before: &'a str,
    name: &'a str,
    greeting_after: &'a str,
    thanks: &'a str,
    next_heading: &'a str,
    next_steps: &'a [&'a str],
    reference_before: &'a str,
    id: &'a str,
    reference_after: &'a str,
    regards: &'a str,
    signature: &'a str,
}

impl Composer {
    pub fn new(from: Mailbox) -> Self {
        let domain = from.email.domain().to_owned();
        Self { from, domain }
    }

    /// The coordinator's mail: the whole form, how to answer, and the
    /// signed "Ik pak dit op" link (see `crate::pickup`).
    pub fn coordinator(&self, record: &Record, pickup_link: &str) -> Result<OutgoingMail, MailError> {
        let s = &record.submission;
        let message_id = self.message_id(record, FormMail::Coordinator);
        let message = self.coordinator_mail(
            record,
            &record.routed_to,
            words::coordinator_subject(s),
            words::coordinator_action(s),
            message_id,
            Some(pickup_link),
        )?;
        Ok(OutgoingMail { record_id: record.id, kind: FormMail::Coordinator.into(), message })
    }

    /// Stable per record and mail: a mail sent twice is recognisably the same.
    pub fn message_id(&self, record: &Record, kind: impl Into<MailKind>) -> String {
        format!("<{}.{}@{}>", record.id, kind.into().as_str(), self.domain)
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// A refused mail, handed to a person: the form as the coordinator
    /// would have had it, to the fallback inbox, with a first line saying
    /// which address refused which mail and why.
    pub fn dead_letter(&self, record: &Record, refusal: &Refusal, fallback: &EmailAddress) -> Result<OutgoingMail, MailError> {
        let action = words::dead_letter_action(refusal, &record.submission);
        let subject = words::dead_letter_subject(&record.submission);
        let kind = refusal.mail.as_str();
        let message_id = format!("<{}.{kind}.refused@{}>", record.id, self.domain);
        let message = self.coordinator_mail(record, fallback, subject, action, message_id, None)?;
        Ok(OutgoingMail { record_id: record.id, kind: refusal.mail.into(), message })
    }

    fn coordinator_mail(
        &self,
        record: &Record,
        to: &EmailAddress,
        subject: String,
        action: String,
        message_id: String,
        pickup_link: Option<&str>,
    ) -> Result<lettre::Message, MailError> {
        let s = &record.submission;
        let rows = s.labelled_fields();
        let received = words::received(record.received_at);
        let id = record.id.to_string();
        let heading = words::coordinator_heading(s);
        let language_note = words::language_note(s.lang);
        let language_note = language_note.as_deref().unwrap_or("");
        let text = CoordinatorText {
            heading: &heading,
            action: &action,
            language_note,
            rows: &rows,
            received: &received,
            id: &id,
            pickup_link,
        };
        let html = CoordinatorHtml {
            subject: &subject,
            heading: &heading,
            action: &action,
            language_note,
            rows: &rows,
            received: &received,
            id: &id,
            pickup_link,
        };

        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to.to_lettre()))
            .subject(subject.clone())
            .message_id(Some(message_id));
        if let Some((name, email)) = s.reply_to() {
            builder = builder.reply_to(Mailbox::new(Some(name.as_str().to_owned()), email.to_lettre()));
        }
        builder.multipart(MultiPart::alternative_plain_html(render(&text)?, render(&html)?)).map_err(compose)
    }

    /// The sender's confirmation, in their language.
    pub fn confirmation(&self, record: &Record) -> Result<OutgoingMail, MailError> {
        let s = &record.submission;
        let (name, email) = s.reply_to().ok_or_else(|| MailError::Compose("no address to confirm to".into()))?;
        let lang = s.lang;
        let t = lang.texts();
        let (greeting_before, greeting_after) = around(t.mail_greeting, "{name}");
        let (reference_before, reference_after) = around(t.mail_reference, "{id}");
        let id = record.id.to_string();
        let next_steps = confirmation_next_steps(s.kind(), lang);
        let text = ConfirmationText {
            greeting_before,
            name: name.as_str(),
            greeting_after,
            thanks: confirmation_thanks(s),
            next_heading: t.mail_next_heading,
            next_steps: &next_steps,
            reference_before,
            id: &id,
            reference_after,
            regards: t.mail_regards,
            signature: t.mail_signature,
        };
        let html = ConfirmationHtml {
            lang: lang.as_str(),
            dir: lang.dir(),
            subject: t.mail_subject,
            greeting_before,
            name: name.as_str(),
            greeting_after,
            thanks: text.thanks,
            next_heading: text.next_heading,
            next_steps: &next_steps,
            reference_before,
            id: &id,
            reference_after,
            regards: text.regards,
            signature: text.signature,
        };
        let subject = t.mail_subject.to_owned();
        let message = lettre::Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(name.as_str().to_owned()), email.to_lettre()))
            // A reply reaches the coordinator who handles the form.
            .reply_to(Mailbox::new(None, record.routed_to.to_lettre()))
            .subject(subject.clone())
            .message_id(Some(self.message_id(record, FormMail::Confirmation)))
            .multipart(MultiPart::alternative_plain_html(render(&text)?, render(&html)?))
            .map_err(compose)?;
        Ok(OutgoingMail { record_id: record.id, kind: FormMail::Confirmation.into(), message })
    }
}

fn render(t: &impl Template) -> Result<String, MailError> {
    t.render().map_err(|e| MailError::Compose(e.to_string()))
}

fn compose(e: impl std::fmt::Display) -> MailError {
    MailError::Compose(e.to_string())
}

/// The text before and after a placeholder such as `{name}` (all before
/// it when a translation left the placeholder out).
fn around<'a>(template: &'a str, placeholder: &str) -> (&'a str, &'a str) {
    template.split_once(placeholder).unwrap_or((template, ""))
}

fn confirmation_thanks(s: &Submission) -> &'static str {
    let t = s.lang.texts();
    match s.kind() {
        FormKind::Contact => t.mail_thanks_contact,
        FormKind::Registration => t.mail_thanks_registration,
        FormKind::Referral => t.mail_thanks_referral,
        FormKind::Volunteer => t.mail_thanks_volunteer,
    }
}

fn confirmation_next_steps(kind: FormKind, lang: Lang) -> Vec<&'static str> {
    let t = lang.texts();
    let contact = match kind {
        FormKind::Referral => t.mail_step_contact_referral,
        FormKind::Volunteer => t.mail_step_contact_volunteer,
        _ => t.mail_step_contact,
    };
    vec![t.mail_step_read, contact, t.mail_step_reply]
}
