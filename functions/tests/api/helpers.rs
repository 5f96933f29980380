//! Starts the real application on a random port, with a real store
//! (SQLite file, or DynamoDB through moto) and real SMTP (the sink started
//! by tests/support/with_services.py), like zero2prod's `spawn_app`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::Arc;

use forms::app::App;
use forms::aws::aws_config;
use forms::clock::TestClock;
use forms::config::Settings;
use forms::store::TableSpec;
use tempfile::TempDir;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Sqlite,
    Dynamo,
}

pub struct TestApp {
    pub address: String,
    pub app: App,
    pub http: reqwest::Client,
    pub smtp: MailSink,
    /// The configuration the app runs with, to run `forms` commands on it.
    pub env: HashMap<String, String>,
    _data: TempDir,
}

/// Settings a test may change before the app starts.
pub struct Options {
    pub env: HashMap<&'static str, String>,
    /// Run the background sweeper, as the local server does.
    pub sweeper: bool,
    /// The app's clock; the real one when `None`.
    pub clock: Option<Arc<TestClock>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            env: HashMap::from([("RATE_LIMIT_PER_MINUTE", "0".to_owned()), ("SWEEP_INTERVAL_SECONDS", "1".to_owned())]),
            sweeper: true,
            clock: None,
        }
    }
}

impl Options {
    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.env.insert(key, value.into());
        self
    }

    /// The app reads this clock, which only the test moves.
    pub fn with_clock(mut self, clock: Arc<TestClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The test runs sweeps itself.
    pub fn without_sweeper(mut self) -> Self {
        self.sweeper = false;
        self
    }
}

pub fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run these tests through `make test` (tests/support/with_services.py starts moto and the SMTP sink)")
    })
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The `forms` binary as its own process (the local server), on the same
/// store, sink and data folder as a `TestApp`; all it prints goes to a
/// log file (a pipe nobody reads would fill up and stall the server).
pub struct ServerProcess {
    pub child: std::process::Child,
    pub address: String,
    log: PathBuf,
}

impl ServerProcess {
    pub fn start(app: &TestApp, log_dir: &Path, rust_log: &str) -> Self {
        let port = free_port();
        let log = log_dir.join("server.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_forms"))
            .envs(&app.env)
            .env("PORT", port.to_string())
            .env("RUST_LOG", rust_log)
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("start forms");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "forms did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, address: format!("http://127.0.0.1:{port}"), log }
    }

    /// SIGTERM, as in real life: the server finishes and exits.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        self.child.wait().unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub async fn spawn(store: Store) -> TestApp {
    spawn_with(store, Options::default()).await
}

pub async fn spawn_with(store: Store, options: Options) -> TestApp {
    let smtp = MailSink::shared();
    spawn_with_sink(store, options, smtp).await
}

