//! The mails of the pickup loop: the reminder to the coordinator (in the
//! thread of the first mail), the escalation to the fallback inbox, and
//! the referrer's notice. None of them holds anything about the family.

use askama::Template;
use lettre::message::header::{InReplyTo, References};
use lettre::message::{Mailbox, MultiPart};
use time::OffsetDateTime;

use super::pages::{dutch_date, dutch_time};
use super::summary::Summary;
use super::workdays::working_days_between;
use crate::domain::{Details, EmailAddress};
use crate::mail::{Composer, MailError, OutgoingMail, coordinator_subject};
use crate::store::{MailKind, Record};

#[derive(Template)]
#[template(path = "pickup/mail.txt")]
struct Text<'a> {
    lines: &'a [String],
    facts: &'a [(&'static str, String)],
    link: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "pickup/mail.html")]
struct Html<'a> {
    subject: &'a str,
    lines: &'a [String],
    facts: &'a [(&'static str, String)],
    link: Option<&'a str>,
}

struct Draft {
    kind: MailKind,
    to: EmailAddress,
    subject: String,
    lines: Vec<String>,
    facts: Vec<(&'static str, String)>,
    link: Option<String>,
    /// The Message-ID this mail answers, to keep it in one thread.
    in_reply_to: Option<String>,
}

/// To the routed coordinator, as an answer to the first mail.
pub fn reminder(composer: &Composer, record: &Record, link: &str, days: u32) -> Result<OutgoingMail, MailError> {
    let draft = Draft {
        kind: MailKind::Reminder,
        to: record.routed_to.clone(),
        subject: format!("Herinnering: {}", coordinator_subject(&record.submission)),
        lines: vec![
            format!(
                "Dit formulier kwam binnen op {} en is na {days} werkdagen nog niet opgepakt.",
                dutch_time(record.received_at)
            ),
            "Pak jij het op? Klik dan op de knop. De gegevens staan in de eerste mail, hieronder in dit gesprek.".into(),
            format!("Is het over {days} werkdagen nog niet opgepakt, dan krijgt de algemene inbox een bericht."),
        ],
        facts: Summary::of(record).facts(),
        link: Some(link.to_owned()),
        in_reply_to: Some(composer.message_id(record, MailKind::Coordinator)),
    };
    build(composer, record, draft)
}

/// To the fallback inbox: whose form it is, and how long it waited.
pub fn escalation(
    composer: &Composer,
    record: &Record,
    fallback: &EmailAddress,
    link: &str,
    now: OffsetDateTime,
) -> Result<OutgoingMail, MailError> {
    let waited = working_days_between(record.received_at, now);
    let draft = Draft {
        kind: MailKind::Escalation,
        to: fallback.clone(),
        subject: format!("Niet opgepakt: {}", coordinator_subject(&record.submission)),
        lines: vec![
            format!(
                "Een formulier voor {} wacht al {waited} werkdagen. Het kwam binnen op {}. Er is een herinnering gestuurd, maar niemand heeft het opgepakt.",
                record.routed_to,
                dutch_time(record.received_at)
            ),
            format!(
                "Neem contact op met {} of pak het zelf op. Wie op de knop klikt, pakt het op voor iedereen: dan stoppen de herinneringen.",
                record.routed_to
            ),
        ],
        facts: Summary::of(record).facts(),
        link: Some(link.to_owned()),
        in_reply_to: None,
    };
    build(composer, record, draft)
}

/// To the referrer: their referral is being handled. Nothing about the family.
pub fn referrer_notice(composer: &Composer, record: &Record) -> Result<OutgoingMail, MailError> {
    let Details::Referral { referrer, programme } = &record.submission.details else {
        return Err(MailError::Compose("only a referral has a referrer".into()));
    };
    let draft = Draft {
        kind: MailKind::PickedUp,
        to: referrer.email.clone(),
        subject: "Je verwijzing is opgepakt".into(),
        lines: vec![
            format!("Hallo {},", referrer.name.as_str()),
            format!(
                "Je verwijzing van {} is opgepakt door de coördinator van {}. De coördinator neemt contact op met het gezin.",
                dutch_date(record.received_at),
                programme.label_nl()
            ),
            format!("Kenmerk: {}", record.id),
        ],
        facts: Vec::new(),
        link: None,
        in_reply_to: Some(composer.message_id(record, MailKind::Confirmation)),
    };
    build(composer, record, draft)
}

fn build(composer: &Composer, record: &Record, draft: Draft) -> Result<OutgoingMail, MailError> {
    let link = draft.link.as_deref();
    let text = Text { lines: &draft.lines, facts: &draft.facts, link };
    let html = Html { subject: &draft.subject, lines: &draft.lines, facts: &draft.facts, link };
    let mut builder = lettre::Message::builder()
        .from(composer.from().clone())
        .to(Mailbox::new(None, draft.to.to_lettre()))
        .subject(draft.subject.clone())
        .message_id(Some(composer.message_id(record, draft.kind)));
    if let Some(parent) = draft.in_reply_to {
        builder = builder.header(InReplyTo::from(parent.clone())).header(References::from(parent));
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            text.render().map_err(|e| MailError::Compose(e.to_string()))?,
            html.render().map_err(|e| MailError::Compose(e.to_string()))?,
        ))
        .map_err(|e| MailError::Compose(e.to_string()))?;
    Ok(OutgoingMail { record_id: record.id, kind: draft.kind, message })
}
