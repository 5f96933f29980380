//! The two secrets this server holds, each read on first use and kept for
//! the life of the instance (a failed read is tried again next time):
//!
//! * the signing key for sign-in links and session cookies: a file in
//!   `DATA_DIR` made on first use locally, a secret the stack generates on
//!   AWS;
//! * the GitHub App's id, private key and webhook secret: a JSON file
//!   locally (`make edit` makes one for the stand-in), a secret the
//!   operator fills in on AWS.

use std::path::PathBuf;

use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use tokio::sync::OnceCell;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    /// A Secrets Manager secret id or ARN.
    Secret(String),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::File(path) => format!("file {}", path.display()),
            Source::Secret(id) => format!("secret {id}"),
        }
    }
}

/// What the stack's placeholder holds until the operator fills it in.
pub const PLACEHOLDER_PREFIX: &str = "REPLACE_WITH_";

#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {problem}")]
pub struct SecretError {
    source_name: String,
    problem: String,
}

/// A value that never shows in `Debug` (logs, panics).
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The GitHub App, as the operator enters it (README, "The editor").
#[derive(Clone, Deserialize)]
pub struct AppSecret {
    pub app_id: String,
    pub private_key: Redacted,
    pub webhook_secret: Redacted,
}

impl<'de> Deserialize<'de> for Redacted {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Redacted)
    }
}

impl std::fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSecret").field("app_id", &self.app_id).finish_non_exhaustive()
    }
}

pub fn parse_app_secret(source: &str, text: &str) -> Result<AppSecret, SecretError> {
    let fail = |problem: &str| SecretError { source_name: source.to_owned(), problem: problem.to_owned() };
    let secret: AppSecret = serde_json::from_str(text)
        .map_err(|_| fail("not JSON with app_id, private_key and webhook_secret (README, \"The editor\")"))?;
    let unset = |v: &str| v.trim().is_empty() || v.starts_with(PLACEHOLDER_PREFIX);
    if unset(&secret.app_id) || unset(&secret.private_key.0) || unset(&secret.webhook_secret.0) {
        return Err(fail(
            "still holds the placeholder: put the GitHub App's app_id, private_key and webhook_secret in it (README, \"The editor\")",
        ));
    }
    Ok(secret)
}

/// Reads a secret's text once, then keeps it.
pub struct SecretCell<T> {
    source: Source,
    aws: Option<aws_config::SdkConfig>,
    parse: fn(&str, &str) -> Result<T, SecretError>,
    value: OnceCell<T>,
}

impl<T> SecretCell<T> {
    pub fn new(source: Source, aws: Option<aws_config::SdkConfig>, parse: fn(&str, &str) -> Result<T, SecretError>) -> Self {
        Self { source, aws, parse, value: OnceCell::new() }
    }

    /// A value known in advance (tests).
    pub fn fixed(value: T) -> Self {
        let fail = |_: &str, _: &str| Err(SecretError { source_name: "fixed".into(), problem: "fixed".into() });
        Self { source: Source::Secret("fixed".into()), aws: None, parse: fail, value: OnceCell::new_with(Some(value)) }
    }

    pub async fn get(&self) -> Result<&T, SecretError> {
        self.value.get_or_try_init(|| self.load()).await
    }

    async fn load(&self) -> Result<T, SecretError> {
        let name = self.source.describe();
        let fail = |problem: String| SecretError { source_name: name.clone(), problem };
        let text = match &self.source {
            Source::File(path) => read_or_create_key(path).await.map_err(|e| fail(e.to_string()))?,
            Source::Secret(id) => {
                let aws = self.aws.as_ref().ok_or_else(|| fail("no AWS configuration".into()))?;
                let read = forms::aws::secrets_manager(aws).get_secret_value().secret_id(id).send();
                let out = tokio::time::timeout(crate::budgets::AWS_CALL, read)
                    .await
                    .map_err(|_| fail("Secrets Manager did not answer in time".into()))?
                    .map_err(|e| fail(aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string()))?;
                out.secret_string().ok_or_else(|| fail("the secret has no text value".into()))?.to_owned()
            }
        };
        (self.parse)(&name, &text)
    }
}

/// The signing key for links and cookies: at least 32 bytes.
#[derive(Clone)]
pub struct SigningKey(ring::hmac::Key);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    pub fn new(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < 32 {
            return Err(format!("the signing key must be at least 32 bytes, it has {}", bytes.len()));
        }
        Ok(Self(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes)))
    }

    pub fn parse(source: &str, text: &str) -> Result<Self, SecretError> {
        Self::new(text.trim().as_bytes()).map_err(|problem| SecretError { source_name: source.to_owned(), problem })
    }

    pub fn sign(&self, text: &str) -> ring::hmac::Tag {
        ring::hmac::sign(&self.0, text.as_bytes())
    }

    /// Constant-time check inside ring.
    pub fn verify(&self, text: &str, tag: &[u8]) -> bool {
        ring::hmac::verify(&self.0, text.as_bytes(), tag).is_ok()
    }
}

/// Random bytes from the system.
pub fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SystemRandom::new().fill(&mut bytes).expect("the system's random source works");
    bytes
}

/// A key file is made with 32 random bytes (hex) on first use, owner-only;
/// any other file (the App's JSON) must exist.
async fn read_or_create_key(path: &std::path::Path) -> std::io::Result<String> {
    match tokio::fs::read_to_string(path).await {
        Ok(text) => return Ok(text),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound || !path.to_string_lossy().ends_with(".key") => return Err(e),
        Err(_) => {}
    }
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let text: String = random::<32>().iter().map(|b| format!("{b:02x}")).collect();
    let path_owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        // create_new: two processes starting together agree on one key.
        match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path_owned) {
            Ok(mut file) => file.write_all(text.as_bytes()).and_then(|()| file.sync_all()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e),
        }
    })
    .await
    .map_err(std::io::Error::other)??;
    tokio::fs::read_to_string(path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_placeholder_is_not_taken_for_the_real_thing_and_never_shown() {
        let placeholder = r#"{"app_id": "REPLACE_WITH_APP_ID", "private_key": "x", "webhook_secret": "y"}"#;
        assert!(parse_app_secret("s", placeholder).unwrap_err().to_string().contains("placeholder"));
        assert!(parse_app_secret("s", "not json").is_err());
        let real = parse_app_secret("s", r#"{"app_id": "123", "private_key": "-----BEGIN", "webhook_secret": "shh"}"#).unwrap();
        let shown = format!("{real:?}");
        assert!(shown.contains("123") && !shown.contains("BEGIN") && !shown.contains("shh"), "{shown}");
    }

    #[tokio::test]
    async fn a_key_file_is_made_once_owner_only_and_then_kept() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("cms-signing.key");
        let first = SecretCell::new(Source::File(path.clone()), None, SigningKey::parse);
        let tag = first.get().await.unwrap().sign("x");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let again = SecretCell::new(Source::File(path), None, SigningKey::parse);
        assert!(again.get().await.unwrap().verify("x", tag.as_ref()), "a restart keeps every link and session valid");
    }

    #[tokio::test]
    async fn a_missing_app_file_says_where_it_was_looked_for() {
        let cell = SecretCell::new(Source::File("/nonexistent/app.json".into()), None, parse_app_secret);
        let e = cell.get().await.unwrap_err().to_string();
        assert!(e.contains("/nonexistent/app.json"), "{e}");
    }
}
