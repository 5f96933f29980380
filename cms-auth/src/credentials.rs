//! The GitHub OAuth app's client id and secret, from Secrets Manager.
//! Read on the first sign-in, not at start-up: most invocations of a
//! fresh instance never need them, and a cold start stays a cold start.
//! A successful read is kept for the life of the instance; a failed one
//! (secret still holding the placeholder, no access) is tried again next time.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use serde::Deserialize;
use tokio::sync::OnceCell;

/// What the stack's placeholder holds until the operator fills it in.
pub const PLACEHOLDER_PREFIX: &str = "REPLACE_WITH_";

#[derive(Clone, Deserialize)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read secret {id}: {reason}")]
    Unreadable { id: String, reason: String },
    #[error("secret {0} is not JSON with client_id and client_secret")]
    Malformed(String),
    #[error(
        "secret {0} still holds the placeholder: put the GitHub OAuth app's client_id and client_secret in it (README, Deploy to AWS)"
    )]
    NotFilledIn(String),
}

pub struct CredentialSource {
    secret_id: String,
    cached: OnceCell<Credentials>,
}

impl CredentialSource {
    pub fn new(secret_id: String) -> Self {
        Self { secret_id, cached: OnceCell::new() }
    }

    pub async fn get(&self) -> Result<&Credentials, CredentialsError> {
        self.cached.get_or_try_init(|| read(&self.secret_id)).await
    }
}

async fn read(id: &str) -> Result<Credentials, CredentialsError> {
    let http = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https();
    let aws = aws_config::defaults(BehaviorVersion::latest()).http_client(http).load().await;
    let out = aws_sdk_secretsmanager::Client::new(&aws).get_secret_value().secret_id(id).send().await.map_err(|e| {
        CredentialsError::Unreadable {
            id: id.to_owned(),
            reason: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
        }
    })?;
    parse(id, out.secret_string().unwrap_or_default())
}

pub fn parse(id: &str, text: &str) -> Result<Credentials, CredentialsError> {
    let credentials: Credentials = serde_json::from_str(text).map_err(|_| CredentialsError::Malformed(id.to_owned()))?;
    let unset = |v: &str| v.trim().is_empty() || v.starts_with(PLACEHOLDER_PREFIX);
    if unset(&credentials.client_id) || credentials.client_secret.trim().is_empty() {
        return Err(CredentialsError::NotFilledIn(id.to_owned()));
    }
    Ok(credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_is_not_taken_for_real_credentials() {
        let placeholder = r#"{"client_id": "REPLACE_WITH_GITHUB_OAUTH_CLIENT_ID", "client_secret": "random"}"#;
        assert!(matches!(parse("s", placeholder), Err(CredentialsError::NotFilledIn(_))));
        assert!(matches!(parse("s", "not json"), Err(CredentialsError::Malformed(_))));
        let real = parse("s", r#"{"client_id": "Iv1.abc", "client_secret": "shh"}"#).unwrap();
        assert_eq!(real.client_id, "Iv1.abc");
        assert!(!format!("{real:?}").contains("shh"), "the secret never reaches a log");
    }
}
