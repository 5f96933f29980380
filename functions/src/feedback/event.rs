//! SES's reports about mail it had accepted, as they arrive: a bounce or a
//! complaint (the configuration set's event publishing, or an identity's
//! feedback notifications: `eventType` or `notificationType`), inside an
//! SNS message. Shapes as AWS documents them: "Contents of event data that
//! Amazon SES publishes to Amazon SNS" (SES developer guide) and "Using
//! AWS Lambda with Amazon SNS" (the Lambda event). Fields we do not use are
//! ignored; SES may add more.

use serde::Deserialize;
use serde_json::Value;

/// One report about one sent mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The id SES gave the mail (`mail.messageId`): for logs.
    pub ses_message_id: String,
    /// The Message-ID header we sent (`mail.commonHeaders.messageId`):
    /// names the record and which of its mails (`crate::mail::MailRef`).
    pub message_id: Option<String>,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Bounce(Bounce),
    Complaint(Complaint),
    /// Another event type (a delivery, an open, …): nothing to do.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bounce {
    pub feedback_id: String,
    /// `Permanent`, `Transient` or `Undetermined`.
    pub bounce_type: String,
    pub bounce_sub_type: String,
    #[serde(default)]
    pub bounced_recipients: Vec<BouncedRecipient>,
}

/// The DSN's fields, when the receiving side sent one. The address is not
/// kept: the record knows whom the mail was for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BouncedRecipient {
    pub status: Option<String>,
    pub diagnostic_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Complaint {
    pub feedback_id: String,
    pub complaint_feedback_type: Option<String>,
    pub complaint_sub_type: Option<String>,
}

impl Bounce {
    /// What the receiving side said, per recipient: status and diagnostic.
    pub fn diagnostic(&self) -> String {
        let said: Vec<String> = self
            .bounced_recipients
            .iter()
            .map(|r| [r.status.as_deref(), r.diagnostic_code.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .collect();
        if said.is_empty() { "no diagnostic code".to_owned() } else { said.join("; ") }
    }
}

impl Complaint {
    pub fn detail(&self) -> String {
        [self.complaint_feedback_type.as_deref(), self.complaint_sub_type.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why a file or an event is not a report we can read, said so that the
/// operator knows what they have in hand.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotAnEvent {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error(
        "an SNS subscription message (Type {0}), not a notification: confirm or cancel the subscription \
         with its SubscribeURL; there is nothing to replay"
    )]
    Subscription(String),
    #[error("{where_}: `Message` must be the SES event as a JSON string: {problem}")]
    BadSnsMessage { where_: String, problem: String },
    #[error(
        "{0}: neither an SES event (`eventType` or `notificationType`, with `mail`), nor an SNS notification \
         (`Type` and `Message`), nor a Lambda SNS event (`Records[].Sns.Message`)"
    )]
    Unknown(String),
    #[error("{where_}: an SES {event} event that cannot be read: {problem}")]
    BadSesEvent { where_: String, event: String, problem: String },
    #[error("a Lambda SNS event without records")]
    NoRecords,
}

/// The reports in a saved or delivered notification: a Lambda SNS event
/// (`Records[].Sns.Message`), an SNS notification as an HTTP endpoint or a
/// mailbox gets it (`Message` holds the SES event as a JSON string), or
/// the bare SES event.
pub fn parse(text: &str) -> Result<Vec<Notice>, NotAnEvent> {
    let doc: Value = serde_json::from_str(text).map_err(|e| NotAnEvent::NotJson(e.to_string()))?;
    if let Some(records) = doc.get("Records") {
        let records = records.as_array().filter(|r| !r.is_empty()).ok_or(NotAnEvent::NoRecords)?;
        return records
            .iter()
            .enumerate()
            .map(|(i, record)| {
                let where_ = format!("Records[{i}].Sns");
                match record.get("Sns") {
                    Some(sns) => from_sns(sns, &where_),
                    None => Err(NotAnEvent::Unknown(format!("Records[{i}] (no `Sns`: not from SNS)"))),
                }
            })
            .collect();
    }
    if doc.get("Type").is_some() {
        return Ok(vec![from_sns(&doc, "the SNS notification")?]);
    }
    Ok(vec![from_ses(&doc, "the SES event")?])
}

