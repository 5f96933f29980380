//! Answers in the form the client asked for: JSON for scripts, pages and
//! redirects for a browser posting a plain form.

use askama::Template;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use uuid::Uuid;

use crate::domain::{FieldErrors, FormKind, Lang, RawForm, thank_you_path};
use crate::html;
use crate::pages::FormPages;
use crate::texts::Texts;

#[derive(Clone, Copy)]
pub struct Reply {
    json: bool,
}

impl Reply {
    pub fn for_request(headers: &HeaderMap) -> Self {
        let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
        Self { json: accept.contains("application/json") }
    }

    /// A client that posts JSON reads JSON, whatever it accepts.
    pub fn with_json_body(self, json_body: bool) -> Self {
        Self { json: self.json || json_body }
    }

    pub fn accepted(self, id: Uuid, lang: Lang) -> Response {
        if self.json {
            (StatusCode::CREATED, Json(json!({"id": id, "status": "received"}))).into_response()
        } else {
            see_other(thank_you_path(lang))
        }
    }

    pub async fn invalid(self, pages: &FormPages, kind: FormKind, lang: Lang, errors: &FieldErrors, raw: &RawForm) -> Response {
        if self.json {
            (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"errors": errors.messages(lang)}))).into_response()
        } else {
            let page = pages.error_page(kind, lang, errors, raw).await;
            (StatusCode::UNPROCESSABLE_ENTITY, no_store(), Html(page)).into_response()
        }
    }

    /// The key was used before for a different form: never "received".
    /// A script gets 409; a browser gets its form back to send once more.
    pub async fn send_again(self, pages: &FormPages, kind: FormKind, lang: Lang, raw: &RawForm) -> Response {
        let message = lang.texts().error_key_reused;
        if self.json {
            (StatusCode::CONFLICT, Json(json!({"error": "submission_id_reused", "message": message}))).into_response()
        } else {
            (StatusCode::CONFLICT, no_store(), Html(pages.send_again_page(kind, lang, raw, message).await)).into_response()
        }
    }

    /// The store did not take the form (it did not answer in time): nothing
    /// is stored or sent. A script gets 503; a browser gets its form back as
    /// typed, with the same key. Both say to try again in a minute.
    pub async fn not_stored(self, pages: &FormPages, kind: FormKind, lang: Lang, raw: &RawForm) -> Response {
        let message = lang.texts().error_not_stored;
        let status = StatusCode::SERVICE_UNAVAILABLE;
        let mut response = if self.json {
            (status, Json(json!({"error": "unavailable", "message": message}))).into_response()
        } else {
            (status, no_store(), Html(pages.try_again_page(kind, lang, raw, message).await)).into_response()
        };
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(crate::budgets::TRY_AGAIN_AFTER.as_secs()));
        response
    }

    /// A refusal that is not about one field.
    pub fn problem(self, status: StatusCode, lang: Lang) -> Response {
        let (code, message) = problem_text(status, lang);
        self.message(status, code, &message)
    }

    pub fn too_many(self, wait_seconds: u64, lang: Lang) -> Response {
        let mut response = self.problem(StatusCode::TOO_MANY_REQUESTS, lang);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait_seconds));
        response
    }

    pub fn bad_request(self, detail: &str) -> Response {
        self.message(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    fn message(self, status: StatusCode, code: &str, message: &str) -> Response {
        if self.json {
            (status, Json(json!({"error": code, "message": message}))).into_response()
        } else {
            (status, no_store(), Html(problem_page(status, message))).into_response()
        }
    }
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

fn problem_text(status: StatusCode, lang: Lang) -> (&'static str, String) {
    let t = lang.texts();
    let (code, text) = match status {
        StatusCode::FORBIDDEN => ("forbidden_origin", t.problem_forbidden),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", t.problem_too_large),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", t.problem_media_type),
        StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", t.problem_too_many),
        _ => ("unavailable", t.problem_unavailable),
    };
    (code, text.to_owned())
}

/// A plain page for browsers; the form page is one step back. Most of
/// these answers come before the form (and its language) is read, so the
/// page speaks Dutch with English beside it.
#[derive(Template)]
#[template(path = "problem.html")]
struct ProblemPage<'a> {
    status: u16,
    message: &'a str,
    nl: &'static Texts,
    en: &'static Texts,
}

fn problem_page(status: StatusCode, message: &str) -> String {
    html::page(&ProblemPage { status: status.as_u16(), message, nl: Lang::Nl.texts(), en: Lang::En.texts() })
}

pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": "not_found", "message": "No such form or endpoint."}))).into_response()
}

pub fn preflight(origin: Option<&str>) -> Response {
    let Some(origin) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin),
            (header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST")),
            (header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, accept")),
            (header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600")),
            (header::VARY, HeaderValue::from_static("Origin")),
        ],
    )
        .into_response()
}
