//! GitHub's REST API as a GitHub App: a JWT signed with the App's private
//! key (RS256) is exchanged for an installation token for this one
//! repository, minted here, kept in memory for less than its hour and
//! never sent anywhere but GitHub. `GITHUB_API_URL` says where the API is
//! (a local stand-in in tests and `make edit CMS_AUTH=email`).

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{Mutex, OnceCell};

use crate::budgets::{GITHUB_CALL, INSTALLATION_TOKEN_KEPT};
use crate::secrets::{AppSecret, Redacted, SecretCell};

/// Largest answer read from GitHub (a tree listing, a picture as base64).
const ANSWER_LIMIT: usize = 16 * 1024 * 1024;
const API_VERSION: &str = "2022-11-28";

#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    #[error("the GitHub App is not set up: {0}")]
    NotConfigured(String),
    #[error("GitHub could not be reached: {0}")]
    Unreachable(String),
    #[error("GitHub answered {status} to {what}: {message}")]
    Status { status: u16, what: String, message: String },
    #[error("GitHub's answer to {0} was not understood")]
    Garbled(String),
}

impl GitHubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub struct GitHub {
    api: String,
    repository: String,
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    app: SecretCell<AppSecret>,
    installation: OnceCell<u64>,
    token: Mutex<Option<(Redacted, Instant)>>,
}

impl GitHub {
    /// rustls with ring and the system's roots; plain http only reaches a
    /// loopback stand-in (config.rs refuses anything else).
    pub fn new(api: String, repository: String, app: SecretCell<AppSecret>) -> std::io::Result<Self> {
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?.https_or_http().enable_http1().build();
        let http = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self { api, repository, http, app, installation: OnceCell::new(), token: Mutex::new(None) })
    }

    pub fn repository(&self) -> &str {
        &self.repository
    }

    pub async fn app(&self) -> Result<&AppSecret, GitHubError> {
        self.app.get().await.map_err(|e| GitHubError::NotConfigured(e.to_string()))
    }

    /// `/repos/{owner}/{name}{path}` with the installation token.
    pub async fn repo_call(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value, GitHubError> {
        let url = format!("{}/repos/{}{path}", self.api, self.repository);
        let token = self.token().await?;
        match self.send(method.clone(), &url, &token.0, body.clone()).await {
            // Revoked early (the App was changed): mint a new one once.
            Err(e) if e.status() == Some(401) => {
                *self.token.lock().await = None;
                let token = self.token().await?;
                self.send(method, &url, &token.0, body).await
            }
            other => other,
        }
    }

    async fn token(&self) -> Result<Redacted, GitHubError> {
        let mut kept = self.token.lock().await;
        if let Some((token, until)) = kept.as_ref()
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let app = self.app().await?;
        let jwt = jwt(&app.app_id, &app.private_key.0, unix_now())?;
        let installation = *self
            .installation
            .get_or_try_init(|| async {
                let url = format!("{}/repos/{}/installation", self.api, self.repository);
                let answer = self.send(Method::GET, &url, &jwt, None).await?;
                answer["id"].as_u64().ok_or_else(|| GitHubError::Garbled("the App's installation".into()))
            })
            .await?;
        let name = self.repository.rsplit('/').next().unwrap_or_default();
        // Only this repository, only its files and its workflow runs.
        let body = json!({ "repositories": [name], "permissions": { "contents": "write", "actions": "read" } });
        let url = format!("{}/app/installations/{installation}/access_tokens", self.api);
        let answer = self.send(Method::POST, &url, &jwt, Some(body)).await?;
        let token = Redacted(answer["token"].as_str().ok_or_else(|| GitHubError::Garbled("the token".into()))?.to_owned());
        *kept = Some((token.clone(), Instant::now() + INSTALLATION_TOKEN_KEPT));
        tracing::info!("installation token minted");
        Ok(token)
    }

    async fn send(&self, method: Method, url: &str, bearer: &str, body: Option<Value>) -> Result<Value, GitHubError> {
        let what = format!("{method} {}", url.strip_prefix(&self.api).unwrap_or(url));
        let request = Request::builder()
            .method(method)
            .uri(url)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", API_VERSION)
            .header("user-agent", "steun-voor-gezinnen-cms")
            .header("authorization", format!("Bearer {bearer}"))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.map(|b| b.to_string()).unwrap_or_default())))
            .map_err(|e| GitHubError::Unreachable(e.to_string()))?;
        let exchange = async {
            let answer = self.http.request(request).await.map_err(|e| GitHubError::Unreachable(e.to_string()))?;
            let status = answer.status().as_u16();
            let bytes = Limited::new(answer.into_body(), ANSWER_LIMIT)
                .collect()
                .await
                .map_err(|e| GitHubError::Unreachable(e.to_string()))?
                .to_bytes();
            Ok::<_, GitHubError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(GITHUB_CALL, exchange)
            .await
            .map_err(|_| GitHubError::Unreachable(format!("no answer within {} s", GITHUB_CALL.as_secs())))??;
        let value: Value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            let message = value["message"].as_str().unwrap_or("").chars().take(200).collect();
            Err(GitHubError::Status { status, what, message })
        }
    }

    /// The runs of `workflow` (a file in .github/workflows/) for one commit.
    pub async fn workflow_runs(&self, workflow: &str, commit: &str) -> Result<Vec<Run>, GitHubError> {
        let path = format!("/actions/workflows/{workflow}/runs?head_sha={commit}&per_page=10");
        let answer = self.repo_call(Method::GET, &path, None).await?;
        serde_json::from_value::<Runs>(answer)
            .map(|r| r.workflow_runs)
            .map_err(|_| GitHubError::Garbled("the workflow runs".into()))
    }
}

