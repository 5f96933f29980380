//! An editor's change is live without a new function (issue 18 item 3,
//! issue 21): the function reads the routing and the form pages the site
//! publishes while it runs (`SITE_DATA`). Locally from the built site's
//! folder, at once; on Lambda from the site's address, kept for
//! `SITE_DATA_FRESH` (a clock the test moves). A site that hangs or
//! answers garbage costs one bounded wait, and the copy built in (or the
//! last good one) is used.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use forms::budgets::{SITE_DATA, SITE_DATA_FRESH, USER_WAIT};
use forms::clock::TestClock;
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::*;

const BUILT_IN: &str = "spreekuur.ijmond@example.org";
const EDITED: &str = "nieuwe.coordinator@example.org";

/// A published site: the routing as the repository has it and the
/// built contact page, in a folder the test edits.
fn published_site() -> TempDir {
    let dir = TempDir::new().unwrap();
    let routing = std::fs::read_to_string(repo_root().join("site/data/directory.toml")).unwrap();
    write(dir.path(), "data/directory.toml", &routing);
    let page = std::fs::read_to_string(repo_root().join("site/public/en/contact/index.html"))
        .expect("the built site (make site runs before these tests)");
    write(dir.path(), "en/contact/index.html", &page);
    dir
}

fn write(root: &Path, key: &str, text: &str) {
    let path = root.join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An editor changes the Heemskerk spreekuur's coordinator address.
fn edit_coordinator(root: &Path, address: &str) {
    let routing = std::fs::read_to_string(repo_root().join("site/data/directory.toml")).unwrap();
    write(root, "data/directory.toml", &routing.replace(BUILT_IN, address));
}

/// The folder over HTTP, as CloudFront serves the bucket: a real server.
async fn serve(root: &Path) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let files = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(root));
    tokio::spawn(async move { axum::serve(listener, files).await.unwrap() });
    address
}

/// Posts a contact form from Heemskerk; where the record was routed.
async fn routed(app: &TestApp) -> String {
    let form = json!({"name": "Sanne", "email": "sanne@example.org", "municipality": "heemskerk",
                      "message": "Welke hulp is er?", "privacy_consent": "yes"});
    let response = app.post_json("contact", &form).await;
    assert_eq!(response.status(), 201);
    let id: uuid::Uuid = response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().parse().unwrap();
    app.app.submissions().get(id).await.unwrap().expect("stored").routed_to.to_string()
}

fn options(site_data: &str) -> Options {
    Options::default().without_sweeper().with("SITE_DATA", site_data)
}

#[tokio::test]
async fn locally_an_edit_of_the_built_site_routes_the_next_form() {
    let site = published_site();
    let app = spawn_with(Store::Sqlite, options(&site.path().display().to_string())).await;
    assert_eq!(routed(&app).await, BUILT_IN);

    edit_coordinator(site.path(), EDITED);
    assert_eq!(routed(&app).await, EDITED, "no rebuild, no restart, no wait");
}

#[tokio::test]
async fn a_change_published_on_the_site_is_used_once_the_kept_copy_is_old() {
    let site = published_site();
    let clock = Arc::new(TestClock::starting_now());
    let app = spawn_with(Store::Sqlite, options(&serve(site.path()).await).with_clock(clock.clone())).await;
    assert_eq!(routed(&app).await, BUILT_IN);

    edit_coordinator(site.path(), EDITED);
    clock.advance(time::Duration::try_from(SITE_DATA_FRESH).unwrap() - time::Duration::seconds(1));
    assert_eq!(routed(&app).await, BUILT_IN, "read a moment ago: kept");
    clock.advance(time::Duration::seconds(1));
    assert_eq!(routed(&app).await, EDITED, "live within SITE_DATA_FRESH of the publish");
}

#[tokio::test]
async fn published_routing_that_does_not_parse_is_never_used() {
    let site = published_site();
    let clock = Arc::new(TestClock::starting_now());
    let app = spawn_with(Store::Sqlite, options(&serve(site.path()).await).with_clock(clock.clone())).await;
    let fresh = time::Duration::try_from(SITE_DATA_FRESH).unwrap();

    write(site.path(), "data/directory.toml", "<html>CloudFront error page</html>");
    assert_eq!(routed(&app).await, BUILT_IN, "garbage: the copy built in");

    edit_coordinator(site.path(), EDITED);
    clock.advance(fresh);
    assert_eq!(routed(&app).await, EDITED);

    // A mailbox nobody defined: the parser refuses it, the last good copy stays.
    let broken = std::fs::read_to_string(site.path().join("data/directory.toml"))
        .unwrap()
        .replace("general = \"spreekuur-ijmond\"", "general = \"nobody\"");
    write(site.path(), "data/directory.toml", &broken);
    clock.advance(fresh);
    assert_eq!(routed(&app).await, EDITED, "the last copy that parsed");

    // Gone from the site (404): still the last good copy.
    std::fs::remove_file(site.path().join("data/directory.toml")).unwrap();
    clock.advance(fresh);
    assert_eq!(routed(&app).await, EDITED);
}

#[tokio::test]
async fn a_site_that_does_not_answer_costs_one_bounded_wait_and_the_copy_built_in_is_used() {
    let silent = SilentSite::start();
    let clock = Arc::new(TestClock::starting_now());
    let app = spawn_with(Store::Sqlite, options(&silent.url).with_clock(clock.clone())).await;

    let started = Instant::now();
    assert_eq!(routed(&app).await, BUILT_IN);
    assert!(started.elapsed() < USER_WAIT, "the form was answered after {:?}", started.elapsed());

    // A form with a mistake, from a browser without JavaScript: its page
    // comes from the binary, within the user's wait.
    let started = Instant::now();
    let response = app.post_form("contact", &[("lang", "en"), ("name", ""), ("message", "Hallo")]).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(started.elapsed() < USER_WAIT, "the error page came after {:?}", started.elapsed());
    assert!(page.contains("<form") && page.contains("Hallo"), "the form again, as typed: {page}");
    assert!(SITE_DATA.operation < USER_WAIT);
}

#[tokio::test]
async fn the_error_page_is_the_form_page_as_published_now() {
    let site = published_site();
    let clock = Arc::new(TestClock::starting_now());
    let app = spawn_with(Store::Sqlite, options(&serve(site.path()).await).with_clock(clock.clone())).await;
    let page = site.path().join("en/contact/index.html");
    let edited = std::fs::read_to_string(&page).unwrap().replace("<main", "<p>An editor's new sentence.</p><main");
    std::fs::write(&page, edited).unwrap();

    let response = app.post_form("contact", &[("lang", "en"), ("name", ""), ("message", "Hallo")]).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    assert!(html.contains("An editor&#39;s new sentence.") || html.contains("An editor's new sentence."), "{html}");
    assert!(html.contains(">Hallo</textarea>"), "what was typed stays: {html}");
}

/// tests/support/silent_server.py: accepts, reads, never answers.
struct SilentSite {
    child: std::process::Child,
    url: String,
}

impl SilentSite {
    fn start() -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(required_env("FORMS_TEST_PYTHON"))
            .arg(repo_root().join("tests/support/silent_server.py"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start the silent server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("silent server said: {line}")).to_owned();
        Self { child, url }
    }
}

impl Drop for SilentSite {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
