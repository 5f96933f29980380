//! The sign-in flow end to end, offline: the real `cms-auth` process, its
//! secret in Secrets Manager (moto, started by tests/support/with_services.py)
//! and a real local HTTP server standing in for GitHub's OAuth endpoints.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use axum::extract::State;
use axum::routing::post;
use axum::{Form, Json, Router};

const CLIENT_ID: &str = "Iv1.test-client";
const CLIENT_SECRET: &str = "test-client-secret";
const GOOD_CODE: &str = "good-code";
const TOKEN: &str = "gho_test_token";

/// What the stand-in GitHub was sent.
type Calls = Arc<Mutex<Vec<Vec<(String, String)>>>>;

struct Setup {
    site: String,
    github: String,
    calls: Calls,
    http: reqwest::Client,
    secrets: aws_sdk_secretsmanager::Client,
    secret_id: String,
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl Drop for Setup {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn token_endpoint(State(calls): State<Calls>, Form(form): Form<Vec<(String, String)>>) -> Json<serde_json::Value> {
    calls.lock().unwrap().push(form.clone());
    let get = |k: &str| form.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let known = get("client_id") == Some(CLIENT_ID) && get("client_secret") == Some(CLIENT_SECRET);
    // GitHub answers 200 with an `error` field for a bad code.
    Json(match (known, get("code")) {
        (false, _) => serde_json::json!({"error": "incorrect_client_credentials"}),
        (true, Some(GOOD_CODE)) => {
            serde_json::json!({"access_token": TOKEN, "token_type": "bearer", "scope": "repo"})
        }
        _ => serde_json::json!({"error": "bad_verification_code"}),
    })
}

/// Starts the stand-in GitHub and `cms-auth`, with the secret still
/// holding the stack's placeholder (as right after a deploy).
async fn setup() -> Setup {
    let moto = std::env::var("FORMS_TEST_MOTO_URL")
        .expect("FORMS_TEST_MOTO_URL is not set: run through tests/support/with_services.py (make test-publish)");
    let calls: Calls = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let github = format!("http://{}", listener.local_addr().unwrap());
    let fake = Router::new().route("/login/oauth/access_token", post(token_endpoint)).with_state(calls.clone());
    tokio::spawn(async move { axum::serve(listener, fake).await.unwrap() });

    let secrets = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .endpoint_url(&moto)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build(),
    );
    let secret_id = format!("cms-oauth-{}", free_port());
    secrets
        .create_secret()
        .name(&secret_id)
        .secret_string(r#"{"client_id": "REPLACE_WITH_GITHUB_OAUTH_CLIENT_ID", "client_secret": "generated-placeholder"}"#)
        .send()
        .await
        .unwrap();

    let port = free_port();
    let site = format!("http://127.0.0.1:{port}");
    let log = std::env::temp_dir().join(format!("cms-auth-{port}.log"));
    let file = std::fs::File::create(&log).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_cms-auth"))
        .env("SITE_URL", &site)
        .env("PORT", port.to_string())
        .env("CMS_OAUTH_SECRET_ID", &secret_id)
        .env("GITHUB_URL", &github)
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &moto)
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .expect("start cms-auth");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "cms-auth did not start: {}", std::fs::read_to_string(&log).unwrap_or_default());
        std::thread::sleep(Duration::from_millis(50));
    }
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Setup { site, github, calls, http, secrets, secret_id, child, log }
}

impl Setup {
    async fn fill_in_secret(&self) {
        let value = serde_json::json!({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}).to_string();
        self.secrets.put_secret_value().secret_id(&self.secret_id).secret_string(value).send().await.unwrap();
    }

