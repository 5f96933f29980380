//! The same binary as AWS Lambda runs it: against a local stand-in for the
//! Lambda Runtime API, it answers an API Gateway HTTP event with the
//! Router and a scheduler event with a sweep.

use std::time::Duration;

use bench::event::api_gateway_event;
use bench::runtime_api::{Answer, RuntimeApi};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

/// The function's answer to one event; an error it reported fails the test.
async fn answer_to(answer: Answer, what: &str) -> (std::time::Instant, Value) {
    let (at, result) = tokio::time::timeout(Duration::from_secs(20), answer)
        .await
        .unwrap_or_else(|_| panic!("the Lambda did not answer the {what} within 20 s"))
        .expect("the runtime stand-in kept the answer");
    (at, result.unwrap_or_else(|e| panic!("{what}: {e}")))
}

/// The forms binary as Lambda starts it: the Runtime API stand-in, the
/// function's variables, and the origin secret CloudFront would send.
fn as_lambda(env: &std::collections::HashMap<String, String>, api: &RuntimeApi) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_forms"));
    command
        .envs(env)
        .env("ORIGIN_SECRET", bench::event::ORIGIN_SECRET)
        .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "forms")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1");
    command
}

both_stores!(the_lambda_answers_http_events_and_sweeps_on_schedule, |store| async move {
    let app = spawn(store).await; // for its configuration, store and mail sink
    let api = RuntimeApi::start().await.unwrap();
    let body = json!({"name": "Lambda Ouder", "email": "lambda@example.org", "message": "Via Lambda", "privacy_consent": "yes"});
    // Straight to API Gateway, around CloudFront: no origin secret.
    let mut around = api_gateway_event("POST", "/api/forms/contact", &body.to_string());
    around["headers"].as_object_mut().unwrap().remove("x-origin-verify");
    let around_answer = api.queue("req-0", around);
    let http_answer = api.queue("req-1", api_gateway_event("POST", "/api/forms/contact", &body.to_string()));
    let sweep_answer = api.queue("req-2", json!({"forms_task": "sweep"}));

    let mut lambda = as_lambda(&app.env, &api).env("RUST_LOG", "warn").spawn().expect("start forms as a Lambda");
    let (_, around) = answer_to(around_answer, "event without the origin secret").await;
    let (http_at, http) = answer_to(http_answer, "HTTP event").await;
    let (sweep_at, sweep) = answer_to(sweep_answer, "sweep event").await;
    lambda.kill().ok();
    lambda.wait().ok();

    assert!(http_at <= sweep_at, "the events are answered in the order they came");
    assert_eq!(around["statusCode"], 403, "a request that did not come through CloudFront is refused: {around}");
    assert!(around["body"].as_str().unwrap().contains("not_through_cloudfront"), "{around}");
    assert_eq!(http["statusCode"], 201, "{http}");
    let answer: Value = serde_json::from_str(http["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["status"], "received");
    let record = answer["id"].as_str().unwrap().to_owned();

    assert!(sweep["mail"]["pending"]["pending"].is_u64(), "a sweep report: {sweep}");
    assert!(sweep["follow_up"]["due"].is_u64(), "with the follow-up's own: {sweep}");

    let mails = app.smtp.wait_for(&record, 2).await;
    assert_eq!(mails.len(), 2, "coordinator and confirmation");
});

both_stores!(a_lambda_sweep_claims_nothing_it_cannot_send_before_its_deadline, |store| async move {
    // Mail is down (nobody listens on the port) while a form comes in.
    let dir = tempfile::TempDir::new().unwrap();
    let sink = MailSink { port: free_port(), dir: dir.path().to_path_buf() };
    let app = spawn_with_sink(store, Options::default().without_sweeper(), sink.clone()).await;
    let body = json!({"name": "Lambda Ouder", "phone": "0612345678", "message": "Via Lambda", "privacy_consent": "yes"});
    let response = app.post_json("contact", &body).await;
    assert_eq!(response.status(), 201);
    let record = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let _server = crate::delivery::OwnSink::start_on(sink.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await; // the first retry pause (1 s) has passed

    let api = RuntimeApi::start().await.unwrap();
    let now = std::time::SystemTime::now();
    // Two seconds left: less than the margin a sweep keeps for its report.
    let short = api.queue_with_deadline("sweep-1", json!({"forms_task": "sweep"}), now + Duration::from_secs(2));
    let long = api.queue_with_deadline("sweep-2", json!({"forms_task": "sweep"}), now + Duration::from_secs(60));
    let mut lambda = as_lambda(&app.env, &api)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start forms as a Lambda");
    let (_, short) = answer_to(short, "short sweep").await;
    let (_, long) = answer_to(long, "long sweep").await;
    lambda.kill().ok();
    lambda.wait().ok();

    let short = &short["mail"];
    assert_eq!(
        (short["due"].as_u64(), short["left_for_later"].as_u64(), short["delivered"].as_u64()),
        (Some(1), Some(1), Some(0)),
        "{short}"
    );
    assert_eq!(long["mail"]["delivered"], 1, "{long}");
    assert_eq!(sink.wait_for(&record, 1).await.len(), 1);
});

both_stores!(a_permanent_refusal_on_lambda_is_counted_for_the_alarm, |store| async move {
    let dir = tempfile::TempDir::new().unwrap();
    let sink = MailSink { port: free_port(), dir: dir.path().to_path_buf() };
    let _server = crate::delivery::OwnSink::start_with(sink.clone(), &["--refuse", "spreekuur.ijmond@example.org"]);
    let app = spawn_with_sink(store, Options::default().without_sweeper(), sink.clone()).await;
    let api = RuntimeApi::start().await.unwrap();
    let body = json!({"name": "Lambda Ouder", "phone": "0612345678", "municipality": "heemskerk", "message": "Via Lambda", "privacy_consent": "yes"});
    let answer = api.queue("req-1", api_gateway_event("POST", "/api/forms/contact", &body.to_string()));
    let lambda = as_lambda(&app.env, &api)
        .env("RUST_LOG", "off")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start forms as a Lambda");
    let (_, http) = answer_to(answer, "HTTP event").await;
    assert_eq!(http["statusCode"], 201, "{http}");
    stop(&lambda);
    let output = lambda.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let counted = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .any(|m| m["DeadLetteredMail"] == 1 && m["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Forms");
    assert!(counted, "a Forms/DeadLetteredMail metric line: {stdout}");
    assert!(sink.all().iter().any(|m| m.rcpt_tos == vec!["info@example.org"]), "the fallback inbox got it");
});

/// SIGTERM through `kill`, so the child's stdout can still be read.
fn stop(child: &std::process::Child) {
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
}
