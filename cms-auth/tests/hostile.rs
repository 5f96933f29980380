//! The editor's server under attack, straight at its HTTP interface: no
//! session, forged or expired cookies and links, writes outside the
//! content, another branch or repository, oversized files, a flood of
//! sign-in requests. Each is refused, and the GitHub stand-in sees no
//! request at all for it; no link, cookie or token ever reaches a log.
//! Then the way it should go: one save, one commit, only what changed.

mod support;

use serde_json::{Value, json};
use support::{ANS, Harness, log_text};

fn persist(path: &str, raw: &str) -> Value {
    json!({ "action": "persistEntry", "params": {
        "branch": "main",
        "dataFiles": [{ "path": path, "raw": raw, "slug": "x" }],
        "assets": [],
        "options": { "commitMessage": "Update", "useWorkflow": false, "status": "" },
    }})
}

fn read(path: &str) -> Value {
    json!({ "action": "getEntry", "params": { "branch": "main", "path": path } })
}

#[tokio::test]
async fn without_a_valid_session_nothing_is_read_or_written() {
    let h = Harness::start().await;
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no cookie", None),
        ("a made-up cookie", Some("cms_session=abc.def".into())),
        ("a cookie with a forged signature", Some(format!("cms_session={}.{}", "A".repeat(43), "B".repeat(43)))),
    ];
    for (what, cookie) in &cases {
        let (status, answer) = h.cms(cookie.as_deref(), read("site/content/contact.md")).await;
        assert_eq!(status, 401, "{what}: {answer}");
        assert!(answer["error"].as_str().unwrap().contains("/admin/"), "{what}: says where to sign in");
        let (status, _) = h.cms(cookie.as_deref(), persist("site/content/contact.md", "x")).await;
        assert_eq!(status, 401, "{what}");
    }
    let session = h.http.get(format!("{}/api/cms/session", h.base)).send().await.unwrap();
    assert_eq!(session.status(), 401);

    // A real session that expired (a working day later), ended, or whose
    // editor left the list.
    let cookie = h.sign_in(ANS).await;
    assert_eq!(h.cms(Some(&cookie), read("site/content/contact.md")).await.0, 200);
    h.clock.advance(time::Duration::hours(10) + time::Duration::seconds(1));
    assert_eq!(h.cms(Some(&cookie), read("site/content/contact.md")).await.0, 401, "expired after a working day");

    let cookie = h.sign_in(ANS).await;
    let out = h
        .http
        .post(format!("{}/api/cms/sign-out", h.base))
        .header("origin", &h.base)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(h.cms(Some(&cookie), read("site/content/contact.md")).await.0, 401, "Uitloggen ends the session on the server");

    let cookie = h.sign_in(ANS).await;
    h.app.sign_in.store().remove_editor(ANS).await.unwrap();
    assert_eq!(h.cms(Some(&cookie), read("site/content/contact.md")).await.0, 401, "off the list: out at the next request");

    let forwarded = h.forwarded().await;
    assert!(forwarded.iter().all(|r| !r.contains("/git/") || r.starts_with("GET")), "{forwarded:?}");
}

