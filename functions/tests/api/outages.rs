//! What a user notices when an AWS service does not answer (issue 18): the
//! store or the pickup key behind an endpoint that accepts connections and
//! never answers (tests/support/silent_server.py), until the outage ends
//! and it passes connections on to moto. The `forms` binary runs as its own
//! process, as a new user starts it, pointed there by the SDK's standard
//! endpoint variables. The bounds are the user's: 10 s for "try again in a
//! minute", 2 s for a form that is stored.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use forms::budgets::{STORE_DOWN_ANSWER, TRY_AGAIN_AFTER, USER_WAIT};
use forms::domain::{Lang, thank_you_path};
use serde_json::{Value, json};

use crate::helpers::*;

/// tests/support/silent_server.py: silent until `answer`, then a way through to `upstream`.
struct Silent {
    child: Child,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl Silent {
    fn start(upstream: &str) -> Self {
        let mut child = Command::new(required_env("FORMS_TEST_PYTHON"))
            .arg(repo_root().join("tests/support/silent_server.py"))
            .args(["--upstream", upstream])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the silent server");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("silent server said: {line}")).to_owned();
        Self { child, stdout, url }
    }

    /// The outage ends: connections from now on reach the upstream.
    fn answer(&mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-USR1", &pid]).status().unwrap().success());
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(line.starts_with("passing connections on"), "silent server said: {line}");
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn contact(email: &str, key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("lang", "en".into()),
        ("submission_id", key.into()),
        ("name", "Sanne de Boer".into()),
        ("email", email.into()),
        ("municipality", "heemskerk".into()),
        ("message", "Which help is there for our family?".into()),
        ("privacy_consent", "yes".into()),
    ]
}

/// A browser without JavaScript posts the form; the answer must come within `bound`.
async fn post_as_browser(server: &ServerProcess, fields: &[(&str, String)], bound: Duration) -> reqwest::Response {
    let request = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/api/forms/contact", server.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send();
    within(bound, request).await
}

async fn post_as_script(server: &ServerProcess, body: &Value, bound: Duration) -> reqwest::Response {
    let request = reqwest::Client::new()
        .post(format!("{}/api/forms/contact", server.address))
        .header("accept", "application/json")
        .json(body)
        .send();
    within(bound, request).await
}

async fn within(bound: Duration, request: impl Future<Output = reqwest::Result<reqwest::Response>>) -> reqwest::Response {
    tokio::time::timeout(bound, request)
        .await
        .unwrap_or_else(|_| panic!("no answer within {} s: the user is left waiting", bound.as_secs_f32()))
        .expect("an HTTP answer")
}

/// `forms export EMAIL` on the app's store: how many records hold the address.
fn stored(app: &TestApp, email: &str) -> u64 {
    let out = app.command(&["export", email]);
    assert!(out.status.success(), "export: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout).unwrap()["count"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_store_gets_the_form_back_to_try_again_in_a_minute_and_stores_nothing() {
    let moto = required_env("FORMS_TEST_MOTO_URL");
    let mut app = spawn_with(Store::Dynamo, Options::default().without_sweeper()).await;
    let mut dynamodb = Silent::start(&moto);
    app.env.insert("AWS_ENDPOINT_URL_DYNAMODB".into(), dynamodb.url.clone());
    let logs = tempfile::TempDir::new().unwrap();
    let server = ServerProcess::start(&app, logs.path(), "info");
    let try_again = Lang::En.texts().error_not_stored;
    let retry_after = TRY_AGAIN_AFTER.as_secs().to_string();

    // A script hears 503 and when to try again.
    let email = format!("outage-{}@example.org", uuid::Uuid::new_v4());
    let body = json!({"lang": "en", "name": "Sanne de Boer", "email": email, "municipality": "heemskerk", "message": "Hello", "privacy_consent": "yes"});
    let answer = post_as_script(&server, &body, STORE_DOWN_ANSWER).await;
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers()["retry-after"], retry_after.as_str());
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["message"], try_again, "{answer}");

    // A browser gets its form back as typed, with the same key, in its language.
    let key = uuid::Uuid::new_v4().to_string();
    let form = contact(&email, &key);
    let answer = post_as_browser(&server, &form, STORE_DOWN_ANSWER).await;
    assert_eq!(answer.status(), 503);
    assert_eq!(answer.headers()["retry-after"], retry_after.as_str());
    let page = answer.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\""), "the page speaks the form's language");
    assert!(page.contains(try_again), "the page says to try again in a minute");
    for typed in ["Sanne de Boer", "Which help is there for our family?", email.as_str(), key.as_str()] {
        assert!(page.contains(typed), "`{typed}` is still in the form");
    }

    // The store answers again: nothing of either post is in it.
    dynamodb.answer();
    assert_eq!(stored(&app, &email), 0, "no half-stored record");
    // A minute later the same form goes through, once.
    let answer = post_as_browser(&server, &form, STORE_DOWN_ANSWER).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.headers()["location"], thank_you_path(Lang::En));
    assert_eq!(stored(&app, &email), 1);
    assert_eq!(app.smtp.wait_for(&key, 2).await.len(), 2, "coordinator and confirmation: {}", server.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_secrets_manager_leaves_the_mail_pending_and_the_form_stored_in_time() {
    let moto = required_env("FORMS_TEST_MOTO_URL");
    let mut app = spawn_with(Store::Dynamo, Options::default().without_sweeper()).await;
    // The stack's pickup key, in moto; the function reaches it through the silent endpoint.
    let aws = forms::aws::aws_config().await;
    let secrets = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(&aws).endpoint_url(&moto).build(),
    );
    let key_text = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let secret = secrets
        .create_secret()
        .name(format!("pickup-key-{}", uuid::Uuid::new_v4()))
        .secret_string(key_text)
        .send()
        .await
        .expect("a secret in moto");
    let mut secrets_manager = Silent::start(&moto);
    app.env.insert("PICKUP_KEY_SECRET_ID".into(), secret.arn().unwrap().to_owned());
    app.env.insert("AWS_ENDPOINT_URL_SECRETS_MANAGER".into(), secrets_manager.url.clone());
    let logs = tempfile::TempDir::new().unwrap();
    let server = ServerProcess::start(&app, logs.path(), "info");

    let email = format!("keyless-{}@example.org", uuid::Uuid::new_v4());
    let key = uuid::Uuid::new_v4().to_string();
    let answer = post_as_browser(&server, &contact(&email, &key), USER_WAIT).await;
    assert_eq!(answer.status(), 303, "received, although its mail cannot go yet");
    assert_eq!(answer.headers()["location"], thank_you_path(Lang::En));
    assert_eq!(stored(&app, &email), 1);
    assert!(app.smtp.about(&key).is_empty(), "no coordinator mail goes out without its pickup link");

    // Secrets Manager answers again: the sweep sends the mail, with its link.
    secrets_manager.answer();
    let mails = app.smtp.wait_for(&key, 2).await;
    assert_eq!(mails.len(), 2, "coordinator and confirmation: {}", server.log());
    let coordinator = mails.iter().find(|m| m.message_id().contains(".coordinator@")).expect("the coordinator mail");
    assert!(coordinator.text().contains(&format!("/api/pickup/{key}?")), "{}", coordinator.text());
}
