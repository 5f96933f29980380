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
    rows: &'a [(&'static str, String)],
    received: &'a str,
    id: &'a str,
}

#[derive(Template)]
#[template(path = "mail/coordinator.html")]
struct CoordinatorHtml<'a> {
    subject: &'a str,
    heading: &'a str,
    action: &'a str,
    rows: &'a [(&'static str, String)],
    received: &'a str,
    id: &'a str,
}

#[derive(Template)]
#[template(path = "mail/confirmation.txt")]
struct ConfirmationText<'a> {
    greeting: &'a str,
    thanks: &'a str,
    next_heading: &'a str,
    next_steps: &'a [&'a str],
    reference: &'a str,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "mail/confirmation.html")]
struct ConfirmationHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    greeting: &'a str,
    thanks: &'a str,
    next_heading: &'a str,
    next_steps: &'a [&'a str],
    reference: &'a str,
    signature: &'a str,
}

impl Composer {
    pub fn new(from: Mailbox) -> Self {
        let domain = from.email.domain().to_owned();
        Self { from, domain }
    }

    pub fn compose(&self, record: &Record, kind: MailKind) -> Result<OutgoingMail, MailError> {
        let message = match kind {
            MailKind::Coordinator => self.coordinator(record),
            MailKind::Confirmation => self.confirmation(record),
        }?;
        Ok(OutgoingMail { record_id: record.id, kind, message })
    }

    /// Stable per record and mail: a mail sent twice is recognisably the same.
    pub fn message_id(&self, record: &Record, kind: MailKind) -> String {
        let kind = match kind {
            MailKind::Coordinator => "coordinator",
            MailKind::Confirmation => "confirmation",
        };
        format!("<{}.{kind}@{}>", record.id, self.domain)
    }

    /// A refused mail, handed to a person: the form as the coordinator
    /// would have had it, to the fallback inbox, with a first line saying
    /// which address refused which mail and why.
    pub fn dead_letter(&self, record: &Record, refusal: &Refusal, fallback: &EmailAddress) -> Result<OutgoingMail, MailError> {
        let which = match refusal.mail {
            MailKind::Coordinator => "De mail aan de coördinator",
            MailKind::Confirmation => "De bevestiging aan de afzender",
        };
        let action = format!(
            "Niet afgeleverd. {which} is geweigerd door {}. Reden: {}. Stuur dit formulier door naar de juiste persoon \
             en controleer het adres in site/data/directory.toml. {}",
            refusal.address,
            refusal.reason.trim(),
            coordinator_action(&record.submission)
        );
        let subject = format!("Niet afgeleverd: {}", coordinator_subject(&record.submission));
        let kind = match refusal.mail {
            MailKind::Coordinator => "coordinator",
            MailKind::Confirmation => "confirmation",
        };
        let message_id = format!("<{}.{kind}.refused@{}>", record.id, self.domain);
        let message = self.coordinator_mail(record, fallback, subject, action, message_id)?;
        Ok(OutgoingMail { record_id: record.id, kind: refusal.mail, message })
    }

    fn coordinator(&self, record: &Record) -> Result<lettre::Message, MailError> {
        let subject = coordinator_subject(&record.submission);
        let action = coordinator_action(&record.submission);
        let message_id = self.message_id(record, MailKind::Coordinator);
        self.coordinator_mail(record, &record.routed_to, subject, action, message_id)
    }

    fn coordinator_mail(
        &self,
        record: &Record,
        to: &EmailAddress,
        subject: String,
        action: String,
        message_id: String,
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
        let text = CoordinatorText { heading: &heading, action: &action, rows: &rows, received: &received, id: &id };
        let html =
            CoordinatorHtml { subject: &subject, heading: &heading, action: &action, rows: &rows, received: &received, id: &id };

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
        let subject = lang.pick("We hebben je formulier ontvangen", "We have received your form").to_owned();
        let greeting = format!("{} {},", lang.pick("Hallo", "Hello"), name.as_str());
        let thanks = confirmation_thanks(s);
        let next_steps = confirmation_next_steps(s.kind(), lang);
        let reference = format!("{}: {}", lang.pick("Je kenmerk", "Your reference"), record.id);
        let signature = lang.pick("Met vriendelijke groet,\nSteun voor gezinnen", "Kind regards,\nSupport for families");
        let next_heading = lang.pick("Wat gebeurt er nu?", "What happens next?");
        let text = ConfirmationText {
            greeting: &greeting,
            thanks,
            next_heading,
            next_steps: &next_steps,
            reference: &reference,
            signature,
        };
        let html = ConfirmationHtml {
            lang: lang.as_str(),
            subject: &subject,
            greeting: &greeting,
            thanks,
            next_heading,
            next_steps: &next_steps,
            reference: &reference,
            signature,
        };
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
    let place = s.municipality.map_or("gemeente niet opgegeven", |m| m.label(Lang::Nl));
    match s.programme() {
        Some(p) => format!("{}: {} – {}", s.kind().label_nl(), p.label(Lang::Nl), place),
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

fn confirmation_thanks(s: &Submission) -> &'static str {
    let lang = s.lang;
    match s.kind() {
        FormKind::Contact => {
            lang.pick("Bedankt voor je bericht. Het is goed aangekomen.", "Thank you for your message. It has arrived safely.")
        }
        FormKind::Registration => lang.pick(
            "Bedankt voor je aanmelding. Die is goed aangekomen.",
            "Thank you for signing up. Your form has arrived safely.",
        ),
        FormKind::Referral => lang
            .pick("Bedankt voor je verwijzing. Die is goed aangekomen.", "Thank you for your referral. It has arrived safely."),
        FormKind::Volunteer => lang.pick(
            "Leuk dat je wilt helpen! Je aanmelding is goed aangekomen.",
            "How good that you want to help! Your form has arrived safely.",
        ),
    }
}

fn confirmation_next_steps(kind: FormKind, lang: Lang) -> Vec<&'static str> {
    let read = lang.pick("Een coördinator leest je formulier.", "A coordinator reads your form.");
    let contact = match kind {
        FormKind::Referral => {
            lang.pick("De coördinator neemt contact op met jou en met het gezin.", "The coordinator contacts you and the family.")
        }
        FormKind::Volunteer => lang.pick(
            "De coördinator neemt contact met je op voor een kennismaking.",
            "The coordinator contacts you to get to know each other.",
        ),
        _ => lang.pick("De coördinator neemt contact met je op.", "The coordinator contacts you."),
    };
    let reply = lang.pick(
        "Wil je nog iets zeggen of vragen? Beantwoord dan deze mail.",
        "Do you want to add or ask something? Just reply to this mail.",
    );
    vec![read, contact, reply]
}
