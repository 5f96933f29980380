//! The walking skeleton's path: a contact form from post to mailbox.

use serde_json::json;

use crate::both_stores;
use crate::helpers::*;

fn contact_json(email: &str) -> serde_json::Value {
    json!({
        "name": "Sanne de Boer",
        "email": email,
        "municipality": "heemskerk",
        "message": "Ik wil graag weten welke hulp er is.",
        "privacy_consent": "yes",
    })
}

both_stores!(a_contact_form_is_stored_then_mailed_to_the_coordinator, |store| async move {
    let app = spawn(store).await;

    let response = app.post_json("contact", &contact_json("sanne@example.org")).await;

    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "received");
    let id = body["id"].as_str().unwrap().to_owned();

    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().expect("record stored");
    assert_eq!(record.routed_to.as_str(), "spreekuur.ijmond@example.org");
    assert!(!record.is_pending(), "both mails were sent and marked");

    let mails = app.smtp.wait_for(&id, 2).await;
    let coordinator = mails.iter().find(|m| m.message_id().contains(".coordinator@")).expect("coordinator mail");
    assert_eq!(coordinator.rcpt_tos, vec!["spreekuur.ijmond@example.org"]);
    assert_eq!(coordinator.reply_to(), Some((Some("Sanne de Boer".to_owned()), "sanne@example.org".to_owned())));
    assert_eq!(coordinator.subject(), "Contactformulier – Heemskerk");
    assert!(coordinator.text().contains("Ik wil graag weten welke hulp er is."));

    let confirmation = mails.iter().find(|m| m.message_id().contains(".confirmation@")).expect("confirmation mail");
    assert_eq!(confirmation.rcpt_tos, vec!["sanne@example.org"]);
});

both_stores!(a_browser_without_javascript_is_sent_to_the_thank_you_page_in_its_language, |store| async move {
    let app = spawn(store).await;
    for (lang, page) in [("nl", "/bedankt/"), ("en", "/en/thank-you/")] {
        let response = app
            .post_form(
                "contact",
                &[
                    ("name", "Ahmed"),
                    ("email", "ahmed@example.org"),
                    ("message", "Hallo"),
                    ("privacy_consent", "on"),
                    ("lang", lang),
                ],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(response.headers()["location"], page);
    }
});

both_stores!(an_invalid_form_is_refused_with_every_problem_and_nothing_is_stored, |store| async move {
    let app = spawn(store).await;

    let response = app.post_json("contact", &json!({"email": "sanne@example", "lang": "en"})).await;

    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"errors": {
            "name": "Enter your name",
            "email": "Enter an email address like name@example.com",
            "message": "Write your message",
            "privacy_consent": "Tick the box to agree that we use your details to help you",
        }})
    );
    let stored =
        app.app.submissions().find_by_email(&forms::domain::EmailAddress::parse("sanne@example.org").unwrap()).await.unwrap();
    assert!(stored.is_empty());
});
