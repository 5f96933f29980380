//! The local server: the built site at `/`, the API at `/api/`, and the
//! sweeper in the background. Same Router as on Lambda.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::App;
use crate::ratelimit::ClientIp;

/// The router plus the static site, as the local server runs it.
pub fn router(app: App) -> Router {
    let site = &app.settings().site_dir;
    let static_site = ServeDir::new(site).not_found_service(ServeFile::new(site.join("404.html")));
    let mut static_router = Router::new().fallback_service(static_site).layer(middleware::from_fn(editor_policy));
    for (name, value) in crate::security::headers() {
        static_router = static_router.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    crate::routes::router(app).fallback_service(static_router).layer(middleware::from_fn(socket_client))
}

/// The web editor's own policy (see security.rs); the layers outside add
/// the other headers and leave this one alone.
async fn editor_policy(request: Request, next: Next) -> Response {
    let editor = crate::security::is_editor_path(request.uri().path());
    let mut response = next.run(request).await;
    if editor {
        response.headers_mut().insert(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(crate::security::EDITOR_CONTENT_SECURITY_POLICY),
        );
    }
    response
}

/// Locally the client is the socket's peer; no proxy headers are trusted.
async fn socket_client(mut request: Request, next: Next) -> Response {
    if let Some(ConnectInfo(addr)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        request.extensions_mut().insert(ClientIp(addr.ip()));
    }
    next.run(request).await
}

pub async fn serve(app: App) -> std::io::Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], app.settings().port));
    let listener = TcpListener::bind(addr).await?;
    let stop = CancellationToken::new();
    let sweeper = tokio::spawn(sweep_forever(app.clone(), stop.clone()));
    announce(&app, listener.local_addr()?);

    let service = router(app).into_make_service_with_connect_info::<SocketAddr>();
    let shutdown = stop.clone();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            shutdown.cancel();
        })
        .await?;
    stop.cancel();
    let _ = sweeper.await;
    eprintln!("Stopped. Nothing is lost: unsent mail stays pending for the next start.");
    Ok(())
}

fn announce(app: &App, addr: SocketAddr) {
    use crate::config::{MailerConfig, StoreConfig};
    let store = match &app.settings().store {
        StoreConfig::Sqlite { path } => format!("SQLite {}", path.display()),
        StoreConfig::Dynamo { table } => format!("DynamoDB table {table}"),
    };
    let mail = match &app.settings().mailer {
        MailerConfig::File { outbox } => format!("written to {}/", outbox.display()),
        MailerConfig::Smtp { url } => format!("sent over SMTP ({})", url.server()),
        MailerConfig::Ses => "sent through the SES API".to_owned(),
    };
    eprintln!();
    eprintln!("  Site and forms:  http://{addr}/");
    eprintln!("  Submissions:     {store}");
    eprintln!("  Mail:            {mail}");
    eprintln!("  Stop with Ctrl-C.");
    eprintln!();
}

/// Sends pending mail every `SWEEP_INTERVAL_SECONDS` until `stop`.
pub async fn sweep_forever(app: App, stop: CancellationToken) {
    let period = std::time::Duration::from_secs(app.settings().sweep_interval.whole_seconds().max(1) as u64);
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        let report = app.submissions().sweep().await;
        if let Some(error) = report.error() {
            tracing::error!(%error, ?report, "sweep stopped early; will try again");
        } else if report.mail.due > 0 || report.follow_up.due > 0 {
            tracing::info!(?report, "sweep");
        }
        if let Some(limiter) = app.limiter() {
            limiter.forget_quiet_clients();
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    eprintln!("\nStopping: finishing requests in progress...");
}
