//! Never lost: mail that cannot be sent now is sent later, once; data
//! requests find and erase everything stored for an address.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

/// An SMTP sink of this test's own, to stop and start at will.
struct OwnSink {
    child: Option<Child>,
}

impl OwnSink {
    fn start_on(sink: MailSink) -> Self {
        let python =
            std::env::var("FORMS_TEST_PYTHON").expect("FORMS_TEST_PYTHON: run through make test");
        let script = std::env::var("FORMS_TEST_SMTP_SINK")
            .expect("FORMS_TEST_SMTP_SINK: run through make test");
        let child = Command::new(python)
            .args([
                &script,
                "--port",
                &sink.port.to_string(),
                "--dir",
                &sink.dir.display().to_string(),
            ])
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

both_stores!(
    mail_that_fails_is_sent_once_when_smtp_is_back,
    |store| async move {
        let dir = tempfile::TempDir::new().unwrap();
        let sink = MailSink {
            port: free_port(),
            dir: dir.path().to_path_buf(),
        };
        let mut server = OwnSink::start_on(sink.clone());
        let app = spawn_with_sink(store, Options::default(), sink.clone()).await;

        server.stop();
        let mut ids = Vec::new();
        for i in 0..3 {
            let body = json!({"name": format!("Ouder {i}"), "email": format!("ouder{i}@example.org"), "message": "Hallo", "privacy_consent": "yes"});
            let response = app.post_json("contact", &body).await;
            assert_eq!(
                response.status(),
                201,
                "the user hears nothing of the outage"
            );
            ids.push(
                response.json::<Value>().await.unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        for id in &ids {
            let record = app
                .app
                .dispatcher
                .store()
                .get(id.parse().unwrap())
                .await
                .unwrap()
                .unwrap();
            assert!(record.is_pending(), "stored, mail still to send");
            assert!(record.delivery.attempts >= 1);
        }

        let _server = OwnSink::start_on(sink.clone());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stats = app
                .app
                .dispatcher
                .store()
                .pending_stats(time::OffsetDateTime::now_utc())
                .await
                .unwrap();
            if stats.pending == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the sweeper did not deliver within 30 s: {stats:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // A few more sweeps must not send anything again.
        tokio::time::sleep(Duration::from_secs(3)).await;
        for id in &ids {
            let mails = sink.about(id);
            let coordinator = mails
                .iter()
                .filter(|m| m.message_id().contains(".coordinator@"))
                .count();
            let confirmation = mails
                .iter()
                .filter(|m| m.message_id().contains(".confirmation@"))
                .count();
            assert_eq!(
                (coordinator, confirmation),
                (1, 1),
                "record {id}: each mail exactly once"
            );
        }
    }
);

both_stores!(
    a_data_request_finds_and_erases_everything_for_an_address,
    |store| async move {
        let app = spawn(store).await;
        let person = format!("ouder-{}@example.org", uuid::Uuid::new_v4().simple());
        let contact =
            json!({"name": "Ouder", "email": person, "message": "Vraag", "privacy_consent": "yes"});
        let referral = json!({
            "name": "Familie", "phone": "0612345678", "municipality": "heemskerk", "programme": "home-start",
            "message": "Reden", "referrer_name": "Verwijzer", "referrer_organisation": "Wijkteam",
            "referrer_email": person.to_uppercase(), "parent_consent": "yes", "privacy_consent": "yes",
        });
        let other = json!({"name": "Ander", "email": "ander@example.org", "message": "Vraag", "privacy_consent": "yes"});
        for (kind, body) in [
            ("contact", &contact),
            ("referral", &referral),
            ("contact", &other),
        ] {
            assert_eq!(app.post_json(kind, body).await.status(), 201);
        }

        let export = app.command(&["export", &person]);
        assert!(
            export.status.success(),
            "{}",
            String::from_utf8_lossy(&export.stderr)
        );
        let doc: Value = serde_json::from_slice(&export.stdout).unwrap();
        assert_eq!(
            doc["count"], 2,
            "as sender and as referrer, in any letter case"
        );
        let kinds: Vec<&str> = doc["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["submission"]["details"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, vec!["contact", "referral"]);

        let erase = app.command(&["erase", &person]);
        assert!(erase.status.success());
        assert!(String::from_utf8_lossy(&erase.stdout).contains("Erased 2 record(s)"));
        let again: Value =
            serde_json::from_slice(&app.command(&["export", &person]).stdout).unwrap();
        assert_eq!(again["count"], 0);
        let others: Value =
            serde_json::from_slice(&app.command(&["export", "ander@example.org"]).stdout).unwrap();
        assert_eq!(others["count"], 1, "nobody else's data is touched");
    }
);

both_stores!(
    one_sweep_drains_a_backlog_bigger_than_a_batch,
    |store| async move {
        let dir = tempfile::TempDir::new().unwrap();
        let sink = MailSink {
            port: free_port(),
            dir: dir.path().to_path_buf(),
        };
        let app = spawn_with_sink(store, Options::default().without_sweeper(), sink.clone()).await;

        // The mail server is down while 120 forms come in (more than two batches).
        const BACKLOG: usize = 120;
        for i in 0..BACKLOG {
            let body = json!({"name": format!("Ouder {i}"), "phone": "0612345678", "message": "Hallo", "privacy_consent": "yes"});
            assert_eq!(app.post_json("contact", &body).await.status(), 201);
        }
        let store = app.app.dispatcher.store();
        assert_eq!(
            store
                .pending_stats(time::OffsetDateTime::now_utc())
                .await
                .unwrap()
                .pending,
            BACKLOG as u64
        );

        let _server = OwnSink::start_on(sink.clone());
        // The first retry is due one sweep interval (1 s) after the failure.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let report = app.app.dispatcher.sweep().await.unwrap();
        assert_eq!(report.delivered, BACKLOG, "{report:?}");
        assert_eq!(report.pending.pending, 0, "{report:?}");
        assert_eq!(
            sink.all().len(),
            BACKLOG,
            "one coordinator mail each (no email, so no confirmation)"
        );
    }
);
