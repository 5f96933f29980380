//! `cms-auth`            serve /api/cms/* (on Lambda when run there)
//! `cms-auth contract`   what the template must provide, as JSON
//! `cms-auth editors add ADDRESS [NAME] | remove ADDRESS | list`
//!                       the editors' list (CMS_STORE / CMS_TABLE pick it)
//! `cms-auth create-table`  the DynamoDB table, for a laptop or moto

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use cms_auth::app::{App, open_store, run_lambda, serve_local};
use cms_auth::config::{Settings, StoreConfig};
use cms_auth::signin::Address;
use cms_auth::store::Editor;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("contract") {
        println!("{:#}", cms_auth::contract::contract());
        return ExitCode::SUCCESS;
    }
    let on_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    init_logs(on_lambda);
    let command = args.first().map(String::as_str).unwrap_or("serve");
    let config_error = |e: cms_auth::config::ConfigError| {
        eprintln!("Configuration error: {e}");
        ExitCode::from(2)
    };
    // One thread is plenty for a few editors, and starts faster.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command {
        "serve" => match Settings::from_env() {
            Ok(settings) => runtime.block_on(serve(settings, on_lambda)),
            Err(e) => return config_error(e),
        },
        "editors" | "create-table" => match StoreConfig::from_env() {
            Ok(store) if command == "editors" => runtime.block_on(editors(store, &args[1..])),
            Ok(store) => runtime.block_on(create_table(store)),
            Err(e) => return config_error(e),
        },
        other => Err(format!("unknown command `{other}`: use serve, contract, editors or create-table")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings, on_lambda: bool) -> Result<(), String> {
    let port = settings.port;
    let app = Arc::new(App::build(settings, Arc::new(forms::clock::SystemClock)).await.map_err(|e| e.to_string())?);
    if on_lambda {
        return run_lambda(app).await.map_err(|e| e.to_string());
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    eprintln!("cms-auth on http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    serve_local(listener, app).await.map_err(|e| e.to_string())
}

const EDITORS_USAGE: &str = "usage: cms-auth editors add ADDRESS [NAME] | remove ADDRESS | list";

/// The operator's way to change the list; no redeploy, it counts at the
/// editor's next request.
async fn editors(store: StoreConfig, args: &[String]) -> Result<(), String> {
    let store = open_store(&store, None).await.map_err(|e| e.to_string())?;
    let address = |raw: Option<&String>| {
        let raw = raw.ok_or(EDITORS_USAGE)?;
        Address::parse(raw).ok_or_else(|| format!("`{raw}` is not an e-mail address"))
    };
    match args.first().map(String::as_str) {
        Some("add") => {
            let email = address(args.get(1))?;
            let name = match args[2..].join(" ").trim() {
                "" => email.as_str().split('@').next().unwrap_or_default().to_owned(),
                given => given.to_owned(),
            };
            store
                .put_editor(&Editor { email: email.as_str().to_owned(), name: name.clone() })
                .await
                .map_err(|e| e.to_string())?;
            println!("added: {name} <{}>", email.as_str());
        }
        Some("remove") => {
            let email = address(args.get(1))?;
            let was = store.remove_editor(email.as_str()).await.map_err(|e| e.to_string())?;
            println!("{}: {}", if was { "removed" } else { "was not on the list" }, email.as_str());
        }
        Some("list") => {
            for editor in store.editors().await.map_err(|e| e.to_string())? {
                println!("{} <{}>", editor.name, editor.email);
            }
        }
        _ => return Err(EDITORS_USAGE.into()),
    }
    Ok(())
}

async fn create_table(store: StoreConfig) -> Result<(), String> {
    let StoreConfig::Dynamo { table } = &store else {
        return Err("create-table is for CMS_STORE=dynamodb (SQLite makes its table by itself)".into());
    };
    let aws = forms::aws::aws_config().await;
    cms_auth::store::DynamoStore::new(forms::aws::dynamodb(&aws), table.clone())
        .create_table()
        .await
        .map_err(|e| e.to_string())?;
    println!("table {table} is there");
    Ok(())
}

/// JSON without timestamps on Lambda (CloudWatch adds them), lines locally;
/// `RUST_LOG` sets the level. Never logs a link, a cookie, a token or an address.
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
