//! Mail on AWS: the SES v2 API (moto's), signed with the environment's
//! credentials. The raw message lettre composed is what SES receives; we
//! read it back from moto and check it as a recipient would.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use forms::aws::aws_config;
use forms::mail::{Mailer, OutgoingMail, SesMailer};
use forms::store::FormMail;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

/// A sending domain of this test's own, verified in moto's SES.
async fn verified_domain() -> String {
    let domain = format!("ses-{}.example.org", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    required_env("AWS_ENDPOINT_URL_SESV2");
    aws_sdk_sesv2::Client::new(&aws_config().await)
        .create_email_identity()
        .email_identity(&domain)
        .send()
        .await
        .expect("verify the sending domain in moto's SES");
    domain
}

/// Every raw message moto's SES accepted that is about `record`.
async fn sent_through_ses(record: &str, want: usize) -> Vec<Mail> {
    let url = format!("{}/moto-api/data.json", required_env("FORMS_TEST_MOTO_URL"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let data: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
        let mails: Vec<Mail> = data["ses"]["RawMessage"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| Mail {
                rcpt_tos: m["destinations"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect(),
                raw: m["raw_data"].as_str().unwrap().as_bytes().to_vec(),
            })
            .filter(|m| m.message_id().contains(record))
            .collect();
        if mails.len() >= want || Instant::now() > deadline {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn ses_options(domain: &str) -> Options {
    let mut options = Options::default();
    options.env.extend(HashMap::from([
        ("FORMS_MAILER", "ses".to_owned()),
        ("MAIL_FROM", format!("Steun voor gezinnen <noreply@{domain}>")),
    ]));
    options
}

both_stores!(a_form_is_mailed_through_the_ses_api, |store| async move {
    let domain = verified_domain().await;
    let app = spawn_with(store, ses_options(&domain)).await;
    let form = json!({"name": "Sanne de Boer", "email": "sanne@example.org", "municipality": "heemskerk",
                      "message": "Welke hulp is er?", "privacy_consent": "yes"});

    let response = app.post_json("contact", &form).await;
    assert_eq!(response.status(), 201);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let mails = sent_through_ses(&id, 2).await;
    assert_eq!(mails.len(), 2, "the coordinator mail and the confirmation went out through SES");
    let to = |m: &Mail| m.to().unwrap().1;
    let coordinator = mails.iter().find(|m| to(m) == "spreekuur.ijmond@example.org").expect("mail to the coordinator");
    let confirmation = mails.iter().find(|m| to(m) == "sanne@example.org").expect("confirmation to the sender");
    assert_eq!(coordinator.reply_to().unwrap().1, "sanne@example.org", "the coordinator replies to the sender");
    assert!(coordinator.text().contains("Welke hulp is er?"), "{}", coordinator.text());
    for m in [coordinator, confirmation] {
        assert!(m.rcpt_tos.iter().any(|r| r.contains(&to(m))), "SES was told the recipient: {:?}", m.rcpt_tos);
        let from = m.raw_headers().into_iter().find(|(k, _)| k.eq_ignore_ascii_case("from")).unwrap().1;
        assert!(from.contains(&format!("noreply@{domain}")), "sent as the verified domain: {from}");
    }
    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().expect("stored");
    assert!(!record.is_pending(), "both mails are marked sent");
});

both_stores!(a_bounce_ses_reports_for_the_message_id_it_was_sent_leads_back_to_the_form, |store| async move {
    let domain = verified_domain().await;
    let app = spawn_with(store, ses_options(&domain)).await;
    let form = json!({"name": "Sanne de Boer", "email": "sanne@example.org", "municipality": "heemskerk",
                      "message": "Welke hulp is er?", "privacy_consent": "yes"});
    let response = app.post_json("contact", &form).await;
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let mails = sent_through_ses(&id, 2).await;
    let coordinator = mails.iter().find(|m| m.rcpt_tos.iter().any(|r| r.contains("spreekuur.ijmond@"))).expect("sent");
    // The header in the raw message SES got is what it reports back as
    // mail.commonHeaders.messageId (it gives the mail an id of its own).
    let header = coordinator.raw_headers().into_iter().find(|(k, _)| k.eq_ignore_ascii_case("message-id")).unwrap().1;

    let bounce = crate::feedback::about(crate::feedback::BOUNCE, &header, "ses-bounce-1", |_| {});
    let lambda_event = crate::feedback::in_sns(crate::feedback::LAMBDA_SNS, &bounce);
    let [notice] = forms::feedback::event::parse(&lambda_event).unwrap().try_into().unwrap();
    let taken = app.app.submissions().take_feedback(&notice).await.unwrap();
    assert_eq!(taken, forms::feedback::Taken::HandedToFallback { record: id.parse().unwrap(), sent: true });
    let mails = sent_through_ses(&id, 3).await;
    let fallback = mails.iter().find(|m| m.rcpt_tos.iter().any(|r| r.contains("info@example.org"))).expect("to the fallback");
    assert!(fallback.text().contains("550 5.1.1 user unknown"), "{}", fallback.text());
});

fn mail_from(from: &str, to: &str) -> OutgoingMail {
    let message = lettre::Message::builder()
        .from(from.parse().unwrap())
        .to(to.parse().unwrap())
        .subject("Test")
        .body("Hallo".to_owned())
        .unwrap();
    OutgoingMail { record_id: uuid::Uuid::new_v4(), kind: FormMail::Coordinator.into(), message }
}

#[tokio::test]
async fn an_ses_rejection_is_permanent() {
    required_env("AWS_ENDPOINT_URL_SESV2");
    let ses = SesMailer::new(aws_sdk_sesv2::Client::new(&aws_config().await));
    // Moto, like SES, refuses a sender whose identity is not verified (MessageRejected).
    let error = ses.send(&mail_from("noreply@not-verified.example.net", "a@example.org")).await.unwrap_err();
    assert!(error.is_permanent(), "{error:?}");
}

#[tokio::test]
async fn no_answer_from_ses_is_temporary() {
    let config = aws_config().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(&config).endpoint_url(format!("http://{closed}")).build(),
    );
    let domain = verified_domain().await;
    let error = SesMailer::new(client).send(&mail_from(&format!("noreply@{domain}"), "a@example.org")).await.unwrap_err();
    assert!(!error.is_permanent(), "{error:?}");
}
