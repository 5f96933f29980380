//! The whole hostile suite against the real `forms` binary in its own
//! process: afterwards it still runs, answers, takes a form, stops cleanly
//! on SIGTERM, never panicked, and never logged what people typed.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::both_stores;
use crate::helpers::*;
use crate::hostile::*;

struct Server {
    child: Child,
    log: std::path::PathBuf,
}

impl Server {
    /// The binary on the same store, sink and data folder as `app`.
    fn start(app: &TestApp, log_dir: &std::path::Path) -> (Self, String) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = log_dir.join("server.log");
        let child = Command::new(env!("CARGO_BIN_EXE_forms"))
            .envs(&app.env)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start forms");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "forms did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
            std::thread::sleep(Duration::from_millis(50));
        }
        (Self { child, log }, format!("http://127.0.0.1:{port}"))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

both_stores!(the_server_process_survives_the_whole_hostile_suite, |store| async move {
    let mut app = spawn(store).await;
    let logs = tempfile::TempDir::new().unwrap();
    let (mut server, address) = Server::start(&app, logs.path());
    app.address = address;
    let app = &app;

    cr_lf_and_nul_in_any_field_never_add_a_header_on(app).await;
    html_in_every_text_field_is_text_in_the_html_mail_on(app).await;
    html_in_every_field_is_text_on_the_error_page_on(app).await;
    bodies_over_32_kib_are_refused_whatever_the_headers_say_on(app).await;
    a_cut_off_or_trickling_body_does_not_stop_the_server_answering_others_on(app).await;
    only_form_and_json_bodies_are_read_on(app).await;
    invalid_utf8_is_a_bad_field_in_a_form_and_a_bad_request_in_json_on(app).await;
    json_of_the_wrong_shape_is_refused_precisely_on(app).await;
    very_long_lines_are_kept_or_refused_but_never_break_a_mail_on(app).await;
    lookalike_and_international_addresses_get_the_documented_answer_on(app).await;
    a_filled_honeypot_never_stores_or_mails_whatever_else_is_sent_on(app).await;
    unknown_forms_are_404_and_other_methods_405_on(app).await;

    assert!(server.child.try_wait().unwrap().is_none(), "the process is still running");
    let response = app.post_json("referral", &valid("referral")).await;
    assert_eq!(response.status(), 201, "and still takes a form");

    // SIGTERM: finishes and exits cleanly.
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");

    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("\"request\"") || log.contains("request"), "one line per request is logged");
    for personal in ["Sanne de Boer", "sanne@example.org", "06 12345678", "Els Bakker", "els@example.org", "Ik wil graag weten", "xss", "attacker.example"] {
        assert!(!log.contains(personal), "the log holds {personal:?}");
    }
});
