//! `POST /api/forms/{kind}`: read, check, store, then mail.

use axum::body::{Body, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use super::respond::{self, Reply};
use crate::app::App;
use crate::domain::{FormKind, Lang, Parsed, RawForm, Submission, parse};
use crate::ratelimit::ClientIp;
use crate::service::{Accepted, NotAccepted};

/// Larger than any honest form (the longest message is 5,000 characters).
pub const MAX_BODY_BYTES: usize = 32 * 1024;

/// A post in steps: which form; a refusal before the body is read; the
/// body read; then parsed, stored and answered.
pub async fn submit(
    State(app): State<App>,
    Path(segment): Path<String>,
    client: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let reply = Reply::for_request(&headers);
    let Some(kind) = FormKind::from_segment(&segment) else {
        return unread(respond::not_found().await);
    };
    if let Some(refused) = refusal(&app, &headers, client, reply) {
        return unread(refused);
    }
    match read(&headers, body, reply).await {
        Ok((raw, reply)) => answer(&app, kind, &raw, reply).await,
        Err(refused) => refused,
    }
}

/// A refusal before the body is read: another site's page, or a client
/// over its rate.
fn refusal(app: &App, headers: &HeaderMap, client: Option<axum::Extension<ClientIp>>, reply: Reply) -> Option<Response> {
    if !origin_allowed(headers, &app.settings().allowed_origins) {
        return Some(reply.problem(StatusCode::FORBIDDEN, Lang::Nl));
    }
    let (limiter, axum::Extension(ClientIp(ip))) = (app.limiter()?, client?);
    limiter.check(ip).err().map(|wait| reply.too_many(wait, Lang::Nl))
}

/// The body as fields, in either encoding, and the reply it asks for (a
/// client that posts JSON reads JSON).
async fn read(headers: &HeaderMap, body: Body, reply: Reply) -> Result<(RawForm, Reply), Response> {
    let Some(encoding) = Encoding::of(headers) else {
        return Err(unread(reply.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, Lang::Nl)));
    };
    // Refused before reading: a client announcing 100 MB is not waited for.
    if declared_length(headers).is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(unread(reply.problem(StatusCode::PAYLOAD_TOO_LARGE, Lang::Nl)));
    }
    let bytes = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) if over_the_limit(&e) => return Err(unread(reply.problem(StatusCode::PAYLOAD_TOO_LARGE, Lang::Nl))),
        // The client stopped sending (or lied about the length): nothing to read.
        Err(_) => return Err(unread(reply.bad_request("the body ended before it was complete"))),
    };
    let raw = match encoding {
        Encoding::Form => RawForm::from_urlencoded(&bytes),
        Encoding::Json => RawForm::from_json(&bytes).map_err(|e| reply.bad_request(&e.to_string()))?,
    };
    Ok((raw, reply.with_json_body(encoding == Encoding::Json)))
}

/// Parses the form and answers: its errors, or (stored or a bot's) received.
async fn answer(app: &App, kind: FormKind, raw: &RawForm, reply: Reply) -> Response {
    match parse(kind, raw) {
        Parsed::Invalid { errors, lang } => reply.invalid(app.pages(), kind, lang, &errors, raw).await,
        // Answered as a stored form is, with its own key if it sent one:
        // a bot learns nothing.
        Parsed::Bot { key } => {
            tracing::info!(form = kind.as_str(), "honeypot filled; nothing stored or sent");
            reply.accepted(key.unwrap_or_else(Uuid::now_v7), Lang::parse(raw.get("lang")))
        }
        Parsed::Valid { submission, key } => take(app, kind, *submission, key, raw, reply).await,
    }
}

/// Stores a valid form through the service and says how it went.
async fn take(app: &App, kind: FormKind, submission: Submission, key: Option<Uuid>, raw: &RawForm, reply: Reply) -> Response {
    let lang = submission.lang;
    match app.submissions().accept(submission, key).await {
        Ok(Accepted::New(id)) => reply.accepted(id, lang),
        Ok(Accepted::Repeated(id)) => {
            tracing::info!(form = kind.as_str(), record = %id, "repeated submission; already stored");
            reply.accepted(id, lang)
        }
        Err(NotAccepted::KeyReused(id)) => {
            tracing::warn!(form = kind.as_str(), record = %id, "key reused for a different form; asked to send again");
            reply.send_again(app.pages(), kind, lang, raw).await
        }
        Err(NotAccepted::Store(e)) => {
            tracing::error!(form = kind.as_str(), error = %e, "could not store submission");
            reply.not_stored(app.pages(), kind, lang, raw).await
        }
    }
}

/// CORS preflight: only for configured origins.
pub async fn preflight(State(app): State<App>, headers: HeaderMap) -> Response {
    respond::preflight(configured_origin(&headers, &app.settings().allowed_origins))
}

/// A page on a configured other origin may read our answer (201, 422,
/// 429, ...): without `Access-Control-Allow-Origin` its script would see a
/// network error although the form was stored. Same-origin posts need no
/// CORS header; other origins get none (and a 403 from `submit`).
pub async fn cors_for_configured_origins(State(app): State<App>, request: Request, next: Next) -> Response {
    let origin =
        configured_origin(request.headers(), &app.settings().allowed_origins).and_then(|o| HeaderValue::from_str(o).ok());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // The answer depends on Origin (403 or not, CORS or not): caches must key on it.
    if !headers.get_all(header::VARY).iter().any(|v| v.as_bytes().eq_ignore_ascii_case(b"origin")) {
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}

fn configured_origin<'h>(headers: &'h HeaderMap, allowed: &[String]) -> Option<&'h str> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    allowed.iter().any(|o| o == origin).then_some(origin)
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

fn over_the_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Form,
    Json,
}

impl Encoding {
    fn of(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let mime = value.split(';').next()?.trim().to_ascii_lowercase();
        match mime.as_str() {
            "application/x-www-form-urlencoded" => Some(Encoding::Form),
            "application/json" => Some(Encoding::Json),
            _ => None,
        }
    }
}

/// A browser sends `Origin` with every POST. Ours, or a configured one,
/// may post; another site's page may not. Clients that send no `Origin`
/// (curl, server-to-server) are not browsers acting for a visitor.
fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if allowed.iter().any(|o| o == origin) {
        return true;
    }
    let host = headers.get("x-forwarded-host").or_else(|| headers.get(header::HOST)).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// An answer given before the whole body was read: the rest of the body is
/// still on the connection, so it cannot carry another request. Saying so
/// keeps clients from reusing it (and failing with a broken pipe).
fn unread(mut response: Response) -> Response {
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