#[tokio::test]
async fn a_link_works_once_for_fifteen_minutes_and_a_forged_one_never() {
    let h = Harness::start().await;
    h.request_link(ANS).await;
    let link = h.mailed_link(ANS);
    let token = Harness::token_of(&link);
    // Opening the link (a mail scanner does too) changes nothing.
    for _ in 0..3 {
        assert_eq!(h.http.get(&link).send().await.unwrap().status(), 200);
    }
    assert_eq!(h.press_button(&token).await.status(), 303);
    let again = h.press_button(&token).await;
    assert_eq!(again.status(), 410);
    let page = again.text().await.unwrap();
    assert!(page.contains("al gebruikt") && page.contains("action=\"/api/cms/sign-in\""), "says so and offers a new link");
    let opened = h.http.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), 410);

    h.request_link(ANS).await;
    let late = Harness::token_of(&h.mailed_link(ANS));
    h.clock.advance(time::Duration::minutes(15));
    let expired = h.press_button(&late).await;
    assert_eq!(expired.status(), 410);
    assert!(expired.text().await.unwrap().contains("verlopen"));

    h.request_link(ANS).await;
    let good = Harness::token_of(&h.mailed_link(ANS));
    let (id, rest) = good.split_once('.').unwrap();
    let (expires, mac) = rest.split_once('.').unwrap();
    let later: i64 = expires.parse::<i64>().unwrap() + 86_400;
    for forged in
        [format!("{id}.{later}.{mac}"), format!("{}.{expires}.{mac}", "A".repeat(43)), format!("{id}.{expires}"), "x".into()]
    {
        let answer = h.press_button(&forged).await;
        assert_eq!(answer.status(), 400, "{forged}");
        assert!(answer.headers().get("set-cookie").is_none());
    }
    // From another site, even with a good link: refused.
    let cross = h
        .http
        .post(format!("{}/api/cms/link", h.base))
        .header("origin", "https://evil.example.com")
        .form(&[("t", &good)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(h.press_button(&good).await.status(), 303, "the good link still works once");
}

#[tokio::test]
async fn every_write_outside_the_content_is_refused_and_nothing_is_forwarded() {
    let h = Harness::start().await;
    let cookie = h.sign_in(ANS).await;
    let before = h.forwarded().await.len();
    let big_page = format!("+++\ntitle = \"x\"\n+++\n{}", "a".repeat(300 * 1024));
    let big_picture = base64_of(&vec![0u8; cms_auth::policy::MEDIA_MAX_BYTES + 100 * 1024]);
    let mut cases: Vec<(&str, Value)> = Vec::new();
    for path in [
        ".github/workflows/publish.yml",
        "infra/template.yaml",
        "functions/src/main.rs",
        "tools/check-site.py",
        "Makefile",
        "site/admin/config.yml",
        // The editors' list is no file at all (it lives in the store); a
        // file by that name is refused like any other.
        "site/data/editors.toml",
        "cms-auth/src/policy.rs",
        "site/content/../../Makefile",
        "../outside.md",
        "/etc/passwd",
        "site/static/afbeeldingen/script.svg",
    ] {
        cases.push((path, persist(path, "pwned\n")));
    }
    cases.push(("read infra", read("infra/template.yaml")));
    cases.push(("list .github", json!({ "action": "entriesByFolder", "params": { "branch": "main", "folder": ".github/workflows", "extension": "yml", "depth": 1 } })));
    cases.push(("another branch", json!({ "action": "persistEntry", "params": {
        "branch": "evil", "dataFiles": [{ "path": "site/content/contact.md", "raw": "x", "slug": "x" }], "assets": [], "options": {} } })));
    cases.push((
        "another branch at the top",
        json!({ "action": "getEntry", "branch": "gh-pages", "params": { "branch": "main", "path": "site/content/contact.md" } }),
    ));
    cases.push(("another repository", json!({ "action": "persistEntry", "params": {
        "branch": "main", "repo": "someone/else", "dataFiles": [{ "path": "site/content/contact.md", "raw": "x", "slug": "x" }], "assets": [], "options": {} } })));
    cases.push(("an oversized page", persist("site/content/contact.md", &big_page)));
    cases.push(("an oversized picture", json!({ "action": "persistMedia", "params": {
        "branch": "main", "asset": { "path": "site/static/afbeeldingen/groot.jpg", "content": big_picture, "encoding": "base64" }, "options": { "commitMessage": "x" } } })));
    cases.push(("a picture in the workflows", json!({ "action": "persistMedia", "params": {
        "branch": "main", "asset": { "path": ".github/workflows/x.jpg", "content": "AAAA", "encoding": "base64" }, "options": { "commitMessage": "x" } } })));
    cases.push(("deleting a workflow", json!({ "action": "deleteFiles", "params": { "branch": "main", "paths": [".github/workflows/publish.yml"], "options": { "commitMessage": "x" } } })));
    cases.push(("renaming onto a workflow", json!({ "action": "persistEntry", "params": {
        "branch": "main", "dataFiles": [{ "path": "site/content/contact.md", "newPath": ".github/workflows/publish.yml", "raw": "x", "slug": "x" }], "assets": [], "options": {} } })));
    cases.push((
        "an unknown action",
        json!({ "action": "publishUnpublishedEntry", "params": { "branch": "main", "collection": "x", "slug": "y" } }),
    ));
    for (what, body) in &cases {
        let (status, answer) = h.cms(Some(&cookie), body.clone()).await;
        assert!((400..500).contains(&status) && status != 401, "{what}: {status} {answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: a message for the editor");
    }
    let after = h.forwarded().await;
    assert_eq!(after.len(), before, "nothing was forwarded to GitHub: {:?}", &after[before..]);
    // A request too large for the server at all.
    let huge = "x".repeat(cms_auth::budgets::BODY_LIMIT + 1);
    let (status, answer) = h.cms(Some(&cookie), persist("site/content/contact.md", &huge)).await;
    assert_eq!(status, 413);
    assert!(answer["error"].as_str().unwrap().contains("te groot"), "{answer}");
    assert_eq!(h.git(&["rev-list", "--count", "main"]).trim(), "1", "no commit was made");
    let editors = h.app.sign_in.store().editors().await.unwrap();
    assert_eq!(editors.len(), 1, "no request reached the editors' list: {editors:?}");
}

#[tokio::test]
async fn a_flood_of_sign_in_requests_is_cut_off_and_unlisted_addresses_get_no_mail() {
    let h = Harness::start().await;
    let (listed_status, listed_page) = h.request_link(ANS).await;
    let (unlisted_status, unlisted_page) = h.request_link("nobody@example.org").await;
    assert_eq!((listed_status, unlisted_status), (200, 200));
    assert_eq!(listed_page.replace(ANS, "X"), unlisted_page.replace("nobody@example.org", "X"), "the same answer on screen");
    assert!(h.mails_to("nobody@example.org").is_empty(), "no mail for an address that is not on the list");

    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(h.request_link(ANS).await.0);
    }
    assert_eq!(answers, [200, 200, 429, 429, 429, 429], "three per address per quarter of an hour");
    assert_eq!(h.mails_to(ANS).len(), 3);
    // Other addresses from the same client: ten in all, then no more.
    let mut statuses = Vec::new();
    for n in 0..6 {
        statuses.push(h.request_link(&format!("someone{n}@example.org")).await.0);
    }
    assert_eq!(statuses, [200, 200, 429, 429, 429, 429], "ten per client per quarter of an hour");
    h.clock.advance(time::Duration::minutes(15));
    assert_eq!(h.request_link(ANS).await.0, 200, "the next quarter of an hour is open again");
    let cross = h
        .http
        .post(format!("{}/api/cms/sign-in", h.base))
        .header("origin", "https://evil.example.com")
        .form(&[("email", ANS)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403, "no sign-in requests from other sites");
    assert!(h.forwarded().await.is_empty(), "sign-in never talks to GitHub");
}

#[tokio::test]
async fn one_save_is_one_commit_by_the_editor_that_changes_only_what_changed() {
    let h = Harness::start().await;
    let cookie = h.sign_in(ANS).await;
    let (status, entry) = h.cms(Some(&cookie), read("site/data/directory.toml")).await;
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["data"], support::DIRECTORY);
    // Decap's TOML: no comments, its own layout; one new date.
    let decap = "[spreekuur]\nlater_dates_to_be_confirmed = true\n[[spreekuur.dates]]\ndate = \"2024-05-08\"\nstart = \"15:00\"\n[[spreekuur.dates]]\ndate = \"2027-01-13\"\nstart = \"14:00\"\n";
    let untouched_english = "+++\ndescription = \"How to reach us, in a sentence that is long enough.\"\ntitle = \"Contact\"\n[extra]\nsource_hash = \"abc\"\n+++\n\nCall us.\n\n- Monday\n- Tuesday\n";
    let body = json!({ "action": "persistEntry", "params": {
        "branch": "main",
        "dataFiles": [
            { "path": "site/data/directory.toml", "raw": decap, "slug": "directory" },
            { "path": "site/content/contact.en.md", "raw": untouched_english, "slug": "contact" },
        ],
        "assets": [],
        "options": { "commitMessage": "Update Spreekuur", "useWorkflow": false, "status": "" },
    }});
    let (status, saved) = h.cms(Some(&cookie), body).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["page"], "/spreekuur/");
    let commit = saved["commit"].as_str().unwrap();
    assert_eq!(h.git(&["rev-list", "--count", "main"]).trim(), "2", "one commit");
    assert_eq!(h.git(&["rev-parse", "main"]).trim(), commit);
    assert_eq!(h.git(&["log", "-1", "--format=%an <%ae>", "main"]).trim(), "Ans de Vries <ans@example.org>");
    assert_eq!(
        h.git(&["show", "--name-only", "--format=", "main"]).trim(),
        "site/data/directory.toml",
        "the English page was not rewritten"
    );
    let file = h.git(&["show", "main:site/data/directory.toml"]);
    assert!(file.starts_with("# The site's data. Comments stay.\n") && file.contains("# The first date.\n"), "{file}");
    assert!(file.ends_with("start = \"15:00\"\n\n[[spreekuur.dates]]\ndate = \"2027-01-13\"\nstart = \"14:00\"\n"), "{file}");

    // Saving the same again changes nothing and makes no commit.
    let (status, again) = h.cms(Some(&cookie), persist("site/data/directory.toml", decap)).await;
    assert_eq!((status, again["commit"].clone()), (200, Value::Null));
    assert_eq!(h.git(&["rev-list", "--count", "main"]).trim(), "2");

    // The publish run for the commit, as /admin/ asks for it.
    let mut state = Value::Null;
    for _ in 0..100 {
        let answer =
            h.http.get(format!("{}/api/cms/status?commit={commit}", h.base)).header("cookie", &cookie).send().await.unwrap();
        state = answer.json::<Value>().await.unwrap()["state"].clone();
        if state == "live" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "live");
}

