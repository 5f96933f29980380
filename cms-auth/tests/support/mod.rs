//! The editor's server as it runs, with real parts around it: the
//! GitHub stand-in (tests/support/github_standin.py, a real git repository
//! behind it), SQLite, the file outbox, and a clock the test moves. Every
//! log line of the server is kept, so tests can prove what never shows.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use cms_auth::app::{App, serve_local};
use cms_auth::config::Settings;
use cms_auth::store::Editor;
use forms::clock::TestClock;
use serde_json::Value;

pub const REPOSITORY: &str = "test-org/site";
pub const ANS: &str = "ans@example.org";
pub const WEBHOOK_SECRET: &str = "webhook-secret-for-tests";
const APP_ID: &str = "31337";

pub const DIRECTORY: &str = "# The site's data. Comments stay.\n[spreekuur]\nlater_dates_to_be_confirmed = true\n\n# The first date.\n[[spreekuur.dates]]\ndate = \"2024-05-08\"\nstart = \"15:00\"\n";
pub const CONTACT: &str = "+++\ntitle = \"Contact\"\ndescription = \"Zo bereik je ons, met een zin die lang genoeg is.\"\n+++\nBel ons.\n\n* Maandag\n* Dinsdag\n";
pub const CONTACT_EN: &str = "+++\ntitle = \"Contact\"\ndescription = \"How to reach us, in a sentence that is long enough.\"\n[extra]\nsource_hash = \"abc\"\n+++\nCall us.\n\n* Monday\n* Tuesday\n";

/// Everything the server logged, from every test in this binary.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static LOGGING: Once = Once::new();

struct LogSink;

impl Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn log_text() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned()
}

pub struct Harness {
    pub base: String,
    pub standin: String,
    pub clock: Arc<TestClock>,
    pub outbox: PathBuf,
    pub bare: PathBuf,
    pub app: Arc<App>,
    pub http: reqwest::Client,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

impl Harness {
    pub async fn start() -> Harness {
        LOGGING.call_once(|| {
            tracing_subscriber::fmt().with_writer(|| LogSink).with_ansi(false).with_max_level(tracing::Level::DEBUG).init();
        });
        let dir = tempfile::TempDir::new().unwrap();
        let seed = dir.path().join("seed");
        for (path, text) in [
            ("site/content/contact.md", CONTACT),
            ("site/content/contact.en.md", CONTACT_EN),
            ("site/data/directory.toml", DIRECTORY),
            ("site/admin/config.yml", "backend: {name: proxy}\n"),
            ("infra/template.yaml", "Resources: {}\n"),
            (".github/workflows/publish.yml", "name: Publish\n"),
            ("functions/src/main.rs", "fn main() {}\n"),
            ("tools/check-site.py", "print('ok')\n"),
            ("Makefile", "all:\n"),
        ] {
            write(&seed, path, text);
        }
        let key = root().join("cms-auth/tests/support/test-app-key.pem");
        let app_file = dir.path().join("app.json");
        let app_json = serde_json::json!({
            "app_id": APP_ID,
            "private_key": std::fs::read_to_string(&key).unwrap(),
            "webhook_secret": WEBHOOK_SECRET,
        });
        std::fs::write(&app_file, app_json.to_string()).unwrap();

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let standin_port = free_port();
        let standin = format!("http://127.0.0.1:{standin_port}");
        let bare = dir.path().join("github").join("site.git");
        let python = std::env::var("FORMS_TEST_PYTHON")
            .expect("FORMS_TEST_PYTHON is not set: run through tests/support/with_services.py (make test-publish)");
        let mut child = Command::new(python)
            .arg(root().join("tests/support/github_standin.py"))
            .args(["--port", &standin_port.to_string(), "--repository", REPOSITORY, "--app-id", APP_ID])
            .arg("--repo-dir")
            .arg(&bare)
            .arg("--app-key")
            .arg(&key)
            .arg("--seed")
            .arg(&seed)
            .args(["--webhook-url", &format!("{base}/api/cms/github/webhook"), "--webhook-secret", WEBHOOK_SECRET])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the GitHub stand-in");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", standin_port)).is_err() {
            assert!(Instant::now() < deadline, "the GitHub stand-in did not start");
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the GitHub stand-in stopped: {status}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }

