//! Never lost: mail that cannot be sent now is sent later, once; data
//! requests find and erase everything stored for an address.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use forms::clock::TestClock;
use forms::store::keys::{FOLLOW_UP_AT, ID, SUBMISSION, TABLE};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

/// A sink of the test's own on a free port, and the app sending to it
/// with a clock the test moves and no background sweeper.
async fn app_with_own_sink(store: Store, flags: &[&str]) -> (TestApp, OwnSink, Arc<TestClock>, tempfile::TempDir) {
    let dir = tempfile::TempDir::new().unwrap();
    let sink = MailSink { port: free_port(), dir: dir.path().to_path_buf() };
    let server = OwnSink::start_with(sink.clone(), flags);
    let clock = Arc::new(TestClock::starting_now());
    let options = Options::default().without_sweeper().with_clock(clock.clone());
    (spawn_with_sink(store, options, sink).await, server, clock, dir)
}

fn contact(email: &str) -> Value {
    json!({"name": "Sanne de Boer", "email": email, "municipality": "heemskerk", "message": "Ik heb een vraag.", "privacy_consent": "yes"})
}

async fn id_of(response: reqwest::Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

/// An SMTP sink of this test's own, to stop and start at will.
pub(crate) struct OwnSink {
    child: Option<Child>,
}

impl OwnSink {
    pub(crate) fn start_on(sink: MailSink) -> Self {
        Self::start_with(sink, &[])
    }

    /// With the sink's misbehaviour flags (`--hang`, `--refuse ADDRESS`, ...).
    pub(crate) fn start_with(sink: MailSink, flags: &[&str]) -> Self {
        let python = std::env::var("FORMS_TEST_PYTHON").expect("FORMS_TEST_PYTHON: run through make test");
        let script = std::env::var("FORMS_TEST_SMTP_SINK").expect("FORMS_TEST_SMTP_SINK: run through make test");
        let child = Command::new(python)
            .args([&script, "--port", &sink.port.to_string(), "--dir", &sink.dir.display().to_string()])
            .args(flags)
            .stdout(Stdio::null())
            .spawn()
            .expect("start SMTP sink");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", sink.port)).is_err() {
            assert!(Instant::now() < deadline, "SMTP sink did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child: Some(child) }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

impl Drop for OwnSink {
    fn drop(&mut self) {
        self.stop();
    }
}

both_stores!(mail_that_fails_is_sent_once_when_smtp_is_back, |store| async move {
    let dir = tempfile::TempDir::new().unwrap();
    let sink = MailSink { port: free_port(), dir: dir.path().to_path_buf() };
    let mut server = OwnSink::start_on(sink.clone());
    let app = spawn_with_sink(store, Options::default(), sink.clone()).await;

    server.stop();
    let mut ids = Vec::new();
    for i in 0..3 {
        let body = json!({"name": format!("Ouder {i}"), "email": format!("ouder{i}@example.org"), "message": "Hallo", "privacy_consent": "yes"});
        let response = app.post_json("contact", &body).await;
        assert_eq!(response.status(), 201, "the user hears nothing of the outage");
        ids.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
        assert!(record.is_pending(), "stored, mail still to send");
        assert!(record.delivery.attempts >= 1);
    }

    let _server = OwnSink::start_on(sink.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stats = app.app.submissions().pending_stats().await.unwrap();
        if stats.pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the sweeper did not deliver within 30 s: {stats:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A few more sweeps must not send anything again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for id in &ids {
        let mails = sink.about(id);
        let coordinator = mails.iter().filter(|m| m.message_id().contains(".coordinator@")).count();
        let confirmation = mails.iter().filter(|m| m.message_id().contains(".confirmation@")).count();
        assert_eq!((coordinator, confirmation), (1, 1), "record {id}: each mail exactly once");
    }
});

both_stores!(a_data_request_finds_and_erases_everything_for_an_address, |store| async move {
    let app = spawn(store).await;
    let person = format!("ouder-{}@example.org", uuid::Uuid::new_v4().simple());
    let contact = json!({"name": "Ouder", "email": person, "message": "Vraag", "privacy_consent": "yes"});
    let referral = json!({
        "name": "Familie", "phone": "0612345678", "municipality": "heemskerk", "programme": "home-start",
        "message": "Reden", "referrer_name": "Verwijzer", "referrer_organisation": "Wijkteam",
        "referrer_email": person.to_uppercase(), "parent_consent": "yes", "privacy_consent": "yes",
    });
    let other = json!({"name": "Ander", "email": "ander@example.org", "message": "Vraag", "privacy_consent": "yes"});
    for (kind, body) in [("contact", &contact), ("referral", &referral), ("contact", &other)] {
        assert_eq!(app.post_json(kind, body).await.status(), 201);
    }

    let export = app.command(&["export", &person]);
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let doc: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(doc["count"], 2, "as sender and as referrer, in any letter case");
    let kinds: Vec<&str> =
        doc["records"].as_array().unwrap().iter().map(|r| r["submission"]["details"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["contact", "referral"]);

    let erase = app.command(&["erase", &person]);
    assert!(erase.status.success());
    assert!(String::from_utf8_lossy(&erase.stdout).contains("Erased 2 record(s)"));
    let again: Value = serde_json::from_slice(&app.command(&["export", &person]).stdout).unwrap();
    assert_eq!(again["count"], 0);
    let others: Value = serde_json::from_slice(&app.command(&["export", "ander@example.org"]).stdout).unwrap();
    assert_eq!(others["count"], 1, "nobody else's data is touched");
});

both_stores!(a_data_request_covers_a_record_that_no_longer_parses, |store| async move {
    let app = spawn(store).await;
    let person = format!("ouder-{}@example.org", uuid::Uuid::new_v4().simple());
    let mut ids = Vec::new();
    for message in ["Eerste vraag", "Tweede vraag"] {
        let body = json!({"name": "Ouder", "email": person, "message": message, "privacy_consent": "yes"});
        ids.push(id_of(app.post_json("contact", &body).await).await);
    }
    spoil(&app, store, &ids[0]).await;

    let export = app.command(&["export", &person]);
    let stderr = String::from_utf8_lossy(&export.stderr);
    assert!(!export.status.success(), "an incomplete export must not look complete");
    assert!(stderr.contains("export incomplete: 1 record(s)"), "{stderr}");
    let doc: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(doc["count"], 2, "{doc:#}");
    assert_eq!(doc["records"][0]["id"], ids[1].as_str(), "the readable record is exported");
    assert_eq!(doc["unreadable"][0]["id"], ids[0].as_str(), "the unreadable one is named by its id");

    let erase = app.command(&["erase", &person]);
    assert!(erase.status.success(), "{}", String::from_utf8_lossy(&erase.stderr));
    assert!(String::from_utf8_lossy(&erase.stdout).contains("Erased 2 record(s)"));
    let again = app.command(&["export", &person]);
    assert!(again.status.success());
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["count"], 0, "the unreadable record is erased too");
});

both_stores!(one_sweep_drains_a_backlog_bigger_than_a_batch, |store| async move {
    let dir = tempfile::TempDir::new().unwrap();
    let sink = MailSink { port: free_port(), dir: dir.path().to_path_buf() };
    let app = spawn_with_sink(store, Options::default().without_sweeper(), sink.clone()).await;

    // The mail server is down while 120 forms come in (more than two batches).
    const BACKLOG: usize = 120;
    for i in 0..BACKLOG {
        let body = json!({"name": format!("Ouder {i}"), "phone": "0612345678", "message": "Hallo", "privacy_consent": "yes"});
        assert_eq!(app.post_json("contact", &body).await.status(), 201);
    }
    let store = app.app.submissions();
    assert_eq!(store.pending_stats().await.unwrap().pending, BACKLOG as u64);

    let _server = OwnSink::start_on(sink.clone());
    // The first retry is due one sweep interval (1 s) after the failure.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let report = app.sweep().await.mail;
    assert_eq!(report.delivered, BACKLOG, "{report:?}");
    assert_eq!(report.pending.map(|p| p.pending), Some(0), "{report:?}");
    assert_eq!(sink.all().len(), BACKLOG, "one coordinator mail each (no email, so no confirmation)");
});

both_stores!(a_hanging_mail_server_does_not_keep_the_user_waiting, |store| async move {
    let (app, mut hanging, clock, _dir) = app_with_own_sink(store, &["--hang"]).await;

    let started = Instant::now();
    let response = app.post_json("contact", &contact("sanne@example.org")).await;
    let waited = started.elapsed();
    assert_eq!(response.status(), 201);
    // Without the send budget the user waited for the mail timeout (10 s and more).
    assert!(waited < Duration::from_secs(4), "the user waited {waited:?} for a hanging mail server");
    let browser = Instant::now();
    let page = app
        .post_form("contact", &[("name", "Ahmed"), ("phone", "0612345678"), ("message", "Hallo"), ("privacy_consent", "on")])
        .await;
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/bedankt/", "thanked, though the mail is not out yet");
    assert!(browser.elapsed() < Duration::from_secs(4), "{:?}", browser.elapsed());

    let id = id_of(response).await;
    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert!(record.is_pending(), "left pending for the sweeper");
    assert_eq!(record.delivery.attempts, 1, "a timeout is a temporary failure");

    // The server comes back; the sweeper sends once the backoff has passed.
    hanging.stop();
    let _server = OwnSink::start_on(app.smtp.clone());
    clock.advance(time::Duration::minutes(2));
    let report = app.sweep().await.mail;
    assert_eq!(report.delivered, 2, "{report:?}");
    let mails = app.smtp.wait_for(&id, 2).await;
    assert_eq!(mails.len(), 2, "coordinator and confirmation, once each");
});

both_stores!(a_permanent_refusal_goes_to_the_fallback_inbox_once_and_is_not_retried, |store| async move {
    let (app, _server, clock, _dir) = app_with_own_sink(store, &["--refuse", "spreekuur.ijmond@example.org"]).await;

    let response = app.post_json("contact", &contact("sanne@example.org")).await;
    assert_eq!(response.status(), 201);
    let id = id_of(response).await;

    let mails = app.smtp.wait_for(&id, 2).await;
    let dead_letter = mails.iter().find(|m| m.rcpt_tos == vec!["info@example.org"]).expect("a mail to the fallback inbox");
    assert_eq!(dead_letter.to().map(|(_, a)| a), Some("info@example.org".to_owned()));
    assert!(dead_letter.subject().starts_with("Niet afgeleverd: Contactformulier"), "{}", dead_letter.subject());
    let text = dead_letter.text();
    assert!(text.contains("geweigerd door spreekuur.ijmond@example.org"), "{text}");
    assert!(text.contains("550") && text.contains("User unknown"), "says why: {text}");
    assert!(text.contains("Ik heb een vraag."), "the submission itself: {text}");
    assert_eq!(dead_letter.reply_to().map(|(_, a)| a), Some("sanne@example.org".to_owned()));
    let confirmation = mails.iter().find(|m| m.rcpt_tos == vec!["sanne@example.org"]).expect("the sender's confirmation");
    assert!(confirmation.message_id().contains(".confirmation@"));

    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert!(!record.is_pending(), "dead-lettered, not waiting for a retry");
    assert_eq!(record.delivery.refused.len(), 1);
    assert_eq!(record.delivery.refused[0].address, "spreekuur.ijmond@example.org");

    // Hours later nothing is tried again.
    clock.advance(time::Duration::hours(3));
    let report = app.sweep().await.mail;
    assert_eq!(report.due, 0, "{report:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.about(&id).len(), 2, "the fallback mail and the confirmation, nothing more");
});

both_stores!(a_temporary_refusal_keeps_the_backoff, |store| async move {
    let (app, mut busy, clock, _dir) = app_with_own_sink(store, &["--busy", "spreekuur.ijmond@example.org"]).await;
    let id = id_of(app.post_json("contact", &contact("sanne@example.org")).await).await;

    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert!(record.is_pending() && record.delivery.refused.is_empty(), "{record:?}");
    assert_eq!(record.delivery.attempts, 1);
    // Not due before the backoff has passed, however often the sweep runs.
    assert_eq!(app.sweep().await.mail.due, 0);
    clock.advance(app.app.submissions().backoff(1) + time::Duration::seconds(1));
    let report = app.sweep().await.mail;
    assert_eq!((report.due, report.deferred), (1, 1), "{report:?}");
    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(record.delivery.attempts, 2, "and the pause doubles");
    assert!(app.smtp.about(&id).iter().all(|m| m.rcpt_tos != vec!["info@example.org"]), "nothing to the fallback inbox");

    busy.stop();
    let _server = OwnSink::start_on(app.smtp.clone());
    clock.advance(app.app.submissions().backoff(2) + time::Duration::seconds(1));
    assert_eq!(app.sweep().await.mail.delivered, 1);
    let coordinator = app.smtp.wait_for(&id, 1).await;
    assert!(coordinator.iter().any(|m| m.rcpt_tos == vec!["spreekuur.ijmond@example.org"]));
});

/// Makes a stored record unreadable, as a tightened rule would.
pub(crate) async fn spoil(app: &TestApp, store: Store, id: &str) {
    let broken = r#"{"kind":"contact","name":""}"#;
    match store {
        Store::Sqlite => {
            let path = std::path::Path::new(&app.env["DATA_DIR"]).join("forms.sqlite3");
            let conn = rusqlite::Connection::open(path).unwrap();
            let sql = format!("UPDATE {TABLE} SET {SUBMISSION} = ?2 WHERE {ID} = ?1");
            let changed = conn.execute(&sql, [id, broken]).unwrap();
            assert_eq!(changed, 1);
        }
        Store::Dynamo => {
            let client = aws_sdk_dynamodb::Client::new(&forms::aws::aws_config().await);
            client
                .update_item()
                .table_name(&app.env["FORMS_TABLE"])
                .key(ID, aws_sdk_dynamodb::types::AttributeValue::S(id.to_owned()))
                .update_expression(format!("SET {SUBMISSION} = :s"))
                .expression_attribute_values(":s", aws_sdk_dynamodb::types::AttributeValue::S(broken.to_owned()))
                .send()
                .await
                .unwrap();
        }
    }
}

both_stores!(one_unreadable_record_never_blocks_the_sweep, |store| async move {
    let (app, mut server, clock, _dir) = app_with_own_sink(store, &[]).await;
    server.stop(); // mail is down while three forms come in
    let mut ids = Vec::new();
    for i in 0..3 {
        let body = json!({"name": format!("Ouder {i}"), "phone": "0612345678", "message": "Hallo", "privacy_consent": "yes"});
        ids.push(id_of(app.post_json("contact", &body).await).await);
    }
    spoil(&app, store, &ids[0]).await;

    let _server = OwnSink::start_on(app.smtp.clone());
    clock.advance(time::Duration::minutes(2));
    let report = app.sweep().await.mail;
    assert_eq!((report.unreadable, report.delivered), (1, 2), "{report:?}");
    assert!(app.smtp.about(&ids[0]).is_empty());
    for id in &ids[1..] {
        assert_eq!(app.smtp.wait_for(id, 1).await.len(), 1, "the other mail still goes out");
    }
    // Set aside: the next sweeps do not stumble over it again and again.
    clock.advance(time::Duration::minutes(2));
    assert_eq!(app.sweep().await.mail.unreadable, 0);
});

#[tokio::test]
async fn a_failing_follow_up_never_hides_what_the_mail_step_did() {
    let (app, mut server, clock, _dir) = app_with_own_sink(Store::Sqlite, &[]).await;
    server.stop();
    let id = id_of(app.post_json("contact", &contact("sanne@example.org")).await).await;
    // From now on every write of the follow-up fails, as in a store outage;
    // the mail step's writes still work.
    let path = std::path::Path::new(&app.env["DATA_DIR"]).join("forms.sqlite3");
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(&format!(
            "CREATE TRIGGER follow_up_down BEFORE UPDATE OF {FOLLOW_UP_AT} ON {TABLE} \
             BEGIN SELECT RAISE(ABORT, 'follow-up down'); END;"
        ))
        .unwrap();

    let _server = OwnSink::start_on(app.smtp.clone());
    clock.advance(time::Duration::minutes(2));
    let report = app.app.submissions().sweep().await;
    assert_eq!((report.mail.delivered, report.mail.error.as_deref()), (1, None), "{report:?}");
    assert_eq!(report.mail.pending.map(|p| p.pending), Some(0), "the mail step's count still came in");
    assert!(report.follow_up.error.as_deref().is_some_and(|e| e.contains("follow-up down")), "{report:?}");
    assert_eq!(report.error(), report.follow_up.error.as_deref());
    assert_eq!(app.smtp.wait_for(&id, 2).await.len(), 2, "coordinator and confirmation went out");

    // `forms sweep` prints both reports and fails.
    let swept = app.command(&["sweep"]);
    assert!(!swept.status.success());
    assert!(String::from_utf8_lossy(&swept.stderr).contains("the sweep stopped early"));
    let printed: Value = serde_json::from_slice(&swept.stdout).unwrap();
    assert!(printed["mail"]["pending"]["pending"] == 0 && printed["mail"].get("error").is_none(), "{printed:#}");
    assert!(printed["follow_up"]["error"].as_str().is_some_and(|e| e.contains("follow-up down")), "{printed:#}");
}

both_stores!(a_sweep_claims_nothing_it_has_no_time_left_to_send, |store| async move {
    let (app, mut server, clock, _dir) = app_with_own_sink(store, &[]).await;
    server.stop();
    let id = id_of(app.post_json("contact", &contact("sanne@example.org")).await).await;
    let _server = OwnSink::start_on(app.smtp.clone());
    clock.advance(time::Duration::minutes(2));

    // A Lambda invocation with one second left (less than the margin it keeps).
    let report = app.app.submissions().sweep_within(Duration::from_secs(1)).await.mail;
    assert_eq!((report.due, report.left_for_later, report.delivered), (1, 1, 0), "{report:?}");
    let record = app.app.submissions().get(id.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(record.delivery.attempts, 1, "not claimed, not counted as an attempt");

    let report = app.app.submissions().sweep_within(Duration::from_secs(60)).await.mail;
    assert_eq!(report.delivered, 1, "{report:?}");
});