pub async fn spawn_with_sink(store: Store, options: Options, smtp: MailSink) -> TestApp {
    let data = TempDir::new().unwrap();
    let mut env: HashMap<&str, String> = HashMap::from([
        ("DATA_DIR", data.path().display().to_string()),
        ("SITE_DIR", repo_root().join("site/public").display().to_string()),
        ("FORMS_MAILER", "smtp".to_owned()),
        ("SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
    ]);
    if store == Store::Dynamo {
        let table = format!("forms-test-{}", uuid::Uuid::new_v4());
        required_env("AWS_ENDPOINT_URL_DYNAMODB");
        let client = aws_sdk_dynamodb::Client::new(&aws_config().await);
        TableSpec::create_if_missing(&client, &table).await.expect("create test table in moto");
        env.insert("FORMS_STORE", "dynamodb".to_owned());
        env.insert("FORMS_TABLE", table);
    }
    let run_sweeper = options.sweeper;
    env.extend(options.env.clone());
    let env: HashMap<String, String> = env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let settings = Settings::from_lookup(|k| env.get(k).cloned()).expect("test settings");
    let app = match options.clock {
        Some(clock) => App::build_with_clock(settings, clock).await,
        None => App::build(settings).await,
    }
    .expect("app starts");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let service = forms::local::router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    // The real background sweeper, as the local server runs it.
    if run_sweeper {
        tokio::spawn(forms::local::sweep_forever(app.clone(), tokio_util::sync::CancellationToken::new()));
    }

    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { address, app, http, smtp, env, _data: data }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A browser without JavaScript: url-encoded, accepts HTML.
    pub async fn post_form(&self, kind: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.http
            .post(self.url(&format!("/api/forms/{kind}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// One sweep, as the sweeper runs it; neither step may stop early.
    pub async fn sweep(&self) -> forms::sweep::SweepReport {
        let report = self.app.submissions().sweep().await;
        assert_eq!(report.error(), None, "{report:?}");
        report
    }

    /// Runs the `forms` binary (an admin command) on this app's configuration.
    pub fn command(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_forms"))
            .args(args)
            .envs(&self.env)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run forms")
    }

    /// A script: JSON in, JSON out.
    pub async fn post_json(&self, kind: &str, body: &serde_json::Value) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/api/forms/{kind}")))
            .header("accept", "application/json")
            .json(body)
            .send()
            .await
            .unwrap()
    }
}

/// A received mail, as the SMTP server got it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub rcpt_tos: Vec<String>,
    pub raw: Vec<u8>,
}

impl Mail {
    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a parseable mail")
    }

    /// Raw header lines, unfolded, as they came over the wire.
    pub fn raw_headers(&self) -> Vec<(String, String)> {
        let text = String::from_utf8_lossy(&self.raw);
        let head = &text[..text.find("\r\n\r\n").unwrap_or(text.len())];
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with(' ') || line.starts_with('\t') {
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        headers
    }

    pub fn header_count(&self, name: &str) -> usize {
        self.raw_headers().iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).count()
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_owned()
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    fn address(list: Option<&mail_parser::Address<'_>>) -> Option<(Option<String>, String)> {
        let addr = list?.first()?;
        Some((addr.name().map(str::to_owned), addr.address()?.to_owned()))
    }

    pub fn to(&self) -> Option<(Option<String>, String)> {
        Self::address(self.parsed().to())
    }

    pub fn reply_to(&self) -> Option<(Option<String>, String)> {
        Self::address(self.parsed().reply_to())
    }

    pub fn text(&self) -> String {
        self.parsed().body_text(0).unwrap_or_default().replace("\r\n", "\n")
    }

    pub fn html(&self) -> String {
        self.parsed().body_html(0).unwrap_or_default().into_owned()
    }
}

/// The SMTP sink's folder: every message a real SMTP server received.
#[derive(Clone)]
pub struct MailSink {
    pub port: u16,
    pub dir: PathBuf,
}

impl MailSink {
    pub fn shared() -> Self {
        Self {
            port: required_env("FORMS_TEST_SMTP_PORT").parse().unwrap(),
            dir: PathBuf::from(required_env("FORMS_TEST_SMTP_DIR")),
        }
    }

    pub fn all(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(&self.dir).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files.into_iter().filter_map(|p| read_mail(&p)).collect()
    }

    /// Mails about one record (by its Message-IDs), waiting until `n` arrived.
    pub async fn wait_for(&self, record: &str, n: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.about(record);
            if found.len() >= n || Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn about(&self, record: &str) -> Vec<Mail> {
        self.all().into_iter().filter(|m| m.message_id().contains(record)).collect()
    }
}

fn read_mail(path: &Path) -> Option<Mail> {
    let raw = std::fs::read(path).ok()?;
    let envelope: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path.with_extension("json")).ok()?).ok()?;
    let rcpt_tos = envelope["rcpt_tos"].as_array()?.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    Some(Mail { rcpt_tos, raw })
}

/// Declares one test per store: `both_stores!(name, |store| async move { ... });`
#[macro_export]
macro_rules! both_stores {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::helpers::Store::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn dynamodb() {
                ($body)($crate::helpers::Store::Dynamo).await
            }
        }
    };
}
