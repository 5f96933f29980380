//! The one axum Router. Lambda and the local server both run it; nothing
//! here knows which one does.

mod forms;
mod respond;

use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::App;
use crate::domain::FormKind;

/// `/api/...` only; the local server adds the static site around it.
pub fn router(app: App) -> Router {
    let mut router = Router::new()
        .route(
            "/api/forms/{kind}",
            post(forms::submit)
                .options(forms::preflight)
                .layer(middleware::from_fn_with_state(app.clone(), forms::cors_for_configured_origins)),
        )
        .route("/api/health", get(|| async { "ok" }))
        .route("/api/pickup/{id}", get(crate::pickup::routes::show).post(crate::pickup::routes::pick_up))
        // Anything else under /api/ is 404, also where the local server
        // puts the static site behind (its file server would say 405).
        .route("/api/{*rest}", any(respond::not_found))
        .fallback(respond::not_found)
        .with_state(app);
    for (name, value) in crate::security::headers() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    router.layer(middleware::from_fn(log_request))
}

/// One line per request: what and how it went, never who or what they wrote.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if path.starts_with("/api/") {
        // Only a known form name reaches the log, never whatever was in the path.
        let form = path
            .strip_prefix("/api/forms/")
            .map(|segment| FormKind::from_segment(segment).map_or("unknown", FormKind::as_str))
            .unwrap_or("-");
        tracing::info!(%method, form, status, duration_ms = format_args!("{ms:.1}"), "request");
    } else {
        tracing::debug!(%method, status, duration_ms = format_args!("{ms:.1}"), "static");
    }
    response
}
