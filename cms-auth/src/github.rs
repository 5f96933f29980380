//! GitHub's two OAuth web-flow steps: where to send the editor, and
//! swapping the code GitHub hands back for an access token.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

use crate::credentials::Credentials;

/// The scopes Decap asks for: `repo` (private repositories) or
/// `public_repo`. Nothing wider is ever requested.
pub fn scope(asked: Option<&str>) -> &'static str {
    match asked {
        Some("public_repo") => "public_repo",
        _ => "repo",
    }
}

pub fn authorize_url(github: &str, client_id: &str, redirect_uri: &str, scope: &str, state: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", scope),
        ("state", state),
        ("allow_signup", "false"),
    ])
    .expect("plain strings encode");
    format!("{github}/login/oauth/authorize?{query}")
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("GitHub could not be reached: {0}")]
    Unreachable(String),
    #[error("GitHub answered {0}")]
    Status(u16),
    #[error("GitHub refused the code: {0}")]
    Refused(String),
    #[error("GitHub's answer was not understood")]
    Garbled,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    error: Option<String>,
}

pub struct GitHub {
    base: String,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl GitHub {
    /// rustls with ring and the system's trusted roots, as the form
    /// function does; http only reaches the loopback stand-in (config.rs).
    pub fn new(base: String) -> Result<Self, std::io::Error> {
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().build();
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self { base, client })
    }

    /// POST /login/oauth/access_token. GitHub answers 200 also for a bad
    /// code, with `{"error": ...}` in the body.
    pub async fn exchange(&self, credentials: &Credentials, code: &str, redirect_uri: &str) -> Result<String, ExchangeError> {
        let form = serde_urlencoded::to_string([
            ("client_id", credentials.client_id.as_str()),
            ("client_secret", credentials.client_secret.as_str()),
            ("code", code),
            ("redirect_uri", redirect_uri),
        ])
        .expect("plain strings encode");
        let request = Request::post(format!("{}/login/oauth/access_token", self.base))
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("user-agent", "cms-auth")
            .body(Full::new(Bytes::from(form)))
            .map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
        let answer = tokio::time::timeout(Duration::from_secs(10), self.client.request(request))
            .await
            .map_err(|_| ExchangeError::Unreachable("no answer within 10 s".into()))?
            .map_err(|e| ExchangeError::Unreachable(e.to_string()))?;
        if !answer.status().is_success() {
            return Err(ExchangeError::Status(answer.status().as_u16()));
        }
        let body = Limited::new(answer.into_body(), 64 * 1024).collect().await.map_err(|_| ExchangeError::Garbled)?.to_bytes();
        let parsed: TokenAnswer = serde_json::from_slice(&body).map_err(|_| ExchangeError::Garbled)?;
        match (parsed.access_token, parsed.error) {
            (Some(token), None) if !token.is_empty() => Ok(token),
            (_, Some(error)) => Err(ExchangeError::Refused(error)),
            _ => Err(ExchangeError::Garbled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_carries_everything_encoded() {
        let url = authorize_url("https://github.com", "Iv1.abc", "https://site.example/api/cms/callback", "repo", "n.1.m");
        assert_eq!(
            url,
            "https://github.com/login/oauth/authorize?client_id=Iv1.abc&redirect_uri=https%3A%2F%2Fsite.example%2Fapi%2Fcms%2Fcallback&scope=repo&state=n.1.m&allow_signup=false"
        );
    }

    #[test]
    fn only_the_two_repository_scopes_are_ever_asked() {
        assert_eq!(scope(None), "repo");
        assert_eq!(scope(Some("public_repo")), "public_repo");
        assert_eq!(scope(Some("repo,admin:org,delete_repo")), "repo");
    }
}
