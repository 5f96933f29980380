//! The whole hostile suite against the real `forms` binary in its own
//! process: afterwards it still runs, answers, takes a form, stops cleanly
//! on SIGTERM, never panicked, and never logged what people typed.

use crate::both_stores;
use crate::helpers::*;
use crate::hostile::*;

both_stores!(the_server_process_survives_the_whole_hostile_suite, |store| async move {
    let mut app = spawn(store).await;
    let logs = tempfile::TempDir::new().unwrap();
    let mut server = ServerProcess::start(&app, logs.path(), "info");
    app.address = server.address.clone();
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
    let status = server.stop();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");

    let log = server.log();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("\"request\"") || log.contains("request"), "one line per request is logged");
    for personal in [
        "Sanne de Boer",
        "sanne@example.org",
        "06 12345678",
        "Els Bakker",
        "els@example.org",
        "Ik wil graag weten",
        "xss",
        "attacker.example",
    ] {
        assert!(!log.contains(personal), "the log holds {personal:?}");
    }
});
