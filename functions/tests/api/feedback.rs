//! Bounces and complaints SES reports after it accepted a mail, in the
//! shapes AWS documents (functions/tests/fixtures/ses/). A bounced mail to
//! the coordinator reaches a person at once, through the fallback inbox.

use std::sync::Arc;
use std::time::Duration;

use forms::clock::TestClock;
use forms::feedback::{Taken, event};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

pub(crate) const BOUNCE: &str = include_str!("../fixtures/ses/bounce.json");
const COMPLAINT: &str = include_str!("../fixtures/ses/complaint.json");
pub(crate) const LAMBDA_SNS: &str = include_str!("../fixtures/ses/lambda-sns-event.json");
const SNS_HTTP: &str = include_str!("../fixtures/ses/sns-http-notification.json");

const FALLBACK: &str = "info@example.org";

/// AWS's example event about the mail with this Message-ID header (as SES
/// reports the header we sent), under a report id of its own.
pub(crate) fn about(example: &str, message_id: &str, feedback_id: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(example).unwrap();
    doc["mail"]["commonHeaders"]["messageId"] = json!(message_id);
    let report = if doc.get("bounce").is_some() { "bounce" } else { "complaint" };
    doc[report]["feedbackId"] = json!(feedback_id);
    change(&mut doc);
    doc.to_string()
}

/// The SES event inside an SNS envelope, as SNS delivers it.
pub(crate) fn in_sns(envelope: &str, event: &str) -> String {
    let mut doc: Value = serde_json::from_str(envelope).unwrap();
    let sns = if doc.get("Records").is_some() { &mut doc["Records"][0]["Sns"] } else { &mut doc };
    sns["Message"] = json!(event);
    doc.to_string()
}

async fn take(app: &TestApp, text: &str) -> Taken {
    let [notice] = event::parse(text).unwrap().try_into().unwrap();
    app.app.submissions().take_feedback(&notice).await.unwrap()
}

/// The Message-ID header of the mail to `to`, exactly as it was sent.
fn message_id_to(mails: &[Mail], to: &str) -> String {
    let mail = mails.iter().find(|m| m.rcpt_tos == vec![to.to_owned()]).unwrap_or_else(|| panic!("no mail to {to}"));
    mail.raw_headers().into_iter().find(|(k, _)| k.eq_ignore_ascii_case("message-id")).unwrap().1
}

async fn app_with_clock(store: Store) -> (TestApp, Arc<TestClock>) {
    let clock = Arc::new(TestClock::starting_now());
    (spawn_with(store, Options::default().without_sweeper().with_clock(clock.clone())).await, clock)
}

async fn contact(app: &TestApp) -> (String, Vec<Mail>) {
    let form = json!({"name": "Sanne de Boer", "email": "sanne@example.org", "municipality": "heemskerk",
                      "message": "Ik heb een vraag.", "privacy_consent": "yes"});
    let response = app.post_json("contact", &form).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let mails = app.smtp.wait_for(&id, 2).await;
    assert_eq!(mails.len(), 2, "the coordinator mail and the confirmation");
    (id, mails)
}

both_stores!(a_bounced_coordinator_mail_goes_to_the_fallback_inbox_at_once_with_the_diagnostic, |store| async move {
    let (app, clock) = app_with_clock(store).await;
    let (id, mails) = contact(&app).await;
    let coordinator = message_id_to(&mails, "spreekuur.ijmond@example.org");

    let bounce = about(BOUNCE, &coordinator, "bounce-1", |_| {});
    let taken = take(&app, &bounce).await;
    assert_eq!(taken, Taken::HandedToFallback { record: id.parse().unwrap(), sent: true });

    let mails = app.smtp.wait_for(&id, 3).await;
    let fallback = mails.iter().find(|m| m.rcpt_tos == vec![FALLBACK.to_owned()]).expect("the form in the fallback inbox");
    assert!(fallback.subject().starts_with("Niet afgeleverd: Contactformulier"), "{}", fallback.subject());
    let text = fallback.text();
    assert!(text.contains("spreekuur.ijmond@example.org"), "says which address: {text}");
    assert!(text.contains("Permanent/General") && text.contains("5.1.1 smtp; 550 5.1.1 user unknown"), "why: {text}");
    assert!(text.contains("Ik heb een vraag."), "the form itself: {text}");
    assert_eq!(fallback.reply_to().map(|(_, a)| a), Some("sanne@example.org".to_owned()));

    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert!(!record.is_pending(), "handed over, nothing waits: {record:?}");
    assert_eq!(record.delivery.refused.len(), 1);
    assert_eq!(record.delivery.feedback.len(), 1);
    assert_eq!((record.delivery.feedback[0].mail.as_str(), record.delivery.feedback[0].id.as_str()), ("coordinator", "bounce-1"));

    // SNS delivers at least once: the same report again changes nothing.
    assert_eq!(take(&app, &in_sns(LAMBDA_SNS, &bounce)).await, Taken::Repeated { record: id.parse().unwrap() });
    assert_eq!(app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap(), record);
    clock.advance(time::Duration::hours(3));
    assert_eq!(app.sweep().await.mail.due, 0, "nothing left to send");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.about(&id).len(), 3, "one mail to the fallback inbox, once");
});