    /// `/api/cms/auth` as Decap opens it; returns (state, nonce cookie).
    async fn start_sign_in(&self) -> (String, String) {
        let answer =
            self.http.get(format!("{}/api/cms/auth?provider=github&site_id=x&scope=repo", self.site)).send().await.unwrap();
        assert_eq!(answer.status(), 302, "{}", self.log());
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        let prefix = format!("{}/login/oauth/authorize?", self.github);
        assert!(location.starts_with(&prefix), "{location}");
        let query: Vec<(String, String)> = serde_urlencoded::from_str(&location[prefix.len()..]).unwrap();
        let get = |k: &str| query.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("client_id"), CLIENT_ID);
        assert_eq!(get("redirect_uri"), format!("{}/api/cms/callback", self.site));
        assert_eq!(get("scope"), "repo");
        let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/api/cms/"), "{cookie}");
        assert_eq!(answer.headers()["cache-control"], "no-store");
        let nonce = cookie.split(';').next().unwrap().to_owned();
        (get("state"), nonce)
    }

    async fn callback(&self, query: &[(&str, &str)], cookie: Option<&str>) -> (u16, String) {
        let mut request = self.http.get(format!("{}/api/cms/callback", self.site)).query(query);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let answer = request.send().await.unwrap();
        let cleared = answer.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        assert!(cleared.starts_with("cms_oauth_nonce=;") && cleared.contains("Max-Age=0"), "the nonce is spent: {cleared}");
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    fn token_requests(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

#[tokio::test]
async fn the_secret_is_read_on_first_use_and_a_placeholder_is_not_kept() {
    let s = setup().await;
    // The process started although the secret is not filled in: nothing is read at start-up.
    let script = s.http.get(format!("{}/api/cms/handshake.js", s.site)).send().await.unwrap();
    assert_eq!(script.status(), 200);
    let answer = s.http.get(format!("{}/api/cms/auth?provider=github", s.site)).send().await.unwrap();
    assert_eq!(answer.status(), 503);
    let page = answer.text().await.unwrap();
    assert!(page.contains("nog niet ingesteld"), "{page}");
    assert!(page.contains(r#""status":"error""#), "Decap is told the sign-in failed: {page}");
    assert!(s.log().contains("still holds the placeholder"), "the operator's log says what to do: {}", s.log());
    // Filled in afterwards: the next sign-in works without a restart.
    s.fill_in_secret().await;
    s.start_sign_in().await;
}

#[tokio::test]
async fn a_sign_in_from_the_same_browser_gets_the_token_for_the_sites_origin() {
    let s = setup().await;
    s.fill_in_secret().await;
    let (state, nonce) = s.start_sign_in().await;
    let (status, page) = s.callback(&[("code", GOOD_CODE), ("state", &state)], Some(&nonce)).await;
    assert_eq!(status, 200, "{page}\n{}", s.log());
    let data = format!(r#"{{"status":"success","origin":"{}","content":{{"provider":"github","token":"{TOKEN}"}}}}"#, s.site);
    assert!(page.contains(&data), "{page}");
    assert!(page.contains(r#"<script src="/api/cms/handshake.js"></script>"#));
    let sent = s.calls.lock().unwrap()[0].clone();
    assert!(sent.contains(&("client_secret".into(), CLIENT_SECRET.into())), "{sent:?}");
    assert!(sent.contains(&("redirect_uri".into(), format!("{}/api/cms/callback", s.site))), "{sent:?}");
    assert!(!s.log().contains(TOKEN) && !s.log().contains(GOOD_CODE) && !s.log().contains(&state), "no secrets in the log");
}

#[tokio::test]
async fn a_tampered_state_or_another_browser_is_refused_before_github_is_asked() {
    let s = setup().await;
    s.fill_in_secret().await;
    let (state, nonce) = s.start_sign_in().await;
    let (_, other_nonce) = s.start_sign_in().await;
    let (head, mac) = state.rsplit_once('.').unwrap();
    let (nonce_part, expires) = head.split_once('.').unwrap();
    let first = if mac.starts_with('A') { 'B' } else { 'A' };
    let flipped = format!("{first}{}", &mac[1..]);
    let later = (expires.parse::<u64>().unwrap() + 86_400).to_string();
    let attempts = [
        (format!("{head}.{flipped}"), Some(nonce.as_str())),
        (format!("{nonce_part}.{later}.{mac}"), Some(nonce.as_str())),
        ("made-up-state".to_owned(), Some(nonce.as_str())),
        (state.clone(), None),
        (state.clone(), Some(other_nonce.as_str())),
    ];
    for (tampered, cookie) in attempts {
        let (status, page) = s.callback(&[("code", GOOD_CODE), ("state", &tampered)], cookie).await;
        assert_eq!(status, 403, "{tampered} with {cookie:?}: {page}");
        assert!(page.contains("geweigerd") && !page.contains(TOKEN), "{page}");
    }
    assert_eq!(s.token_requests(), 0, "GitHub was never asked for a token");
}

#[tokio::test]
async fn a_refused_code_or_a_cancelled_sign_in_says_so() {
    let s = setup().await;
    s.fill_in_secret().await;
    let (state, nonce) = s.start_sign_in().await;
    let (status, page) = s.callback(&[("code", "stolen-or-old"), ("state", &state)], Some(&nonce)).await;
    assert_eq!(status, 502);
    assert!(page.contains("GitHub gaf geen toegang") && page.contains(r#""status":"error""#), "{page}");
    let (status, page) = s.callback(&[("error", "access_denied"), ("state", &state)], Some(&nonce)).await;
    assert_eq!(status, 403);
    assert!(page.contains("afgebroken"), "{page}");
    let refused = s.http.get(format!("{}/api/cms/auth?provider=gitlab", s.site)).send().await.unwrap();
    assert_eq!(refused.status(), 400);
}
