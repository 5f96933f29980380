//! The logs of the real binary, at its most talkative level, after every
//! form has been sent (valid and invalid): they show what happened, and
//! never who wrote or what they wrote.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Logs go to a file: a pipe nobody reads would fill up and stall the server.
fn start_server(app: &TestApp, port: u16, log: &std::path::Path) -> Child {
    let file = std::fs::File::create(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_forms"))
        .envs(&app.env)
        .env("PORT", port.to_string())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::from(file.try_clone().unwrap()))
        .stderr(Stdio::from(file))
        .spawn()
        .expect("start forms")
}

async fn wait_until_up(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{base}/api/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn stop_and_read_logs(mut server: Child, log: &std::path::Path) -> String {
    // SIGTERM, so the server flushes and shuts down as it would in real life.
    Command::new("kill").arg("-TERM").arg(server.id().to_string()).status().unwrap();
    server.wait().unwrap();
    std::fs::read_to_string(log).unwrap()
}

both_stores!(logs_never_hold_personal_data, |store| async move {
    let app = spawn(store).await; // its configuration, store and mail sink
    let port = free_port();
    let log_dir = tempfile::TempDir::new().unwrap();
    let log = log_dir.path().join("forms.log");
    let server = start_server(&app, port, &log);
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(&app.http, &base).await;

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
    let logs = stop_and_read_logs(server, &log);

    for secret in SECRETS {
        assert!(!logs.contains(secret), "the log holds {secret:?}:\n{logs}");
    }
    // The logs still say what happened, so the check above is not vacuous.
    for kind in ["contact", "registration", "volunteer", "referral", "unknown"] {
        assert!(logs.contains(&format!("form=\"{kind}\"")) || logs.contains(&format!("form={kind}")), "no request line for {kind}:\n{logs}");
    }
    assert!(logs.contains("status=422") && logs.contains("status=404"), "{logs}");
});
