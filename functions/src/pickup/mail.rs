//! The mails of the pickup loop, one per follow-up step: the reminder to
//! the coordinator (in the thread of the first mail), the escalation to
//! the fallback inbox, and the referrer's notice. Their words are in
//! `crate::words`; none of them holds anything about the family.

use askama::Template;
use lettre::message::header::{InReplyTo, References};
use lettre::message::{Mailbox, MultiPart};
use time::OffsetDateTime;

use super::summary::Summary;
use super::workdays::working_days_between;
use crate::domain::{Details, EmailAddress};
use crate::mail::{Composer, MailError, OutgoingMail};
use crate::store::{FollowUpStep, FormMail, Record};
use crate::words::{self, Wording};

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
    step: FollowUpStep,
    to: EmailAddress,
    wording: Wording,
    facts: Vec<(&'static str, String)>,
    link: Option<String>,
    /// The form mail this one answers, to keep it in one thread.
    answers: Option<FormMail>,
}

/// To the routed coordinator, as an answer to the first mail.
pub fn reminder(composer: &Composer, record: &Record, link: &str, days: u32) -> Result<OutgoingMail, MailError> {
    let draft = Draft {
        step: FollowUpStep::Reminded,
        to: record.routed_to.clone(),
        wording: words::reminder(&record.submission, record.received_at, days),
        facts: Summary::of(record).facts(),
        link: Some(link.to_owned()),
        answers: Some(FormMail::Coordinator),
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
        step: FollowUpStep::Escalated,
        to: fallback.clone(),
        wording: words::escalation(&record.submission, &record.routed_to, record.received_at, waited),
        facts: Summary::of(record).facts(),
        link: Some(link.to_owned()),
        answers: None,
    };
    build(composer, record, draft)
}

/// To the referrer: their referral is being handled. Nothing about the family.
pub fn referrer_notice(composer: &Composer, record: &Record) -> Result<OutgoingMail, MailError> {
    let Details::Referral { referrer, programme } = &record.submission.details else {
        return Err(MailError::Compose("only a referral has a referrer".into()));
    };
    let draft = Draft {
        step: FollowUpStep::ReferrerTold,
        to: referrer.email.clone(),
        wording: words::referrer_notice(referrer.name.as_str(), *programme, record.received_at, &record.id.to_string()),
        facts: Vec::new(),
        link: None,
        answers: Some(FormMail::Confirmation),
    };
    build(composer, record, draft)
}

fn build(composer: &Composer, record: &Record, draft: Draft) -> Result<OutgoingMail, MailError> {
    let (subject, lines, link) = (&draft.wording.subject, &draft.wording.lines, draft.link.as_deref());
    let text = Text { lines, facts: &draft.facts, link };
    let html = Html { subject, lines, facts: &draft.facts, link };
    let mut builder = lettre::Message::builder()
        .from(composer.from().clone())
        .to(Mailbox::new(None, draft.to.to_lettre()))
        .subject(subject.clone())
        .message_id(Some(composer.message_id(record, draft.step)));
    if let Some(parent) = draft.answers.map(|mail| composer.message_id(record, mail)) {
        builder = builder.header(InReplyTo::from(parent.clone())).header(References::from(parent));
    }
    let render = |e: askama::Error| MailError::Compose(e.to_string());
    let message = builder
        .multipart(MultiPart::alternative_plain_html(text.render().map_err(render)?, html.render().map_err(render)?))
        .map_err(|e| MailError::Compose(e.to_string()))?;
    Ok(OutgoingMail { record_id: record.id, kind: draft.step.into(), message })
}
