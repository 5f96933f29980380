//! The four forms end to end: answers, routing, mail content, idempotency,
//! the honeypot, and the limits of what the endpoint accepts.

use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;
use forms::clock::TestClock;
use std::sync::Arc;

fn registration(programme: &str, municipality: &str) -> Value {
    json!({
        "name": "Fatma Yılmaz",
        "email": "fatma@example.org",
        "phone": "06 12345678",
        "municipality": municipality,
        "programme": programme,
        "children_ages": "2 en 5",
        "privacy_consent": "on",
    })
}

fn referral() -> Value {
    json!({
        "name": "Familie Jansen",
        "phone": "0251 123456",
        "municipality": "beverwijk",
        "programme": "buurtgezinnen",
        "message": "Moeder is alleen met drie kinderen en kan wat lucht gebruiken.",
        "referrer_name": "Els Bakker",
        "referrer_organisation": "Basisschool De Linde",
        "referrer_email": "els.bakker@school.example.org",
        "referrer_phone": "0251 654321",
        "parent_consent": "yes",
        "privacy_consent": "yes",
    })
}

fn volunteer(programme: &str, municipality: &str) -> Value {
    json!({
        "name": "Kees de Wit",
        "email": "kees@example.org",
        "municipality": municipality,
        "programme": programme,
        "message": "Ik heb zelf drie kinderen grootgebracht.",
        "privacy_consent": "true",
        "lang": "en",
    })
}

