//! `/api/cms/*`: one axum Router for Lambda and a laptop.
//!
//! Sign-in: `POST sign-in` (the form on /admin/), `GET link` (the page the
//! mailed link opens: a button, nothing more), `POST link` (the button:
//! session cookie, then /admin/), `GET session`, `POST sign-out`.
//! Editing: `POST v1` (Decap's proxy protocol), `GET status` (is a saved
//! commit live?). GitHub: `POST github/webhook` (a failed publish).

use std::net::IpAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::app::App;
use crate::content::ContentError;
use crate::pages::{self, LinkPage, LinkProblemPage, MessagePage, SentPage, SignInPage};
use crate::policy::Refusal;
use crate::repo::Author;
use crate::signin::{Address, COOKIE, LinkCheck, Requested};
use crate::store::Editor;

/// Every path of this function starts here; CloudFront sends `/api/cms/*` to it.
pub const PREFIX: &str = "/api/cms/";
pub const SIGN_IN_PATH: &str = "/api/cms/sign-in";
pub const LINK_PATH: &str = crate::mail::LINK_PATH;
pub const SESSION_PATH: &str = "/api/cms/session";
pub const SIGN_OUT_PATH: &str = "/api/cms/sign-out";
pub const CONTENT_PATH: &str = "/api/cms/v1";
pub const STATUS_PATH: &str = "/api/cms/status";
pub const WEBHOOK_PATH: &str = "/api/cms/github/webhook";
/// Every route, for the contract (`cms-auth contract`).
pub const ROUTES: [(&str, &str); 8] = [
    ("POST", SIGN_IN_PATH),
    ("GET", LINK_PATH),
    ("POST", LINK_PATH),
    ("GET", SESSION_PATH),
    ("POST", SIGN_OUT_PATH),
    ("POST", CONTENT_PATH),
    ("GET", STATUS_PATH),
    ("POST", WEBHOOK_PATH),
];
/// Headers the webhook reads (CloudFront must pass them on).
pub const WEBHOOK_HEADERS: [&str; 3] = ["x-github-event", "x-github-delivery", "x-hub-signature-256"];

/// The client's address, set by the transport (CloudFront's viewer
/// address on AWS, the socket locally); used for the rate limit only.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(SIGN_IN_PATH, post(sign_in))
        .route(LINK_PATH, get(link_page).post(open_link))
        .route(SESSION_PATH, get(session))
        .route(SIGN_OUT_PATH, post(sign_out))
        .route(CONTENT_PATH, post(content))
        .route(STATUS_PATH, get(status))
        .route(WEBHOOK_PATH, post(webhook))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(crate::budgets::BODY_LIMIT))
        .layer(axum::middleware::from_fn(headers_and_time_limit))
        .with_state(app)
}

/// No answer is cached; every answer has the site's security headers and
/// comes within the request budget.
async fn headers_and_time_limit(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = match tokio::time::timeout(crate::budgets::REQUEST, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("request over its time budget");
            api_error(StatusCode::SERVICE_UNAVAILABLE, "Dit duurde te lang. Probeer het over een minuut opnieuw.")
        }
    };
    let headers = response.headers_mut();
    for (name, value) in forms::security::headers() {
        headers.entry(name).or_insert(value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

async fn not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, "Dit adres bestaat niet. De editor staat op /admin/.")
}

fn page(status: StatusCode, html: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

fn api_error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

fn unavailable_page(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "sign-in unavailable");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::render(&MessagePage { title: pages::TITLE_SIGN_IN, message: pages::UNAVAILABLE, next: "Terug naar de editor" }),
    )
}

/// Posts must come from the site itself (the form on /admin/, the editor).
/// A page sent with `Referrer-Policy: no-referrer` (the link's page) posts
/// with `Origin: null`; then the browser's `Sec-Fetch-Site` says where from.
fn from_the_site(app: &App, headers: &HeaderMap) -> bool {
    let same_site = headers.get("sec-fetch-site").is_some_and(|v| v == "same-origin");
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some("null") | None => same_site,
        Some(origin) => origin == app.settings.site_origin,
    }
}