#[tokio::test]
async fn a_failed_publish_mails_the_operator_once_and_a_forged_webhook_does_nothing() {
    let h = Harness::start().await;
    let cookie = h.sign_in(ANS).await;
    h.http.post(format!("{}/_standin/fail-next-run", h.standin)).send().await.unwrap();
    let (status, saved) =
        h.cms(Some(&cookie), persist("site/content/contact.md", &support::CONTACT.replace("Bel ons.", "Bel of mail ons."))).await;
    assert_eq!(status, 200, "{saved}");
    let commit = saved["commit"].as_str().unwrap().to_owned();
    let mut state = Value::Null;
    for _ in 0..100 {
        let answer =
            h.http.get(format!("{}/api/cms/status?commit={commit}", h.base)).header("cookie", &cookie).send().await.unwrap();
        state = answer.json::<Value>().await.unwrap()["state"].clone();
        if state == "failed" && !h.mails_to("ops@example.org").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "failed");
    let mails = h.mails_to("ops@example.org");
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (subject, text) = &mails[0];
    assert!(
        subject.contains("Publiceren mislukt") && text.contains(&commit) && text.contains("Ans de Vries"),
        "{subject}\n{text}"
    );
    assert!(text.contains("Er is niets verloren"), "{text}");

    let body = br#"{"action":"completed","workflow_run":{"path":".github/workflows/publish.yml","conclusion":"failure","head_sha":"x"}}"#.to_vec();
    let forged = h
        .http
        .post(format!("{}/api/cms/github/webhook", h.base))
        .header("x-github-event", "workflow_run")
        .header("x-hub-signature-256", "sha256=00")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    assert_eq!(h.mails_to("ops@example.org").len(), 1, "no mail for a forged webhook");
}