async fn id_of(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

fn coordinator_mail(mails: &[Mail]) -> &Mail {
    mails.iter().find(|m| m.message_id().contains(".coordinator@")).expect("a coordinator mail")
}

fn confirmation_mail(mails: &[Mail]) -> &Mail {
    mails.iter().find(|m| m.message_id().contains(".confirmation@")).expect("a confirmation mail")
}

both_stores!(each_form_reaches_the_coordinator_its_programme_and_place_call_for, |store| async move {
    let app = spawn(store).await;
    let cases = [
        ("registration", registration("home-start", "wijk-aan-zee"), "homestart.ijmond@example.org"),
        ("registration", registration("taalhuis", "heemskerk"), "taalhuis.ijmond@example.org"),
        ("registration", registration("unsure", "beverwijk"), "spreekuur.ijmond@example.org"),
        ("registration", registration("home-start", "sudwest-fryslan"), "homestart.friesland@example.org"),
        ("registration", registration("buurtgezinnen", "opsterland"), "info@example.org"),
        ("registration", registration("home-start", "other"), "info@example.org"),
        ("referral", referral(), "buurtgezinnen.ijmond@example.org"),
        ("volunteer", volunteer("buurtgezinnen", "heemskerk"), "buurtgezinnen.ijmond@example.org"),
        ("volunteer", volunteer("home-start", "de-fryske-marren"), "homestart.friesland@example.org"),
    ];
    for (kind, body, coordinator) in cases {
        let id = id_of(app.post_json(kind, &body).await).await;
        let mails = app.smtp.wait_for(&id, 1).await;
        assert_eq!(coordinator_mail(&mails).rcpt_tos, vec![coordinator], "{kind} {body}");
    }
});

both_stores!(the_coordinator_mail_lets_them_act_at_once, |store| async move {
    let app = spawn(store).await;
    let id = id_of(app.post_json("referral", &referral()).await).await;

    let mails = app.smtp.wait_for(&id, 2).await;
    let mail = coordinator_mail(&mails);
    assert_eq!(mail.subject(), "Verwijzing: Buurtgezinnen – Beverwijk");
    assert_eq!(mail.message_id(), format!("{id}.coordinator@example.org"));
    assert_eq!(
        mail.reply_to(),
        Some((Some("Els Bakker".to_owned()), "els.bakker@school.example.org".to_owned())),
        "a referral is answered to the referrer"
    );
    let text = mail.text();
    for expected in [
        // The family's details say whose they are, beside the referrer's.
        "Naam ouder:\nFamilie Jansen",
        "Telefoonnummer ouder:\n0251 123456",
        "Gemeente gezin:\nBeverwijk",
        "Programma:\nBuurtgezinnen",
        "Naam verwijzer:\nEls Bakker",
        "Organisatie verwijzer:\nBasisschool De Linde",
        "E-mailadres verwijzer:\nels.bakker@school.example.org",
        "Telefoonnummer verwijzer:\n0251 654321",
        "Toestemming ouder:\nJa, de ouder is akkoord",
        "Bericht:\nMoeder is alleen met drie kinderen en kan wat lucht gebruiken.",
        "(Nederlandse tijd)",
        &format!("Kenmerk: {id}"),
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(mail.html().contains("<th scope=\"row\""), "the HTML part is a labelled table");

    // The referrer is confirmed, in Dutch, and a reply reaches the coordinator.
    let confirmation = confirmation_mail(&mails);
    assert_eq!(confirmation.rcpt_tos, vec!["els.bakker@school.example.org"]);
    assert_eq!(confirmation.reply_to().unwrap().1, "buurtgezinnen.ijmond@example.org");
    assert!(confirmation.text().contains("Bedankt voor je verwijzing"));
});

both_stores!(the_confirmation_speaks_the_senders_language, |store| async move {
    let app = spawn(store).await;
    let id = id_of(app.post_json("volunteer", &volunteer("taalhuis", "heemskerk")).await).await;
    let mails = app.smtp.wait_for(&id, 2).await;
    let confirmation = confirmation_mail(&mails);
    assert_eq!(confirmation.subject(), "We have received your form");
    assert!(confirmation.text().contains("What happens next?"));
    assert!(confirmation.text().contains(&id));
    // The coordinator's mail stays Dutch.
    assert_eq!(coordinator_mail(&mails).subject(), "Vrijwilliger: Taalhuis – Heemskerk");
});

both_stores!(no_confirmation_without_an_email_address, |store| async move {
    let app = spawn(store).await;
    let mut body = registration("home-start", "heemskerk");
    body.as_object_mut().unwrap().remove("email");
    let id = id_of(app.post_json("registration", &body).await).await;
    let mails = app.smtp.wait_for(&id, 1).await;
    assert_eq!(mails.len(), 1);
    assert!(coordinator_mail(&mails).reply_to().is_none());
    assert!(coordinator_mail(&mails).text().contains("Geen e-mailadres: bel Fatma Yılmaz op 06 12345678."));
    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert!(!record.is_pending(), "one mail was all it needed");
});

both_stores!(the_same_submission_id_is_stored_and_mailed_once, |store| async move {
    let app = spawn(store).await;
    let key = uuid::Uuid::new_v4().to_string();
    let mut body = registration("home-start", "heemskerk");
    body["submission_id"] = json!(key);

    let first = id_of(app.post_json("registration", &body).await).await;
    let second = id_of(app.post_json("registration", &body).await).await;
    // The same form by a browser without JavaScript (a double click).
    let same_as_browser = app
        .post_form(
            "registration",
            &[
                ("name", "Fatma Yılmaz"),
                ("email", "fatma@example.org"),
                ("phone", "06 12345678"),
                ("municipality", "heemskerk"),
                ("programme", "home-start"),
                ("children_ages", "2 en 5"),
                ("privacy_consent", "on"),
                ("submission_id", &key),
            ],
        )
        .await;

    assert_eq!(first, key);
    assert_eq!(second, key);
    assert_eq!(same_as_browser.status(), 303);
    assert_eq!(same_as_browser.headers()["location"], "/bedankt/", "the repeat is thanked like the first");
    app.smtp.wait_for(&key, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.smtp.about(&key).len(), 2, "one coordinator mail and one confirmation, not more");
    let email = forms::domain::EmailAddress::parse("fatma@example.org").unwrap();
    let stored = app.app.submissions().find_by_email(&email).await.unwrap();
    assert_eq!(stored.len(), 1);
});

both_stores!(a_reused_submission_id_with_other_content_is_never_called_received, |store| async move {
    let app = spawn(store).await;
    let key = uuid::Uuid::new_v4().to_string();
    let mut first = registration("home-start", "heemskerk");
    first["submission_id"] = json!(key);
    assert_eq!(id_of(app.post_json("registration", &first).await).await, key);
    app.smtp.wait_for(&key, 2).await;

    // A second, different form from the same tab with the old key.
    let mut other = registration("taalhuis", "beverwijk");
    other["name"] = json!("Anna Visser");
    other["email"] = json!("anna@example.org");
    other["submission_id"] = json!(key);
    let script = app.post_json("registration", &other).await;
    assert_eq!(script.status(), 409);
    let answer: Value = script.json().await.unwrap();
    assert_eq!(answer["error"], "submission_id_reused", "{answer}");

    let browser = app
        .post_form(
            "registration",
            &[
                ("name", "Anna Visser"),
                ("email", "anna@example.org"),
                ("municipality", "beverwijk"),
                ("programme", "taalhuis"),
                ("privacy_consent", "on"),
                ("submission_id", &key),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(browser.status(), 409);
    let page = browser.text().await.unwrap();
    assert!(page.contains("Send the form once more"), "the form again, with a message");
    assert!(page.contains(r#"value="Anna Visser""#), "what was typed stays");
    let fresh = page.split(r#"name="submission_id" value=""#).nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert!(uuid::Uuid::try_parse(&fresh).is_ok() && fresh != key, "a new key: {fresh}");

    // Sent once more with the new key, it is received, stored and mailed.
    let resent = app
        .post_form(
            "registration",
            &[
                ("name", "Anna Visser"),
                ("email", "anna@example.org"),
                ("municipality", "beverwijk"),
                ("programme", "taalhuis"),
                ("privacy_consent", "on"),
                ("submission_id", &fresh),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(resent.status(), 303);
    assert_eq!(resent.headers()["location"], "/en/thank-you/");
    assert_eq!(app.smtp.wait_for(&fresh, 2).await.len(), 2);
    let anna = forms::domain::EmailAddress::parse("anna@example.org").unwrap();
    assert_eq!(app.app.submissions().find_by_email(&anna).await.unwrap().len(), 1);
    assert_eq!(app.smtp.about(&key).len(), 2, "the first form's mails, nothing more under its key");
});

both_stores!(a_filled_honeypot_is_answered_like_a_real_post_and_nothing_is_kept, |store| async move {
    let app = spawn(store).await;
    let key = uuid::Uuid::new_v4().to_string();
    let mut person = registration("home-start", "heemskerk");
    person["submission_id"] = json!(key);
    let mut bot = person.clone();
    bot["website"] = json!("https://spam.example");

    // A script gets what a stored form gets: 201, the same body, its own key.
    let answer = app.post_json("registration", &bot).await;
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.json::<Value>().await.unwrap(), json!({"id": key, "status": "received"}));
    // Without a key, a fresh one of the kind a stored form gets.
    let (mut keyless_bot, mut keyless_person) = (bot.clone(), registration("taalhuis", "beverwijk"));
    keyless_bot.as_object_mut().unwrap().remove("submission_id");
    keyless_bot["email"] = json!(format!("bot-{}@example.org", uuid::Uuid::new_v4().simple()));
    keyless_person["phone"] = json!("06 99999999");
    let bots: uuid::Uuid = id_of(app.post_json("registration", &keyless_bot).await).await.parse().unwrap();
    let persons: uuid::Uuid = id_of(app.post_json("registration", &keyless_person).await).await.parse().unwrap();
    assert_eq!(bots.get_version_num(), persons.get_version_num());
    // A browser is sent where a person is sent.
    let browser = app.post_form("contact", &[("website", "x"), ("lang", "en")]).await;
    assert_eq!(browser.status(), 303);
    assert_eq!(browser.headers()["location"], "/en/thank-you/");

    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for id in [key.clone(), bots.to_string()] {
        assert!(app.app.submissions().get(id.parse().unwrap()).await.unwrap().is_none(), "nothing stored under {id}");
        assert!(app.smtp.about(&id).is_empty(), "nothing mailed about {id}");
    }
    let address = forms::domain::EmailAddress::parse(keyless_bot["email"].as_str().unwrap()).unwrap();
    assert!(app.app.submissions().find_by_email(&address).await.unwrap().is_empty());
    // The same form without the honeypot is kept and mailed under that very
    // key: the lookups above would have found a stored bot.
    assert_eq!(id_of(app.post_json("registration", &person).await).await, key);
    assert!(app.app.submissions().get(key.parse().unwrap()).await.unwrap().is_some());
    assert_eq!(app.smtp.wait_for(&key, 2).await.len(), 2);
});

both_stores!(consent_and_retention_are_recorded, |store| async move {
    let app = spawn_with(store, Options::default().with("RETENTION_DAYS", "30")).await;
    let id = id_of(app.post_json("registration", &registration("taalhuis", "beverwijk")).await).await;
    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(record.consent_at, record.received_at);
    let kept = record.expires_at - record.received_at;
    assert!((kept - time::Duration::days(30)).abs() < time::Duration::seconds(1), "{kept}");
});

#[tokio::test]
async fn sqlite_forgets_a_submission_when_its_retention_ends() {
    // DynamoDB's TTL does this itself; SQLite's sweep purges.
    let clock = Arc::new(TestClock::starting_now());
    let options = Options::default().with("RETENTION_DAYS", "1").without_sweeper().with_clock(clock.clone());
    let app = spawn_with(Store::Sqlite, options).await;
    let id = id_of(app.post_json("registration", &registration("taalhuis", "beverwijk")).await).await;
    let service = app.app.submissions();

    clock.advance(time::Duration::hours(23));
    assert_eq!(app.sweep().await.mail.purged, 0, "kept within its retention");
    assert!(service.get(id.parse().unwrap()).await.unwrap().is_some());
    clock.advance(time::Duration::hours(2));
    assert_eq!(app.sweep().await.mail.purged, 1, "forgotten after a day");
    assert!(service.get(id.parse().unwrap()).await.unwrap().is_none());
}

both_stores!(a_browser_sees_its_form_again_with_errors_and_what_it_typed, |store| async move {
    let app = spawn(store).await;
    let response = app
        .post_form("contact", &[("name", "Sanne <b>de Boer</b>"), ("email", "sanne@"), ("message", "Hallo"), ("lang", "nl")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Fout: "), "the title says there is an error");
    assert!(html.contains(r##"<a href="#email">Vul een e-mailadres in zoals naam@voorbeeld.nl</a>"##));
    assert!(html.contains(r##"<a href="#privacy_consent">"##));
    assert!(html.contains(r#"value="Sanne &#60;b&#62;de Boer&#60;/b&#62;""#), "what was typed stays, as text");
    assert!(!html.contains("<b>de Boer</b></"), "typed markup is not rendered");
});

both_stores!(the_endpoint_refuses_what_is_not_a_form, |store| async move {
    let app = spawn(store).await;
    let post = |path: &str| app.http.post(app.url(path));

    let unknown = post("/api/forms/newsletter").header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    let method = app.http.get(app.url("/api/forms/contact")).send().await.unwrap();
    assert_eq!(method.status(), 405);

    let text = post("/api/forms/contact").header("content-type", "text/plain").body("name=x").send().await.unwrap();
    assert_eq!(text.status(), 415);
    let none = post("/api/forms/contact").body("name=x").send().await.unwrap();
    assert_eq!(none.status(), 415);

    let big = format!("name=x&message={}", "a".repeat(33 * 1024));
    let too_large = post("/api/forms/contact")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    assert_eq!(too_large.json::<Value>().await.unwrap()["error"], "payload_too_large");

    let broken = post("/api/forms/contact").header("content-type", "application/json").body("{\"name\":").send().await.unwrap();
    assert_eq!(broken.status(), 400);
});

#[tokio::test]
async fn one_client_cannot_flood_the_forms() {
    let app = spawn_with(Store::Sqlite, Options::default().with("RATE_LIMIT_PER_MINUTE", "3")).await;
    for _ in 0..3 {
        assert_eq!(app.post_json("contact", &json!({"name": "x"})).await.status(), 422);
    }
    let refused = app.post_json("contact", &json!({"name": "x"})).await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}