        let data = dir.path().join("data");
        let pairs: Vec<(&str, String)> = vec![
            ("SITE_URL", base.clone()),
            ("CMS_REPOSITORY", "github".into()),
            ("GITHUB_API_URL", standin.clone()),
            ("GITHUB_REPOSITORY", REPOSITORY.into()),
            ("CMS_GITHUB_APP_FILE", app_file.display().to_string()),
            ("DATA_DIR", data.display().to_string()),
            ("OPERATOR_EMAIL", "Beheer <ops@example.org>".into()),
        ];
        let settings = Settings::from_lookup(|name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())).unwrap();
        let clock = Arc::new(TestClock::starting_now());
        let app = Arc::new(App::build(settings, clock.clone()).await.unwrap());
        app.sign_in.store().put_editor(&Editor { email: ANS.into(), name: "Ans de Vries".into() }).await.unwrap();
        tokio::spawn(serve_local(listener, app.clone()));
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Harness { base, standin, clock, outbox: data.join("outbox"), bare, app, http, child, _dir: dir }
    }

    /// The sign-in form as the browser posts it.
    pub async fn request_link(&self, email: &str) -> (u16, String) {
        let answer = self
            .http
            .post(format!("{}/api/cms/sign-in", self.base))
            .header("origin", &self.base)
            .form(&[("email", email)])
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    /// Every mail in the outbox to `to`, oldest first, as (subject, text).
    pub fn mails_to(&self, to: &str) -> Vec<(String, String)> {
        let Ok(entries) = std::fs::read_dir(&self.outbox) else { return Vec::new() };
        let mut files: Vec<_> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).unwrap());
        files
            .iter()
            .filter_map(|p| {
                let raw = std::fs::read(p).unwrap();
                let message = mail_parser::MessageParser::default().parse(&raw)?;
                let addressed = message.to()?.iter().any(|a| a.address().is_some_and(|x| x.eq_ignore_ascii_case(to)));
                addressed
                    .then(|| (message.subject().unwrap_or("").to_owned(), message.body_text(0).unwrap_or_default().into_owned()))
            })
            .collect()
    }

    /// The link in the newest sign-in mail to `to`.
    pub fn mailed_link(&self, to: &str) -> String {
        let (_, text) = self.mails_to(to).pop().expect("a sign-in mail");
        let start = text.find(&format!("{}/api/cms/link?t=", self.base)).expect("a link in the mail");
        text[start..].split_whitespace().next().unwrap().to_owned()
    }

    pub fn token_of(link: &str) -> String {
        link.split("t=").nth(1).unwrap().to_owned()
    }

    /// The button on the link's page.
    pub async fn press_button(&self, token: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/api/cms/link", self.base))
            .header("origin", &self.base)
            .form(&[("t", token)])
            .send()
            .await
            .unwrap()
    }

    /// Signed in as `email` through the mailed link; the cookie to send.
    pub async fn sign_in(&self, email: &str) -> String {
        let (status, _) = self.request_link(email).await;
        assert_eq!(status, 200);
        let link = self.mailed_link(email);
        let page = self.http.get(&link).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains(">Inloggen</button>"), "the link's page has the button");
        let answer = self.press_button(&Self::token_of(&link)).await;
        assert_eq!(answer.status(), 303);
        assert_eq!(answer.headers()["location"], "/admin/");
        let set = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
        for part in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/api/cms/", "Max-Age=36000"] {
            assert!(set.contains(part), "{part} in {set}");
        }
        set.split(';').next().unwrap().to_owned()
    }

    /// One request of Decap's proxy protocol.
    pub async fn cms(&self, cookie: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = self.http.post(format!("{}/api/cms/v1", self.base)).header("origin", &self.base).json(&body);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    }

    /// Requests the stand-in got for the repository or the App so far.
    pub async fn forwarded(&self) -> Vec<String> {
        let all: Vec<Value> = reqwest::get(format!("{}/_standin/requests", self.standin)).await.unwrap().json().await.unwrap();
        all.iter().map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap())).collect()
    }

    pub async fn standin_json(&self, path: &str) -> Value {
        reqwest::get(format!("{}{path}", self.standin)).await.unwrap().json().await.unwrap()
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git").arg("--git-dir").arg(&self.bare).args(args).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}
