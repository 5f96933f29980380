//! The same binary as AWS Lambda runs it: against a local stand-in for the
//! Lambda Runtime API, it answers an API Gateway HTTP event with the
//! Router and a scheduler event with a sweep.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;

#[derive(Default)]
struct RuntimeApi {
    events: VecDeque<(String, Value)>,
    responses: Vec<(String, Value)>,
    errors: Vec<(String, String)>,
}

type Shared = Arc<Mutex<RuntimeApi>>;

async fn next(State(api): State<Shared>) -> impl IntoResponse {
    loop {
        if let Some((id, event)) = api.lock().unwrap().events.pop_front() {
            let mut headers = HeaderMap::new();
            headers.insert("lambda-runtime-aws-request-id", id.parse().unwrap());
            headers.insert("lambda-runtime-deadline-ms", "9999999999999".parse().unwrap());
            headers.insert("lambda-runtime-invoked-function-arn", "arn:aws:lambda:eu-west-1:000000000000:function:forms".parse().unwrap());
            headers.insert("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000".parse().unwrap());
            return (headers, event.to_string());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn response(State(api): State<Shared>, Path(id): Path<String>, body: String) -> &'static str {
    api.lock().unwrap().responses.push((id, serde_json::from_str(&body).unwrap_or(Value::String(body))));
    "ok"
}

async fn error(State(api): State<Shared>, Path(id): Path<String>, body: String) -> &'static str {
    api.lock().unwrap().errors.push((id, body));
    "ok"
}

fn http_event(body: &Value) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "POST /api/forms/{kind}",
        "rawPath": "/api/forms/contact",
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "accept": "application/json",
            "host": "forms.example.org",
            "cloudfront-viewer-address": "198.51.100.7:51234"
        },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "api",
            "domainName": "forms.example.org",
            "domainPrefix": "forms",
            "http": {"method": "POST", "path": "/api/forms/contact", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": "req",
            "routeKey": "POST /api/forms/{kind}",
            "stage": "$default",
            "time": "24/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795003200000u64
        },
        "pathParameters": {"kind": "contact"},
        "body": body.to_string(),
        "isBase64Encoded": false
    })
}

both_stores!(the_lambda_answers_http_events_and_sweeps_on_schedule, |store| async move {
    let app = spawn(store).await; // for its configuration, store and mail sink
    let api: Shared = Arc::default();
    let body = json!({"name": "Lambda Ouder", "email": "lambda@example.org", "message": "Via Lambda", "privacy_consent": "yes"});
    api.lock().unwrap().events.extend([
        ("req-1".to_owned(), http_event(&body)),
        ("req-2".to_owned(), json!({"forms_task": "sweep"})),
    ]);
    let runtime = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .with_state(api.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let runtime_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, runtime).await.unwrap() });

    let mut lambda = std::process::Command::new(env!("CARGO_BIN_EXE_forms"))
        .envs(&app.env)
        .env("AWS_LAMBDA_RUNTIME_API", runtime_addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "forms")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("start forms as a Lambda");

    let deadline = Instant::now() + Duration::from_secs(20);
    let answered = || {
        let api = api.lock().unwrap();
        api.responses.len() + api.errors.len()
    };
    while answered() < 2 {
        assert!(Instant::now() < deadline, "the Lambda did not answer both events");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    lambda.kill().ok();
    lambda.wait().ok();

    let api = api.lock().unwrap();
    assert!(api.errors.is_empty(), "{:?}", api.errors);
    let (id, http) = &api.responses[0];
    assert_eq!(id, "req-1");
    assert_eq!(http["statusCode"], 201, "{http}");
    let answer: Value = serde_json::from_str(http["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["status"], "received");
    let record = answer["id"].as_str().unwrap().to_owned();

    let (id, sweep) = &api.responses[1];
    assert_eq!(id, "req-2");
    assert!(sweep["pending"]["pending"].is_u64(), "a sweep report: {sweep}");

    let mails = app.smtp.wait_for(&record, 2).await;
    assert_eq!(mails.len(), 2, "coordinator and confirmation");
});