both_stores!(a_transient_bounce_of_the_coordinator_mail_is_handed_over_too, |store| async move {
    let (app, _clock) = app_with_clock(store).await;
    let (id, mails) = contact(&app).await;
    let coordinator = message_id_to(&mails, "spreekuur.ijmond@example.org");
    // SES reports a transient bounce only once it stopped trying.
    let full = about(BOUNCE, &coordinator, "bounce-full", |doc| {
        doc["bounce"]["bounceType"] = json!("Transient");
        doc["bounce"]["bounceSubType"] = json!("MailboxFull");
        doc["bounce"]["bouncedRecipients"][0]["status"] = json!("4.2.2");
        doc["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = json!("smtp; 452 4.2.2 mailbox full");
    });
    assert!(matches!(take(&app, &in_sns(SNS_HTTP, &full)).await, Taken::HandedToFallback { sent: true, .. }));
    let mails = app.smtp.wait_for(&id, 3).await;
    let fallback = mails.iter().find(|m| m.rcpt_tos == vec![FALLBACK.to_owned()]).expect("to the fallback inbox");
    assert!(fallback.text().contains("Transient/MailboxFull"), "{}", fallback.text());
});

both_stores!(a_bounced_confirmation_and_a_complaint_are_recorded_and_nothing_is_sent, |store| async move {
    let (app, clock) = app_with_clock(store).await;
    let (id, mails) = contact(&app).await;
    let record_id = id.parse().unwrap();

    let confirmation = message_id_to(&mails, "sanne@example.org");
    let bounce = about(BOUNCE, &confirmation, "bounce-2", |_| {});
    assert_eq!(take(&app, &bounce).await, Taken::Recorded { record: record_id });
    let coordinator = message_id_to(&mails, "spreekuur.ijmond@example.org");
    let complaint = about(COMPLAINT, &coordinator, "complaint-1", |_| {});
    assert_eq!(take(&app, &complaint).await, Taken::Recorded { record: record_id });
    assert_eq!(take(&app, &complaint).await, Taken::Repeated { record: record_id });

    let record = app.app.submissions().get(record_id).await.unwrap().unwrap();
    let seen: Vec<(&str, &str)> = record.delivery.feedback.iter().map(|f| (f.mail.as_str(), f.detail.as_str())).collect();
    assert_eq!(seen, [("confirmation", "Permanent/General: 5.1.1 smtp; 550 5.1.1 user unknown"), ("coordinator", "abuse")]);
    assert!(record.delivery.refused.is_empty() && !record.is_pending(), "never sent again: {record:?}");
    clock.advance(time::Duration::hours(3));
    assert_eq!(app.sweep().await.mail.due, 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.about(&id).len(), 2, "nothing more was sent");
});

both_stores!(a_report_about_a_mail_we_do_not_know_changes_nothing, |store| async move {
    let (app, _clock) = app_with_clock(store).await;
    // AWS's example as it is: SES's own Message-ID, not one of ours.
    assert_eq!(take(&app, BOUNCE).await, Taken::UnknownMail);
    // One of ours in form, for a form that is not stored (erased, or expired).
    let gone = format!("<{}.coordinator@example.org>", uuid::Uuid::now_v7());
    assert_eq!(take(&app, &about(BOUNCE, &gone, "bounce-3", |_| {})).await, Taken::UnknownMail);
});

both_stores!(forms_ses_event_replays_a_saved_notification_on_the_configured_store_and_mailer, |store| async move {
    let (app, _clock) = app_with_clock(store).await;
    let (id, mails) = contact(&app).await;
    let coordinator = message_id_to(&mails, "spreekuur.ijmond@example.org");
    let dir = tempfile::TempDir::new().unwrap();
    let saved = dir.path().join("bounce.json");
    std::fs::write(&saved, in_sns(SNS_HTTP, &about(BOUNCE, &coordinator, "bounce-4", |_| {}))).unwrap();

    let run = |path: &std::path::Path| {
        let out = app.command(&["ses-event", path.to_str().unwrap()]);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = run(&saved);
    assert!(ok, "{stdout}\n{stderr}");
    let outcome: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(outcome, json!([{"outcome": "handed_to_fallback", "record": id, "sent": true}]));
    for private in ["spreekuur.ijmond@", "sanne@", "user unknown"] {
        assert!(!stderr.contains(private), "the log names ids only, never {private}: {stderr}");
    }
    assert!(app.smtp.wait_for(&id, 3).await.iter().any(|m| m.rcpt_tos == vec![FALLBACK.to_owned()]));

    let (ok, stdout, _) = run(&saved);
    assert!(ok);
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap()[0]["outcome"], "repeated");

    // A file that is no report says what it is, and changes nothing.
    std::fs::write(&saved, SNS_HTTP).unwrap();
    let (ok, _, stderr) = run(&saved);
    assert!(!ok);
    assert!(stderr.contains("`Message` must be the SES event as a JSON string"), "{stderr}");
    let (ok, _, stderr) = run(&dir.path().join("missing.json"));
    assert!(!ok && stderr.contains("cannot read"), "{stderr}");
});
