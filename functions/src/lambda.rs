//! AWS Lambda: HTTP events go to the Router; the scheduler's
//! `{"forms_task": "sweep"}` runs one sweep of pending mail; an SNS event
//! (`Records[].Sns`) carries SES's bounce and complaint reports.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use lambda_http::request::LambdaRequest;
use lambda_http::{LambdaEvent, Service, service_fn};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::app::App;
use crate::metrics;
use crate::ratelimit::ClientIp;

#[derive(Deserialize)]
struct Task {
    forms_task: Option<String>,
}

/// The header CloudFront adds to every request to the API origin
/// (infra/template.yaml, `OriginCustomHeaders`).
pub const ORIGIN_VERIFY_HEADER: &str = "x-origin-verify";
/// The variable holding the value of that header.
pub const ORIGIN_SECRET_VARIABLE: &str = "ORIGIN_SECRET";
/// `{"forms_task": SWEEP_TASK}` from the scheduler runs one sweep.
pub const SWEEP_TASK: &str = "sweep";
/// `EventSource` of a record SNS delivers to a function.
pub const SNS_EVENT_SOURCE: &str = "aws:sns";
/// Where CloudFront puts the viewer's `ip:port`.
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

pub async fn run(app: App) -> Result<(), lambda_http::Error> {
    let Some(secret) = app.settings().origin_secret.as_ref().map(|s| s.expose().to_owned()) else {
        return Err("ORIGIN_SECRET: is required on AWS Lambda (the value CloudFront sends in X-Origin-Verify; \
                    infra/template.yaml sets both)"
            .into());
    };
    metrics::enable();
    let secret: Arc<str> = secret.into();
    let router = crate::routes::router(app.clone())
        .layer(middleware::from_fn(move |request, next| through_cloudfront(secret.clone(), request, next)));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let (app, router) = (app.clone(), router.clone());
        async move { handle(app, router, event).await }
    }))
    .await
}

async fn handle(
    app: App,
    router: axum::Router,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<serde_json::Value, lambda_http::Error> {
    let task: Task = serde_json::from_str(event.payload.get()).unwrap_or(Task { forms_task: None });
    if let Some(task) = task.forms_task {
        if task != SWEEP_TASK {
            return Err(format!("unknown forms_task `{task}`").into());
        }
        // Each step writes its own metrics; a step that stopped early fails
        // the invocation (FunctionErrorsAlarm), after both have reported.
        let report = app.submissions().sweep_within(remaining(&event.context)).await;
        tracing::info!(?report, "sweep");
        if let Some(error) = report.error() {
            return Err(format!("the sweep stopped early: {error}").into());
        }
        return Ok(serde_json::to_value(report)?);
    }
    if is_sns_event(event.payload.get()) {
        return take_feedback(&app, event.payload.get()).await;
    }
    let request: LambdaRequest = serde_json::from_str(event.payload.get())?;
    let mut adapter = lambda_http::Adapter::from(router);
    let response = adapter.call(LambdaEvent::new(request, event.context)).await?;
    Ok(serde_json::to_value(response)?)
}

#[derive(Deserialize)]
struct Records {
    #[serde(rename = "Records")]
    records: Vec<EventSource>,
}

#[derive(Deserialize)]
struct EventSource {
    #[serde(rename = "EventSource")]
    source: Option<String>,
}

/// `{"Records": [{"EventSource": "aws:sns", …}]}`: what SNS delivers.
fn is_sns_event(payload: &str) -> bool {
    serde_json::from_str::<Records>(payload)
        .is_ok_and(|r| r.records.iter().any(|record| record.source.as_deref() == Some(SNS_EVENT_SOURCE)))
}

/// SES's reports from the configuration set's SNS topic. A store that
/// fails fails the invocation: Lambda tries it again, and a report
/// recorded before changes nothing the second time.
async fn take_feedback(app: &App, payload: &str) -> Result<serde_json::Value, lambda_http::Error> {
    let notices = crate::feedback::event::parse(payload).map_err(|e| {
        tracing::error!(error = %e, "SNS event without a readable SES report");
        e.to_string()
    })?;
    let mut taken = Vec::new();
    for notice in &notices {
        taken.push(app.submissions().take_feedback(notice).await.map_err(|e| e.to_string())?);
    }
    Ok(serde_json::to_value(taken)?)
}

/// Time this invocation has left before Lambda stops it.
fn remaining(context: &lambda_runtime::Context) -> std::time::Duration {
    context.deadline().duration_since(std::time::SystemTime::now()).unwrap_or_default()
}

/// Only requests that came through CloudFront are served: they carry the
/// origin secret. Then, and only then, `CloudFront-Viewer-Address` (`ip:port`,
/// set by CloudFront, not by the client) is the client for the rate limit.
async fn through_cloudfront(secret: Arc<str>, mut request: Request, next: Next) -> Response {
    let sent = request.headers().get(ORIGIN_VERIFY_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !same_secret(sent, secret.as_bytes()) {
        tracing::warn!("request without the origin secret refused (not through CloudFront)");
        let body = serde_json::json!({
            "error": "not_through_cloudfront",
            "message": "Send the form from the website.",
        });
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    let viewer = request
        .headers()
        .get(VIEWER_ADDRESS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit_once(':').map(|(ip, _)| ip.trim_matches(['[', ']']).to_owned()))
        .and_then(|ip| ip.parse().ok());
    if let Some(ip) = viewer {
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}

/// Compares in time that does not depend on where the first difference is,
/// so the secret cannot be guessed byte by byte from response times.
fn same_secret(sent: &[u8], secret: &[u8]) -> bool {
    sent.len() == secret.len() && sent.iter().zip(secret).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn only_the_exact_secret_matches() {
        assert!(same_secret(b"5f0c-secret", b"5f0c-secret"));
        assert!(!same_secret(b"5f0c-secreT", b"5f0c-secret"));
        assert!(!same_secret(b"5f0c-secre", b"5f0c-secret"));
        assert!(!same_secret(b"", b"5f0c-secret"));
    }
}
