//! `GET /api/cms/auth` sends the editor to GitHub; `GET /api/cms/callback`
//! checks what comes back and answers the handshake page.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::config::Settings;
use crate::credentials::CredentialSource;
use crate::github::{self, GitHub};
use crate::handshake::{self, Outcome};
use crate::state::{self, StateError};

pub struct Service {
    pub settings: Settings,
    pub credentials: CredentialSource,
    pub github: GitHub,
}

/// Every path of this function starts here; CloudFront and API Gateway
/// send `/api/cms/*` to it (`cms-auth contract`, infra/checks/contracts.py).
pub const PREFIX: &str = "/api/cms/";
pub const AUTH_PATH: &str = "/api/cms/auth";
pub const CALLBACK_PATH: &str = "/api/cms/callback";

pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route(AUTH_PATH, get(auth))
        .route(CALLBACK_PATH, get(callback))
        .route(handshake::SCRIPT_PATH, get(script))
        .with_state(service)
}

#[derive(Deserialize)]
struct AuthQuery {
    provider: Option<String>,
    scope: Option<String>,
}

async fn auth(State(service): State<Arc<Service>>, Query(query): Query<AuthQuery>) -> Response {
    if query.provider.as_deref().is_some_and(|p| p != "github") {
        return failure(&service, StatusCode::BAD_REQUEST, "Alleen inloggen met GitHub is mogelijk.");
    }
    let credentials = match service.credentials.get().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "sign-in is not configured");
            return failure(&service, StatusCode::SERVICE_UNAVAILABLE, NOT_CONFIGURED);
        }
    };
    let lifetime = service.settings.state_lifetime.as_secs();
    let issued = state::issue(&credentials.client_secret, now(), lifetime);
    let location = github::authorize_url(
        &service.settings.github_url,
        &credentials.client_id,
        &service.settings.callback_url(),
        github::scope(query.scope.as_deref()),
        &issued.state,
    );
    tracing::info!("sign-in started");
    let cookie = cookie(&service.settings, &issued.nonce, lifetime);
    let mut response = (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    no_store(response)
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(State(service): State<Arc<Service>>, headers: HeaderMap, Query(query): Query<CallbackQuery>) -> Response {
    let mut response = finish(&service, &headers, query).await;
    // The nonce is single-use: whatever happened, it is gone now.
    response.headers_mut().insert(header::SET_COOKIE, cookie(&service.settings, "", 0));
    response
}

async fn finish(service: &Service, headers: &HeaderMap, query: CallbackQuery) -> Response {
    if let Some(error) = query.error {
        tracing::info!(%error, "GitHub sent the editor back without a code");
        return failure(
            service,
            StatusCode::FORBIDDEN,
            "Inloggen is afgebroken of geweigerd bij GitHub. Sluit dit venster en probeer het opnieuw.",
        );
    }
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return failure(
            service,
            StatusCode::BAD_REQUEST,
            "Dit adres hoort bij het inloggen in de editor. Ga naar /admin/ om in te loggen.",
        );
    };
    let credentials = match service.credentials.get().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "sign-in is not configured");
            return failure(service, StatusCode::SERVICE_UNAVAILABLE, NOT_CONFIGURED);
        }
    };
    let nonce = cookie_value(headers, state::COOKIE);
    if let Err(e) = state::verify(&credentials.client_secret, &returned_state, nonce.as_deref(), now()) {
        tracing::warn!(error = %e, "sign-in state refused");
        let message = match e {
            StateError::Expired => "Het inloggen duurde te lang. Sluit dit venster en probeer het opnieuw.",
            StateError::Forged | StateError::OtherBrowser => {
                "Dit inloggen is niet in deze browser begonnen en is daarom geweigerd. Sluit dit venster en log opnieuw in via /admin/."
            }
        };
        return failure(service, StatusCode::FORBIDDEN, message);
    }
    match service.github.exchange(credentials, &code, &service.settings.callback_url()).await {
        Ok(token) => {
            tracing::info!("sign-in completed");
            let html = handshake::page(&service.settings.site_origin, Outcome::Success { token: &token });
            page_response(StatusCode::OK, html)
        }
        Err(e) => {
            tracing::error!(error = %e, "token exchange failed");
            failure(
                service,
                StatusCode::BAD_GATEWAY,
                "GitHub gaf geen toegang. Sluit dit venster en probeer het opnieuw; lukt het dan nog niet, meld het aan de beheerder.",
            )
        }
    }
}

async fn script() -> Response {
    let mut response = ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], handshake::SCRIPT).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    response
}

const NOT_CONFIGURED: &str = "Inloggen in de editor is nog niet ingesteld. Meld dit aan de beheerder van de site.";

fn failure(service: &Service, status: StatusCode, message: &str) -> Response {
    page_response(status, handshake::page(&service.settings.site_origin, Outcome::Error { message }))
}

fn page_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    // The callback's address holds a one-time code: never pass it on.
    response.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    no_store(response)
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn cookie(settings: &Settings, value: &str, max_age: u64) -> HeaderValue {
    // Secure wherever the site is https; a laptop on http://127.0.0.1 cannot have it.
    let secure = if settings.site_origin.starts_with("https://") { "; Secure" } else { "" };
    let text = format!("{}={value}; Path=/api/cms/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}", state::COOKIE);
    HeaderValue::from_str(&text).expect("cookie text is ASCII")
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