#[tokio::test]
async fn no_link_cookie_token_or_key_ever_reaches_the_log() {
    let h = Harness::start().await;
    let cookie = h.sign_in(ANS).await;
    h.request_link(ANS).await;
    let link = h.mailed_link(ANS);
    let (status, _) =
        h.cms(Some(&cookie), persist("site/content/contact.md", &support::CONTACT.replace("Bel ons.", "Bel ons gerust."))).await;
    assert_eq!(status, 200);
    let tokens: Vec<String> = serde_json::from_value(h.standin_json("/_standin/tokens").await).unwrap();
    assert!(!tokens.is_empty(), "an installation token was minted");
    let log = log_text();
    assert!(log.contains("sign-in link mailed") && log.contains("installation token minted"), "the log says what happened");
    let secrets = [
        Harness::token_of(&link),
        cookie.trim_start_matches("cms_session=").to_owned(),
        support::WEBHOOK_SECRET.to_owned(),
        "BEGIN RSA PRIVATE KEY".to_owned(),
    ];
    for secret in secrets.iter().chain(tokens.iter()) {
        let head: String = secret.chars().take(24).collect();
        assert!(!log.contains(&head), "{head}… is in the log");
    }
    assert!(!log.contains(ANS), "no editor's address in the log");
    assert!(!format!("{:?}", h.app.settings).contains("webhook-secret"), "settings print without secrets");
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
