//! AWS Lambda: HTTP events go to the Router; the scheduler's
//! `{"forms_task": "sweep"}` runs one sweep of pending mail.

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use lambda_http::request::LambdaRequest;
use lambda_http::{LambdaEvent, RequestExt, Service, service_fn};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::app::App;
use crate::metrics;
use crate::ratelimit::ClientIp;

#[derive(Deserialize)]
struct Task {
    forms_task: Option<String>,
}

pub async fn run(app: App) -> Result<(), lambda_http::Error> {
    metrics::enable();
    let router = crate::routes::router(app.clone()).layer(middleware::from_fn(lambda_client));
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
        if task != "sweep" {
            return Err(format!("unknown forms_task `{task}`").into());
        }
        let report = app.submissions().sweep_within(remaining(&event.context)).await?;
        metrics::pending(&report.pending);
        metrics::count(crate::pickup::follow_up::PAST_ESCALATION, report.follow_up.past_escalation);
        tracing::info!(?report, "sweep");
        return Ok(serde_json::to_value(report)?);
    }
    let request: LambdaRequest = serde_json::from_str(event.payload.get())?;
    let mut adapter = lambda_http::Adapter::from(router);
    let response = adapter.call(LambdaEvent::new(request, event.context)).await?;
    Ok(serde_json::to_value(response)?)
}

/// Time this invocation has left before Lambda stops it.
fn remaining(context: &lambda_runtime::Context) -> std::time::Duration {
    context.deadline().duration_since(std::time::SystemTime::now()).unwrap_or_default()
}

/// Behind CloudFront, the viewer's address is in `CloudFront-Viewer-Address`
/// (`ip:port`, set by CloudFront, not by the client); otherwise the source
/// address API Gateway saw.
async fn lambda_client(mut request: Request, next: Next) -> Response {
    let viewer = request
        .headers()
        .get("cloudfront-viewer-address")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit_once(':').map(|(ip, _)| ip.trim_matches(['[', ']']).to_owned()))
        .and_then(|ip| ip.parse().ok());
    let source = || match request.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => c.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()),
        Some(lambda_http::request::RequestContext::ApiGatewayV1(c)) => {
            c.identity.source_ip.as_deref().and_then(|ip| ip.parse().ok())
        }
        _ => None,
    };
    if let Some(ip) = viewer.or_else(source) {
        request.extensions_mut().insert(ClientIp(ip));
    }
    next.run(request).await
}