fn from_sns(sns: &Value, where_: &str) -> Result<Notice, NotAnEvent> {
    match sns.get("Type").and_then(Value::as_str) {
        Some("Notification") | None => {}
        Some(other) => return Err(NotAnEvent::Subscription(other.to_owned())),
    }
    let bad = |problem: String| NotAnEvent::BadSnsMessage { where_: where_.to_owned(), problem };
    let message = sns.get("Message").and_then(Value::as_str).ok_or_else(|| bad("missing, or not a string".into()))?;
    let event: Value = serde_json::from_str(message).map_err(|e| bad(e.to_string()))?;
    from_ses(&event, &format!("{where_}.Message"))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Mail {
    message_id: String,
    #[serde(default)]
    common_headers: CommonHeaders,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommonHeaders {
    message_id: Option<String>,
}

fn from_ses(event: &Value, where_: &str) -> Result<Notice, NotAnEvent> {
    let kind = event.get("eventType").or_else(|| event.get("notificationType")).and_then(Value::as_str);
    let (Some(kind), Some(mail)) = (kind, event.get("mail")) else {
        return Err(NotAnEvent::Unknown(where_.to_owned()));
    };
    let bad = |problem: String| NotAnEvent::BadSesEvent { where_: where_.to_owned(), event: kind.to_owned(), problem };
    let field = |name: &str| event.get(name).cloned().ok_or_else(|| bad(format!("no `{name}` object")));
    let mail: Mail = serde_json::from_value(mail.clone()).map_err(|e| bad(format!("mail: {e}")))?;
    let event = match kind {
        "Bounce" => Event::Bounce(serde_json::from_value(field("bounce")?).map_err(|e| bad(format!("bounce: {e}")))?),
        "Complaint" => Event::Complaint(serde_json::from_value(field("complaint")?).map_err(|e| bad(format!("complaint: {e}")))?),
        other => Event::Other(other.to_owned()),
    };
    Ok(Notice { ses_message_id: mail.message_id, message_id: mail.common_headers.message_id, event })
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's own examples (functions/tests/fixtures/ses/README.md names the pages).
    const BOUNCE: &str = include_str!("../../tests/fixtures/ses/bounce.json");
    const COMPLAINT: &str = include_str!("../../tests/fixtures/ses/complaint.json");
    const DELIVERY: &str = include_str!("../../tests/fixtures/ses/delivery.json");
    const LAMBDA_SNS: &str = include_str!("../../tests/fixtures/ses/lambda-sns-event.json");
    const SNS_HTTP: &str = include_str!("../../tests/fixtures/ses/sns-http-notification.json");

    const SES_ID: &str = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000";

    /// The SES event as SNS carries it: a JSON string in `Message`.
    fn in_sns(envelope: &str, event: &str) -> String {
        let mut doc: Value = serde_json::from_str(envelope).unwrap();
        let sns = if doc.get("Records").is_some() { &mut doc["Records"][0]["Sns"] } else { &mut doc };
        sns["Message"] = Value::String(event.to_owned());
        doc.to_string()
    }

    #[test]
    fn a_bounce_names_the_mail_and_says_what_the_receiving_side_said() {
        let [notice] = parse(BOUNCE).unwrap().try_into().unwrap();
        assert_eq!(notice.ses_message_id, SES_ID);
        assert_eq!(notice.message_id.as_deref(), Some(SES_ID), "commonHeaders.messageId");
        let Event::Bounce(bounce) = notice.event else { panic!("{:?}", notice.event) };
        assert_eq!((bounce.bounce_type.as_str(), bounce.bounce_sub_type.as_str()), ("Permanent", "General"));
        assert_eq!(bounce.feedback_id, "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000");
        assert_eq!(bounce.diagnostic(), "5.1.1 smtp; 550 5.1.1 user unknown");
    }

    #[test]
    fn a_complaint_keeps_its_feedback_type_and_other_events_are_named_only() {
        let [notice] = parse(COMPLAINT).unwrap().try_into().unwrap();
        let Event::Complaint(complaint) = notice.event else { panic!("{:?}", notice.event) };
        assert_eq!(complaint.detail(), "abuse");
        let [delivery] = parse(DELIVERY).unwrap().try_into().unwrap();
        assert_eq!(delivery.event, Event::Other("Delivery".into()));
    }

    #[test]
    fn the_same_event_reads_the_same_bare_in_an_sns_notification_or_in_a_lambda_event() {
        let bare = parse(BOUNCE).unwrap();
        assert_eq!(parse(&in_sns(LAMBDA_SNS, BOUNCE)).unwrap(), bare);
        assert_eq!(parse(&in_sns(SNS_HTTP, BOUNCE)).unwrap(), bare);
        // An identity's feedback notification names its type `notificationType`.
        let notification = BOUNCE.replace("\"eventType\"", "\"notificationType\"");
        assert_eq!(parse(&notification).unwrap(), bare);
    }

    #[test]
    fn a_file_that_is_no_report_says_what_it_is() {
        let said = |text: &str| parse(text).unwrap_err().to_string();
        assert!(said("{\"eventType\": ").starts_with("not JSON"), "{}", said("{"));
        // The examples as they are: "Hello from SNS!" is no SES event.
        assert!(said(LAMBDA_SNS).contains("Records[0].Sns: `Message` must be the SES event"), "{}", said(LAMBDA_SNS));
        assert!(said(SNS_HTTP).contains("the SNS notification: `Message` must be"), "{}", said(SNS_HTTP));
        let confirmation = SNS_HTTP.replace("\"Notification\"", "\"SubscriptionConfirmation\"");
        assert!(said(&confirmation).contains("SubscribeURL"), "{}", said(&confirmation));
        assert!(said("{\"hello\": 1}").contains("neither an SES event"), "{}", said("{\"hello\": 1}"));
        assert!(said("{\"Records\": []}").contains("without records"));
        let no_feedback_id = BOUNCE.replace("\"feedbackId\"", "\"feedback\"");
        assert!(said(&no_feedback_id).contains("bounce: missing field `feedbackId`"), "{}", said(&no_feedback_id));
    }
}
