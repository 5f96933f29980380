//! Security headers on everything the local server sends, and CORS: the
//! API answers pages on its own origin and on `ALLOWED_ORIGINS` only.

use serde_json::json;

use crate::helpers::*;
use crate::hostile::valid;

fn assert_security_headers(what: &str, response: &reqwest::Response) {
    for (name, value) in forms::security::headers() {
        assert_eq!(response.headers().get(&name), Some(&value), "{what}: {name}");
    }
}

#[tokio::test]
async fn every_page_and_every_api_answer_carries_the_security_headers() {
    let app = spawn_with(Store::Sqlite, Options::default().with("RATE_LIMIT_PER_MINUTE", "4")).await;
    for path in ["/", "/contact/", "/en/", "/robots.txt", "/no-such-page/", "/api/health", "/api/nothing"] {
        let response = app.http.get(app.url(path)).send().await.unwrap();
        assert_security_headers(path, &response);
    }
    let post = |body: &str, content_type: &str| {
        app.http
            .post(app.url("/api/forms/contact"))
            .header("content-type", content_type)
            .header("accept", "application/json")
            .body(body.to_owned())
    };
    let answers = [
        (201, app.post_json("contact", &valid("contact")).await),
        (
            303,
            app.post_form(
                "contact",
                &[("name", "Jan"), ("email", "jan@example.org"), ("message", "Hoi"), ("privacy_consent", "on")],
            )
            .await,
        ),
        (422, app.post_form("contact", &[("name", "Jan")]).await),
        (400, post("{", "application/json").send().await.unwrap()),
        (429, post("x", "text/plain").send().await.unwrap()),
        (429, post(&"a".repeat(40_000), "application/json").send().await.unwrap()),
        (404, app.http.post(app.url("/api/forms/newsletter")).send().await.unwrap()),
        (405, app.http.get(app.url("/api/forms/contact")).send().await.unwrap()),
        (
            403,
            app.http
                .request(reqwest::Method::OPTIONS, app.url("/api/forms/contact"))
                .header("origin", "https://elsewhere.example")
                .send()
                .await
                .unwrap(),
        ),
    ];
    for (status, response) in &answers {
        assert_eq!(response.status().as_u16(), *status);
        assert_security_headers(&status.to_string(), response);
    }
    assert_eq!(answers[1].1.headers()["location"], "/bedankt/", "the browser's post leads to the thank-you page");
    // 413 and 415 (with the limit off, so the limiter does not answer first).
    let app = spawn(Store::Sqlite).await;
    let too_large = app
        .http
        .post(app.url("/api/forms/contact"))
        .header("content-type", "application/json")
        .body("a".repeat(40_000))
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), 413);
    assert_security_headers("413", &too_large);
    let media = app.http.post(app.url("/api/forms/contact")).header("content-type", "text/plain").body("x").send().await.unwrap();
    assert_eq!(media.status(), 415);
    assert_security_headers("415", &media);
}

const PARTNER: &str = "https://partner.example.org";

async fn post_from(app: &TestApp, origin: Option<&str>) -> reqwest::Response {
    let mut request = app.http.post(app.url("/api/forms/contact")).header("accept", "application/json").json(&valid("contact"));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    request.send().await.unwrap()
}

fn allow_origin(response: &reqwest::Response) -> Option<&str> {
    response.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap())
}

fn varies_on_origin(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().split(',').any(|p| p.trim().eq_ignore_ascii_case("origin")))
}

#[tokio::test]
async fn a_configured_origin_may_post_and_read_the_answer() {
    let app =
        spawn_with(Store::Sqlite, Options::default().with("ALLOWED_ORIGINS", format!("{PARTNER}, https://other.example.org")))
            .await;

    let ok = post_from(&app, Some(PARTNER)).await;
    assert_eq!(ok.status(), 201);
    assert_eq!(allow_origin(&ok), Some(PARTNER));
    assert!(varies_on_origin(&ok));

    let mut invalid = app.http.post(app.url("/api/forms/contact")).header("accept", "application/json").header("origin", PARTNER);
    invalid = invalid.json(&json!({"name": "x"}));
    let invalid = invalid.send().await.unwrap();
    assert_eq!(invalid.status(), 422);
    assert_eq!(allow_origin(&invalid), Some(PARTNER), "the partner's script can show the errors");

    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, app.url("/api/forms/registration"))
        .header("origin", PARTNER)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(allow_origin(&preflight), Some(PARTNER));
    assert_eq!(preflight.headers()["access-control-allow-methods"], "POST");
    assert!(preflight.headers()["access-control-allow-headers"].to_str().unwrap().contains("content-type"));
    assert!(varies_on_origin(&preflight));
}

#[tokio::test]
async fn other_origins_are_refused_and_get_no_cors_headers() {
    let app = spawn_with(Store::Sqlite, Options::default().with("ALLOWED_ORIGINS", PARTNER)).await;
    for origin in [
        "https://evil.example",
        "null",
        "https://partner.example.org.evil.example",
        "http://partner.example.org",
        "https://PARTNER.example.org",
    ] {
        let refused = post_from(&app, Some(origin)).await;
        assert_eq!(refused.status(), 403, "{origin}");
        assert_eq!(allow_origin(&refused), None, "{origin}");
        assert!(varies_on_origin(&refused));
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["error"], "forbidden_origin");

        let preflight = app
            .http
            .request(reqwest::Method::OPTIONS, app.url("/api/forms/contact"))
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 403, "{origin}");
        assert_eq!(allow_origin(&preflight), None);
    }
    // A page of another site posting a plain form (no script) is refused too.
    let browser = app
        .http
        .post(app.url("/api/forms/contact"))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Jan&email=jan%40example.org&message=Hoi&privacy_consent=on")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 403);
    let jan = forms::domain::EmailAddress::parse("jan@example.org").unwrap();
    assert!(app.app.submissions().find_by_email(&jan).await.unwrap().is_empty(), "nothing stored from a refused origin");

    // The site itself (same origin) and clients without Origin need no CORS header.
    for origin in [Some(app.address.as_str()), None] {
        let ok = post_from(&app, origin).await;
        assert_eq!(ok.status(), 201, "{origin:?}");
        assert_eq!(allow_origin(&ok), None, "{origin:?}");
    }
}
