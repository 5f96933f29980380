//! The logs of the real binary, at its most talkative level, after every
//! form has been sent (valid and invalid): they show what happened, and
//! never who wrote or what they wrote.

use serde_json::json;

use crate::both_stores;
use crate::helpers::*;

/// Personal data a log line must never carry.
const SECRETS: [&str; 10] = [
    "Geheimnaam Pietersen",
    "geheim.adres@example.org",
    "0612345678",
    "Mijn dochter slaapt slecht",
    "Verwijzer Vertrouwelijk",
    "verwijzer.geheim@example.org",
    "Zorginstelling Discreet",
    "Kinderen 3 en 5 jaar",
    "0698765432",
    "onbekend-pad-met-naam",
];

both_stores!(logs_never_hold_personal_data, |store| async move {
    let app = spawn(store).await; // its configuration, store and mail sink
    let log_dir = tempfile::TempDir::new().unwrap();
    let mut server = ServerProcess::start(&app, log_dir.path(), "trace");
    let base = server.address.clone();

    let family = json!({
        "name": SECRETS[0], "email": SECRETS[1], "phone": SECRETS[2], "message": SECRETS[3],
        "municipality": "heemskerk", "privacy_consent": "yes", "children_ages": SECRETS[7],
    });
    let with = |extra: serde_json::Value| {
        let mut body = family.clone();
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    let posts = [
        ("contact", family.clone()),
        ("registration", with(json!({"programme": "home-start"}))),
        ("volunteer", with(json!({"programme": "buurtgezinnen"}))),
        (
            "referral",
            with(json!({
                "programme": "taalhuis", "parent_consent": "yes", "referrer_name": SECRETS[4],
                "referrer_email": SECRETS[5], "referrer_organisation": SECRETS[6], "referrer_phone": SECRETS[8],
            })),
        ),
    ];
    let mut records = Vec::new();
    for (kind, body) in &posts {
        let response = app
            .http
            .post(format!("{base}/api/forms/{kind}"))
            .header("accept", "application/json")
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{kind}");
        let answer: serde_json::Value = response.json().await.unwrap();
        records.push(answer["id"].as_str().unwrap().to_owned());
    }
    // Invalid input (echoed back in the error page, never logged) and a path
    // that holds something personal.
    let invalid = app
        .http
        .post(format!("{base}/api/forms/registration"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("name", SECRETS[0]), ("email", "geen-adres"), ("phone", SECRETS[2])]).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    let unknown = app.http.post(format!("{base}/api/forms/{}", SECRETS[9])).json(&family).send().await.unwrap();
    assert_eq!(unknown.status(), 404);

    for record in &records {
        assert_eq!(app.smtp.wait_for(record, 2).await.len(), 2, "both mails for {record}");
    }
    server.stop();
    let logs = server.log();

    for secret in SECRETS {
        assert!(!logs.contains(secret), "the log holds {secret:?}:\n{logs}");
    }
    // The logs still say what happened, so the check above is not vacuous.
    for kind in ["contact", "registration", "volunteer", "referral", "unknown"] {
        assert!(
            logs.contains(&format!("form=\"{kind}\"")) || logs.contains(&format!("form={kind}")),
            "no request line for {kind}:\n{logs}"
        );
    }
    assert!(logs.contains("status=422") && logs.contains("status=404"), "{logs}");
});