fn refused_cross_site() -> Response {
    tracing::warn!("post from another site refused");
    api_error(StatusCode::FORBIDDEN, "Dit kan alleen vanaf de site zelf. Ga naar /admin/.")
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// `HttpOnly; Secure; SameSite=Strict`, for `/api/cms/` only.
fn set_cookie(value: &str, max_age: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path={PREFIX}; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"))
        .expect("cookie text is ASCII")
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
}

async fn sign_in(
    State(app): State<Arc<App>>,
    client: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    if !app.settings.sign_in {
        return Redirect::to("/admin/").into_response();
    }
    if !from_the_site(&app, &headers) {
        return refused_cross_site();
    }
    let Some(address) = Address::parse(&form.email) else {
        let typed: String = form.email.chars().take(254).collect();
        let html =
            pages::render(&SignInPage { title: pages::TITLE_SIGN_IN, address: &typed, error: Some(pages::ADDRESS_PROBLEM) });
        return page(StatusCode::BAD_REQUEST, html);
    };
    match app.sign_in.request(&address, client.and_then(|c| c.0.0)).await {
        Ok(Requested::Answered) => {
            page(StatusCode::OK, pages::render(&SentPage { title: pages::TITLE_SENT, address: address.as_str() }))
        }
        Ok(Requested::TooMany) => {
            let html = pages::render(&SignInPage {
                title: pages::TITLE_SIGN_IN,
                address: address.as_str(),
                error: Some(pages::TOO_MANY),
            });
            page(StatusCode::TOO_MANY_REQUESTS, html)
        }
        Err(e) => unavailable_page(e),
    }
}

#[derive(Deserialize)]
struct LinkQuery {
    #[serde(default)]
    t: String,
}

fn link_problem(check: LinkCheck) -> Response {
    let (status, problem) = match check {
        LinkCheck::Used => (StatusCode::GONE, pages::LINK_USED),
        LinkCheck::Expired => (StatusCode::GONE, pages::LINK_EXPIRED),
        LinkCheck::Invalid | LinkCheck::Valid => (StatusCode::BAD_REQUEST, pages::LINK_INVALID),
    };
    page(status, pages::render(&LinkProblemPage { title: pages::TITLE_SIGN_IN, problem, address: "", error: None }))
}

/// Opening the link shows a button and changes nothing.
async fn link_page(State(app): State<Arc<App>>, Query(query): Query<LinkQuery>) -> Response {
    match app.sign_in.check(&query.t).await {
        Ok(LinkCheck::Valid) => page(StatusCode::OK, pages::render(&LinkPage { title: pages::TITLE_SIGN_IN, token: &query.t })),
        Ok(other) => link_problem(other),
        Err(e) => unavailable_page(e),
    }
}

async fn open_link(State(app): State<Arc<App>>, headers: HeaderMap, Form(form): Form<LinkQuery>) -> Response {
    if !from_the_site(&app, &headers) {
        return refused_cross_site();
    }
    match app.sign_in.open(&form.t).await {
        Ok(Ok((value, _editor))) => {
            let mut response = Redirect::to("/admin/").into_response();
            let max_age = crate::budgets::SESSION_LIFETIME.as_secs();
            response.headers_mut().insert(header::SET_COOKIE, set_cookie(&value, max_age));
            response
        }
        Ok(Err(check)) => link_problem(check),
        Err(e) => unavailable_page(e),
    }
}

/// The signed-in editor, or the answer to give instead.
async fn editor(app: &App, headers: &HeaderMap) -> Result<Editor, Response> {
    if !app.settings.sign_in {
        return Ok(app.local_editor.clone());
    }
    match app.sign_in.editor(cookie(headers).as_deref()).await {
        Ok(Some(editor)) => Ok(editor),
        Ok(None) => Err(api_error(
            StatusCode::UNAUTHORIZED,
            "Je bent niet (meer) ingelogd. Log opnieuw in via /admin/: je wijziging blijft in dit venster staan tot je het sluit.",
        )),
        Err(e) => {
            tracing::error!(error = %e, "session check failed");
            Err(api_error(StatusCode::SERVICE_UNAVAILABLE, pages::UNAVAILABLE))
        }
    }
}

async fn session(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match editor(&app, &headers).await {
        Ok(e) => {
            axum::Json(json!({ "sign_in": app.settings.sign_in, "editor": { "name": e.name, "email": e.email } })).into_response()
        }
        Err(response) => response,
    }
}

async fn sign_out(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if !from_the_site(&app, &headers) {
        return refused_cross_site();
    }
    if let Err(e) = app.sign_in.end(cookie(&headers).as_deref()).await {
        tracing::error!(error = %e, "sign-out could not reach the store");
        return api_error(StatusCode::SERVICE_UNAVAILABLE, pages::UNAVAILABLE);
    }
    let wants_json = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    let mut response = if wants_json {
        StatusCode::NO_CONTENT.into_response()
    } else {
        let html = pages::render(&MessagePage {
            title: "Je bent uitgelogd",
            message: "Je bent uitgelogd. Wil je weer iets aanpassen? Log dan opnieuw in.",
            next: "Opnieuw inloggen",
        });
        page(StatusCode::OK, html)
    };
    response.headers_mut().insert(header::SET_COOKIE, set_cookie("", 0));
    response
}

async fn content(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if !from_the_site(&app, &headers) {
        return refused_cross_site();
    }
    let Ok(body) = body else {
        let limit = crate::policy::MEDIA_MAX_BYTES / (1024 * 1024);
        let message = format!(
            "Dit is te groot om op te slaan. Een afbeelding mag hoogstens {limit} MB zijn: maak haar kleiner en probeer het opnieuw."
        );
        return api_error(StatusCode::PAYLOAD_TOO_LARGE, &message);
    };
    let editor = match editor(&app, &headers).await {
        Ok(e) => e,
        Err(response) => return response,
    };
    let author = Author { name: editor.name, email: editor.email };
    match app.content.handle(&body, &author).await {
        Ok((answer, saved)) => {
            if let Some(saved) = saved.filter(|s| !s.paths.is_empty()) {
                tracing::info!(files = saved.paths.len(), commit = saved.commit.as_deref().unwrap_or("-"), "saved");
            }
            axum::Json(answer).into_response()
        }
        Err(ContentError::Refused(refusal)) => {
            tracing::warn!(refusal = refusal.kind(), "request refused by the path policy");
            let status = match refusal {
                Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::BadRequest(_) | Refusal::BadPath(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::FORBIDDEN,
            };
            api_error(status, &refusal.to_string())
        }
        Err(e @ ContentError::NotFound(_)) => api_error(StatusCode::NOT_FOUND, &e.to_string()),
        Err(ContentError::Unavailable(cause)) => {
            tracing::error!(error = %cause, "the repository is unavailable");
            api_error(StatusCode::SERVICE_UNAVAILABLE, &ContentError::Unavailable(cause).to_string())
        }
    }
}

#[derive(Deserialize)]
struct StatusQuery {
    #[serde(default)]
    commit: String,
}

async fn status(State(app): State<Arc<App>>, headers: HeaderMap, Query(query): Query<StatusQuery>) -> Response {
    if let Err(response) = editor(&app, &headers).await {
        return response;
    }
    let Some(publish) = &app.publish else {
        return axum::Json(json!({ "state": "local" })).into_response();
    };
    if query.commit.len() != 40 || !query.commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return api_error(StatusCode::BAD_REQUEST, "Onbekende wijziging.");
    }
    match publish.state(&query.commit).await {
        Ok(state) => axum::Json(json!({ "state": state })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "publish state unknown");
            api_error(StatusCode::SERVICE_UNAVAILABLE, "Nog onbekend of de wijziging online staat.")
        }
    }
}

async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(github) = &app.github else {
        return not_found().await;
    };
    let secret = match github.app().await {
        Ok(app_secret) => app_secret.webhook_secret.0.clone(),
        Err(e) => {
            tracing::error!(error = %e, "webhook received but the App is not set up");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if !crate::publish::signature_ok(&secret, &body, header_text("x-hub-signature-256")) {
        tracing::warn!("webhook with a wrong signature refused");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if header_text("x-github-event") != Some("workflow_run") {
        return StatusCode::NO_CONTENT.into_response();
    }
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if let Some(run) = crate::publish::failed_run(&payload, &app.settings.publish_workflow) {
        let now = app.clock.now().unix_timestamp();
        let target = (github.repository(), app.settings.branch.as_str());
        if let Err(e) =
            crate::publish::tell_operator(&run, header_text("x-github-delivery"), target, &app.mail, app.sign_in.store(), now)
                .await
        {
            tracing::error!(error = %e, "the operator could not be mailed about a failed publish");
            // GitHub shows the delivery as failed and can send it again.
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    StatusCode::NO_CONTENT.into_response()
}
