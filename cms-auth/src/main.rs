//! `cms-auth`: on Lambda when AWS_LAMBDA_RUNTIME_API is set, otherwise a
//! local server on 127.0.0.1:$PORT (tests). Same Router for both.
//! `cms-auth contract` prints what it expects of the template, as JSON.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use cms_auth::config::Settings;
use cms_auth::credentials::CredentialSource;
use cms_auth::github::GitHub;
use cms_auth::routes::{Service, router};

fn main() -> ExitCode {
    if std::env::args().skip(1).eq(["contract"]) {
        // What the template must give this binary (infra/checks/contracts.py).
        println!("{:#}", cms_auth::contract::contract());
        return ExitCode::SUCCESS;
    }
    let on_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    init_logs(on_lambda);
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    // One thread is plenty for a sign-in now and then, and starts faster.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings, on_lambda)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings, on_lambda: bool) -> Result<(), String> {
    let github = GitHub::new(settings.github_url.clone()).map_err(|e| format!("no trusted certificates: {e}"))?;
    let port = settings.port;
    let credentials = CredentialSource::new(settings.secret_id.clone());
    let app = router(Arc::new(Service { settings, credentials, github }));
    if on_lambda {
        return lambda_http::run(app).await.map_err(|e| e.to_string());
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    eprintln!("cms-auth on http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// JSON without timestamps on Lambda (CloudWatch adds them), lines locally;
/// `RUST_LOG` sets the level. Never logs a code, a state or a token.
fn init_logs(on_lambda: bool) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter: Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let builder = tracing_subscriber::fmt().with_target(false);
    let _ = if on_lambda {
        builder.json().without_time().with_current_span(false).with_span_list(false).finish().with(filter).try_init()
    } else {
        builder.with_writer(std::io::stderr).with_ansi(false).finish().with(filter).try_init()
    };
}
