//! Where the signing key for pickup links comes from. Locally a key file in
//! `$DATA_DIR`, made on first use; on AWS a Secrets Manager secret that the
//! stack generates. Fetched on first use and kept, never at start-up: most
//! Lambda starts (a form post without a coordinator mail yet, a health
//! check) never need it.

use std::path::PathBuf;

use tokio::sync::OnceCell;

use super::token::SigningKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A text file holding the key; created with a fresh random key if missing.
    File(PathBuf),
    /// A Secrets Manager secret whose text is the key.
    Secret(String),
}

#[derive(Debug, thiserror::Error)]
#[error("the key for pickup links is not available ({source_name}): {problem}")]
pub struct KeyError {
    source_name: String,
    problem: String,
}

pub struct KeyStore {
    source: KeySource,
    aws: Option<aws_config::SdkConfig>,
    key: OnceCell<SigningKey>,
}

impl KeyStore {
    pub fn new(source: KeySource, aws: Option<aws_config::SdkConfig>) -> Self {
        Self { source, aws, key: OnceCell::new() }
    }

    /// A key known in advance (tests).
    pub fn fixed(key: SigningKey) -> Self {
        Self { source: KeySource::Secret("fixed".into()), aws: None, key: OnceCell::new_with(Some(key)) }
    }

    /// The key, loaded on the first call. A failure is not cached: the
    /// next call tries again (the caller keeps its mail pending).
    pub async fn get(&self) -> Result<&SigningKey, KeyError> {
        self.key.get_or_try_init(|| self.load()).await
    }

    async fn load(&self) -> Result<SigningKey, KeyError> {
        let fail = |problem: String| KeyError { source_name: self.describe(), problem };
        let text = match &self.source {
            KeySource::File(path) => read_or_create(path).await.map_err(|e| fail(e.to_string()))?,
            KeySource::Secret(id) => {
                let aws = self.aws.as_ref().ok_or_else(|| fail("no AWS configuration".into()))?;
                // Within budgets::SECRETS_MANAGER; a request's send budget may cut it shorter.
                let out = crate::aws::secrets_manager(aws)
                    .get_secret_value()
                    .secret_id(id)
                    .send()
                    .await
                    .map_err(|e| fail(aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string()))?;
                out.secret_string().ok_or_else(|| fail("the secret has no text value".into()))?.to_owned()
            }
        };
        SigningKey::new(text.trim().as_bytes().to_vec()).map_err(fail)
    }

    fn describe(&self) -> String {
        match &self.source {
            KeySource::File(path) => format!("file {}", path.display()),
            KeySource::Secret(id) => format!("secret {id}"),
        }
    }
}

/// 32 random bytes as hex, written once with owner-only permissions;
/// `create_new` makes two processes starting together agree on one key.
async fn read_or_create(path: &std::path::Path) -> std::io::Result<String> {
    match tokio::fs::read_to_string(path).await {
        Ok(text) => return Ok(text),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let path_owned = path.to_path_buf();
    let written = tokio::task::spawn_blocking(move || {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path_owned)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })
    .await
    .map_err(std::io::Error::other)?;
    match written {
        Ok(()) | Err(_) => tokio::fs::read_to_string(path).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_file_is_made_once_and_then_kept() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("pickup.key");
        let first = KeyStore::new(KeySource::File(path.clone()), None);
        let a = first.get().await.unwrap().clone();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 64, "32 random bytes as hex");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let id = uuid::Uuid::new_v4();
        let expires = time::OffsetDateTime::now_utc() + time::Duration::days(1);
        let again = KeyStore::new(KeySource::File(path), None);
        let b = again.get().await.unwrap();
        assert_eq!(a.sign(id, expires), b.sign(id, expires), "a restart signs the same links");
    }

    #[tokio::test]
    async fn a_key_that_is_too_short_is_refused_with_where_it_came_from() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("pickup.key");
        std::fs::write(&path, "short").unwrap();
        let e = KeyStore::new(KeySource::File(path), None).get().await.unwrap_err().to_string();
        assert!(e.contains("pickup.key") && e.contains("at least 32 bytes"), "{e}");
    }
}