#[derive(Deserialize)]
struct Runs {
    workflow_runs: Vec<Run>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Run {
    pub status: String,
    pub conclusion: Option<String>,
    pub head_sha: String,
    #[serde(default)]
    pub html_url: String,
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The App's JWT: RS256 over `{iat, exp, iss}`, valid for nine minutes
/// (GitHub allows ten), issued a minute back against clock drift.
pub fn jwt(app_id: &str, private_key_pem: &str, now: u64) -> Result<String, GitHubError> {
    let key = rsa_key(private_key_pem)?;
    let header = B64URL.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = B64URL.encode(json!({ "iat": now - 60, "exp": now + 540, "iss": app_id }).to_string());
    let signed = format!("{header}.{claims}");
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(&ring::signature::RSA_PKCS1_SHA256, &ring::rand::SystemRandom::new(), signed.as_bytes(), &mut signature)
        .map_err(|_| GitHubError::NotConfigured("the App's private key cannot sign".into()))?;
    Ok(format!("{signed}.{}", B64URL.encode(signature)))
}

/// GitHub hands out PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`); PKCS#8 works too.
fn rsa_key(pem: &str) -> Result<ring::rsa::KeyPair, GitHubError> {
    let bad = |why: &str| GitHubError::NotConfigured(format!("the App's private_key {why}"));
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| bad("is not a PEM file"))?;
    let pair = if pem.contains("BEGIN RSA PRIVATE KEY") {
        ring::rsa::KeyPair::from_der(&der)
    } else {
        ring::rsa::KeyPair::from_pkcs8(&der)
    };
    pair.map_err(|_| bad("is not an RSA key GitHub made"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway 2048-bit key, made for this test only.
    const KEY: &str = include_str!("../tests/support/test-app-key.pem");

    #[test]
    fn the_jwt_is_rs256_with_the_apps_id_and_a_short_life() {
        let token = jwt("12345", KEY, 1_700_000_000).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value = serde_json::from_slice(&B64URL.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "RS256");
        let claims: Value = serde_json::from_slice(&B64URL.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "12345");
        assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 600);
        // The signature checks out with the public half.
        let key = rsa_key(KEY).unwrap();
        let public =
            ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, key.public().as_ref().to_vec());
        let signature = B64URL.decode(parts[2]).unwrap();
        assert!(public.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).is_ok());
    }

    #[test]
    fn a_key_that_is_not_a_key_is_refused_without_showing_it() {
        let e = jwt("1", "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----", 1).unwrap_err();
        assert!(matches!(e, GitHubError::NotConfigured(_)) && !e.to_string().contains("bm90"), "{e}");
    }
}
