//! Turns a stored record into the coordinator's mail or the sender's
//! confirmation. Headers are built from typed values only (lettre encodes
//! them); the HTML part is escaped by askama.

use askama::Template;
use lettre::message::{Mailbox, MultiPart};

use super::{MailError, OutgoingMail, amsterdam_time};
use crate::domain::{Details, EmailAddress, FormKind, Lang, Submission};
use crate::store::{MailKind, Record, Refusal};

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

    pub fn compose(&self, record: &Record, kind: MailKind) -> Result<OutgoingMail, MailError> {
        self.compose_with_link(record, kind, None)
    }

    /// `pickup_link`: the signed "Ik pak dit op" address for the
    /// coordinator's mail (see `crate::pickup`).
    pub fn compose_with_link(
        &self,
        record: &Record,
        kind: MailKind,
        pickup_link: Option<&str>,
    ) -> Result<OutgoingMail, MailError> {
        let message = match kind {
            MailKind::Coordinator => self.coordinator(record, pickup_link),
            MailKind::Confirmation => self.confirmation(record),
            other => Err(MailError::Compose(format!("{} mail is composed by crate::pickup", other.as_str()))),
        }?;
        Ok(OutgoingMail { record_id: record.id, kind, message })
    }

    /// Stable per record and mail: a mail sent twice is recognisably the same.
    pub fn message_id(&self, record: &Record, kind: MailKind) -> String {
        format!("<{}.{}@{}>", record.id, kind.as_str(), self.domain)
    }

    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// A refused mail, handed to a person: the form as the coordinator
    /// would have had it, to the fallback inbox, with a first line saying
    /// which address refused which mail and why.
    pub fn dead_letter(&self, record: &Record, refusal: &Refusal, fallback: &EmailAddress) -> Result<OutgoingMail, MailError> {
        let which = match refusal.mail {
            MailKind::Coordinator => "De mail aan de coördinator",
            MailKind::Confirmation => "De bevestiging aan de afzender",
            _ => "Een mail over dit formulier",
        };
        let action = format!(
            "Niet afgeleverd. {which} is geweigerd door {}. Reden: {}. Stuur dit formulier door naar de juiste persoon \
             en controleer het adres in site/data/directory.toml. {}",
            refusal.address,
            refusal.reason.trim(),
            coordinator_action(&record.submission)
        );
        let subject = format!("Niet afgeleverd: {}", coordinator_subject(&record.submission));
        let kind = refusal.mail.as_str();
        let message_id = format!("<{}.{kind}.refused@{}>", record.id, self.domain);
        let message = self.coordinator_mail(record, fallback, subject, action, message_id, None)?;
        Ok(OutgoingMail { record_id: record.id, kind: refusal.mail, message })
    }

    fn coordinator(&self, record: &Record, pickup_link: Option<&str>) -> Result<lettre::Message, MailError> {
        let subject = coordinator_subject(&record.submission);
        let action = coordinator_action(&record.submission);
        let message_id = self.message_id(record, MailKind::Coordinator);
        self.coordinator_mail(record, &record.routed_to, subject, action, message_id, pickup_link)
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
        let received = amsterdam_time(record.received_at);
        let received = format!(
            "{:02}-{:02}-{} {:02}:{:02} (Nederlandse tijd)",
            received.day(),
            u8::from(received.month()),
            received.year(),
            received.hour(),
            received.minute()
        );
        let id = record.id.to_string();
        let heading = format!("{} via de website", s.kind().label_nl());
        let language_note = language_note(s.lang);
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

    fn confirmation(&self, record: &Record) -> Result<lettre::Message, MailError> {
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
        lettre::Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(Some(name.as_str().to_owned()), email.to_lettre()))
            // A reply reaches the coordinator who handles the form.
            .reply_to(Mailbox::new(None, record.routed_to.to_lettre()))
            .subject(subject.clone())
            .message_id(Some(self.message_id(record, MailKind::Confirmation)))
            .multipart(MultiPart::alternative_plain_html(render(&text)?, render(&html)?))
            .map_err(compose)
    }
}

fn render(t: &impl Template) -> Result<String, MailError> {
    t.render().map_err(|e| MailError::Compose(e.to_string()))
}

fn compose(e: impl std::fmt::Display) -> MailError {
    MailError::Compose(e.to_string())
}

/// Dutch, from fixed labels only: no user text ever reaches a header.
pub fn coordinator_subject(s: &Submission) -> String {
    let place = s.municipality.map_or("gemeente niet opgegeven", |m| m.label_nl());
    match s.programme() {
        Some(p) => format!("{}: {} – {}", s.kind().label_nl(), p.label_nl(), place),
        None => format!("{} – {}", s.kind().label_nl(), place),
    }
}

/// The first thing a coordinator needs: how to answer.
fn coordinator_action(s: &Submission) -> String {
    match (&s.details, s.reply_to(), s.reach.phone()) {
        (Details::Referral { referrer, .. }, _, _) => format!(
            "Beantwoord deze mail om {} ({}) te antwoorden. De ouder is akkoord met de verwijzing.",
            referrer.name.as_str(),
            referrer.organisation.as_str()
        ),
        (_, Some(_), Some(phone)) => {
            format!("Beantwoord deze mail of bel {} op {}.", s.name.as_str(), phone.as_str())
        }
        (_, Some(_), None) => format!("Beantwoord deze mail om {} te antwoorden.", s.name.as_str()),
        (_, None, Some(phone)) => format!("Geen e-mailadres: bel {} op {}.", s.name.as_str(), phone.as_str()),
        (_, None, None) => {
            unreachable!("a Submission always has an email address or a phone number")
        }
    }
}

/// The text before and after a placeholder such as `{name}` (all before
/// it when a translation left the placeholder out).
fn around<'a>(template: &'a str, placeholder: &str) -> (&'a str, &'a str) {
    template.split_once(placeholder).unwrap_or((template, ""))
}

/// For the coordinator: in which language the sender wrote, so they can
/// plan an interpreter or simple Dutch. Nothing for Dutch.
fn language_note(lang: Lang) -> Option<String> {
    (lang != Lang::Nl).then(|| {
        format!("Let op: de afzender schreef in het {}. Plan zo nodig een tolk, of gebruik eenvoudig Nederlands.", lang.name_nl())
    })
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
