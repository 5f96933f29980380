//! Every site language end to end: the answers, the error page for
//! browsers without JavaScript, the thank-you address and the confirmation
//! mail come in the sender's language (texts from site/i18n/<lang>.toml);
//! the coordinator's mail stays Dutch and says which language it was.

use std::collections::HashSet;

use forms::domain::Lang;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

fn contact(lang: Lang, email: &str) -> Value {
    json!({
        "name": "Olena Kowalska",
        "email": email,
        "municipality": "heemskerk",
        "message": "Graag hulp met taal.",
        "privacy_consent": "yes",
        "lang": lang.as_str(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_language_gets_its_own_error_messages() {
    let app = spawn(Store::Sqlite).await;
    let mut seen = HashSet::new();
    for lang in Lang::ALL {
        let response = app.post_json("contact", &json!({"lang": lang.as_str()})).await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        let name = body["errors"]["name"].as_str().unwrap().to_owned();
        assert_eq!(name, lang.texts().error_missing_name, "{lang:?}");
        assert!(seen.insert(name), "{lang:?} answers in another language's words");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_error_page_without_javascript_is_the_form_page_in_its_language() {
    let app = spawn(Store::Sqlite).await;
    for (lang, page_title) in [(Lang::Ar, "dir=\"rtl\""), (Lang::Uk, "lang=\"uk\""), (Lang::Tr, "lang=\"tr\"")] {
        let response = app.post_form("registration", &[("lang", lang.as_str()), ("email", "x")]).await;
        assert_eq!(response.status(), 422);
        let html = response.text().await.unwrap();
        let t = lang.texts();
        assert!(html.contains(page_title), "{lang:?}: {}", &html[..300]);
        assert!(html.contains(&format!("<title>{}", t.error_prefix)), "{lang:?}: title prefix");
        assert!(html.contains(t.error_summary_title), "{lang:?}: summary title");
        assert!(html.contains(t.error_invalid_email), "{lang:?}: the message at the field");
        assert!(html.contains("name=\"lang\" value=\"") && html.contains(&format!("value=\"{}\"", lang.as_str())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_post_ends_on_the_thank_you_page_of_its_language() {
    let app = spawn(Store::Sqlite).await;
    for (lang, thanks) in [
        (Lang::Nl, "/bedankt/"),
        (Lang::En, "/en/thank-you/"),
        (Lang::Tr, "/tr/thank-you/"),
        (Lang::Ar, "/ar/thank-you/"),
        (Lang::Pl, "/pl/thank-you/"),
        (Lang::Uk, "/uk/thank-you/"),
    ] {
        let email = format!("thanks-{}@example.org", lang.as_str());
        let fields = [
            ("name", "Olena"),
            ("email", email.as_str()),
            ("municipality", "beverwijk"),
            ("message", "Hallo"),
            ("privacy_consent", "on"),
            ("lang", lang.as_str()),
        ];
        let response = app.post_form("contact", &fields).await;
        assert_eq!(response.status(), 303, "{lang:?}");
        assert_eq!(response.headers()["location"], thanks);
        assert!(repo_root().join("site/public").join(&thanks[1..]).join("index.html").is_file(), "{thanks} exists");
    }
}

both_stores!(the_confirmation_speaks_the_senders_language_and_the_coordinator_mail_names_it, |store| async move {
    let app = spawn(store).await;
    for lang in Lang::ALL {
        let email = format!("olena-{}-{}@example.org", lang.as_str(), uuid::Uuid::new_v4().simple());
        let response = app.post_json("contact", &contact(lang, &email)).await;
        assert_eq!(response.status(), 201, "{lang:?}");
        let body: Value = response.json().await.unwrap();
        let id = body["id"].as_str().unwrap().to_owned();
        let mails = app.smtp.wait_for(&id, 2).await;
        let t = lang.texts();

        let confirmation = mails.iter().find(|m| m.message_id().contains(".confirmation@")).unwrap();
        assert_eq!(confirmation.subject(), t.mail_subject, "{lang:?}");
        let text = confirmation.text();
        assert!(text.contains(t.mail_thanks_contact), "{lang:?}: {text}");
        assert!(text.contains(&t.mail_reference.replace("{id}", &id)), "{lang:?}: {text}");
        // When they hear back: the follow-up's setting (directory.toml [follow_up]).
        let days = forms::directory::Directory::builtin().unwrap().answer_within_working_days();
        let when = t.mail_step_contact.replace("{days}", &days.to_string());
        assert!(when.contains(&days.to_string()) && text.contains(&when), "{lang:?}: {text}");
        let html = confirmation.html();
        assert!(html.contains(&format!("lang=\"{}\"", lang.as_str())), "{lang:?}: {html}");
        assert_eq!(html.contains("dir=\"rtl\""), lang == Lang::Ar, "{lang:?}: direction");

        let coordinator = mails.iter().find(|m| m.message_id().contains(".coordinator@")).unwrap();
        let text = coordinator.text();
        assert!(text.contains(&format!("Taal:\n{}", lang.name_nl())), "{lang:?}: {text}");
        assert!(text.contains("Contactformulier via de website"), "stays Dutch: {text}");
        let note = format!("de afzender schreef in het {}", lang.name_nl());
        assert_eq!(text.contains(&note), lang != Lang::Nl, "{lang:?}: {text}");
    }
});
