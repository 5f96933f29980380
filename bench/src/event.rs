//! What the bench sends: a valid contact form, as JSON for the local
//! server and wrapped in an API Gateway HTTP API (v2) event for Lambda.

use serde_json::{Value, json};

pub const FORM_PATH: &str = "/api/forms/contact";

/// The function's `ORIGIN_SECRET` in these runs; the events carry it in
/// `X-Origin-Verify`, as CloudFront's requests do.
pub const ORIGIN_SECRET: &str = "bench-origin-secret";

/// A valid contact form; `n` keeps each sender distinct.
pub fn contact_form(n: usize) -> String {
    json!({
        "name": format!("Bench Ouder {n}"),
        "email": format!("bench-{n}@example.org"),
        "message": "Ik heb een vraag over opvoeden.",
        "privacy_consent": "yes",
    })
    .to_string()
}

/// A request as API Gateway (HTTP API) hands it to the function.
pub fn api_gateway_event(method: &str, path: &str, body: &str) -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "content-type": "application/json",
            "accept": "application/json",
            "host": "forms.example.org",
            "x-origin-verify": ORIGIN_SECRET,
            "cloudfront-viewer-address": "198.51.100.7:51234"
        },
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "api",
            "domainName": "forms.example.org",
            "domainPrefix": "forms",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "bench"},
            "requestId": "req",
            "routeKey": "$default",
            "stage": "$default",
            "time": "24/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795003200000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}
