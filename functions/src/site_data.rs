//! What the site publishes for the form function, read while it runs: an
//! editor's change (a coordinator's address, a form page's text) is live
//! as soon as the site is, with no new function and no reviewer in the way
//! (docs/architecture.md, "Live site data"). Two kinds, under the keys of
//! the built site:
//! * `data/directory.toml`, the copy of site/data/directory.toml that
//!   `make site` publishes: who receives which form (`crate::routing`);
//! * the form pages (`contact/index.html`, ...), which the error page for
//!   browsers without JavaScript rewrites (`crate::pages`).
//!
//! Where from is configuration (`SITE_DATA`, see `SiteSource`). A read that
//! fails gives the last text read, or `None` (the callers then use the
//! copy built into the binary), and says so once per key and period: a
//! warning with the key (never a person's data) and the
//! `SiteDataUnavailable` metric.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_types::body::SdkBody;
use http_body_util::{BodyExt, Limited};
use time::OffsetDateTime;

use crate::budgets::{SITE_DATA, SITE_DATA_FRESH};
use crate::clock::Clock;
use crate::metrics;

/// The routing file's key in the built site (mk/site.mk copies it there).
pub const DIRECTORY_KEY: &str = "data/directory.toml";

/// The key of a built page at `path` (`/en/contact/` → `en/contact/index.html`).
pub fn page_key(path: &str) -> String {
    format!("{}index.html", path.trim_start_matches('/'))
}

/// Every key the function reads (`forms contract`): the routing and each
/// form page in each language.
pub fn keys() -> Vec<String> {
    use crate::domain::{FormKind, Lang};
    let pages = FormKind::ALL.iter().flat_map(|kind| Lang::ALL.iter().map(move |lang| page_key(kind.page_path(*lang))));
    std::iter::once(DIRECTORY_KEY.to_owned()).chain(pages).collect()
}

/// Far more than any page or data file of the site (a form page is about 30 kB).
const MAX_BYTES: usize = 1024 * 1024;

/// Where the site's data is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteSource {
    /// A built site on disk (`site/public`): every read sees the file as it
    /// is now, so a change in `make edit` shows at once.
    Dir(PathBuf),
    /// The published site's address (`https://www.example.org`), on
    /// Lambda: read through CloudFront within `budgets::SITE_DATA`, each
    /// answer kept for `budgets::SITE_DATA_FRESH`.
    Url(String),
    /// Nothing to read: only what is built into the binary.
    Builtin,
}

impl SiteSource {
    /// `SITE_DATA` as given: an `http(s)://` address, `builtin`, or a folder.
    pub fn parse(value: &str) -> Self {
        let value = value.trim();
        if value.starts_with("https://") || value.starts_with("http://") {
            SiteSource::Url(value.trim_end_matches('/').to_owned())
        } else if value == "builtin" {
            SiteSource::Builtin
        } else {
            SiteSource::Dir(PathBuf::from(value))
        }
    }

    /// Without `SITE_DATA`: the site this process serves, if it is built.
    pub fn default_for(site_dir: &std::path::Path) -> Self {
        if site_dir.join("index.html").is_file() { SiteSource::Dir(site_dir.to_owned()) } else { SiteSource::Builtin }
    }
}

pub struct SiteData {
    source: SiteSource,
    connector: Option<aws_smithy_http_client::Connector>,
    clock: Arc<dyn Clock>,
    /// What each key of a `Url` source answered last, and when.
    kept: Mutex<HashMap<String, Kept>>,
}

struct Kept {
    /// The last text read; a failed read keeps the one before it.
    text: Option<Arc<str>>,
    at: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
enum ReadError {
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("{0}")]
    Failed(String),
}

impl SiteData {
    pub fn new(source: SiteSource, clock: Arc<dyn Clock>) -> Self {
        let connector = matches!(source, SiteSource::Url(_)).then(crate::aws::site_connector);
        Self { source, connector, clock, kept: Mutex::new(HashMap::new()) }
    }

    pub fn source(&self) -> &SiteSource {
        &self.source
    }

    /// The text under `key`, or `None` when there is nothing to read.
    pub async fn read(&self, key: &str) -> Option<Arc<str>> {
        match &self.source {
            SiteSource::Builtin => None,
            SiteSource::Dir(dir) => match tokio::fs::read_to_string(dir.join(key)).await {
                Ok(text) => Some(text.into()),
                Err(e) => {
                    unavailable(key, &e.to_string(), false);
                    None
                }
            },
            SiteSource::Url(base) => self.read_kept(base, key).await,
        }
    }

    async fn read_kept(&self, base: &str, key: &str) -> Option<Arc<str>> {
        let now = self.clock.now();
        let before = {
            let kept = self.lock();
            match kept.get(key) {
                // A clock set back counts as fresh: no storm of reads.
                Some(kept) if now - kept.at < SITE_DATA_FRESH => return kept.text.clone(),
                Some(kept) => kept.text.clone(),
                None => None,
            }
        };
        let text = match self.fetch(base, key).await {
            Ok(text) => Some(Arc::from(text)),
            Err(e) => {
                unavailable(key, &e.to_string(), before.is_some());
                before
            }
        };
        self.lock().insert(key.to_owned(), Kept { text: text.clone(), at: now });
        text
    }

    /// One GET, bounded as a whole by `SITE_DATA.operation`; only a 200
    /// with a UTF-8 body counts.
    async fn fetch(&self, base: &str, key: &str) -> Result<String, ReadError> {
        let connector = self.connector.as_ref().ok_or_else(|| ReadError::Failed("no HTTP connector".into()))?;
        let request =
            http::Request::get(format!("{base}/{key}")).body(SdkBody::empty()).map_err(|e| ReadError::Failed(e.to_string()))?;
        let request = aws_smithy_runtime_api::http::Request::try_from(request).map_err(|e| ReadError::Failed(e.to_string()))?;
        let read = async {
            let response = connector.call(request).await.map_err(|e| ReadError::Failed(e.to_string()))?;
            let status = response.status().as_u16();
            if status != 200 {
                return Err(ReadError::Status(status));
            }
            let body = Limited::new(response.into_body(), MAX_BYTES)
                .collect()
                .await
                .map_err(|e| ReadError::Failed(format!("reading the body: {e}")))?
                .to_bytes();
            String::from_utf8(body.to_vec()).map_err(|_| ReadError::Failed("not UTF-8 text".into()))
        };
        tokio::time::timeout(SITE_DATA.operation, read).await.map_err(|_| ReadError::Timeout(SITE_DATA.operation))?
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kept>> {
        // Only whole entries are ever written: a panic elsewhere left a valid map.
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A read that failed: a warning by key (no URL parts beyond the key, no
/// person's data) and the metric an operator's dashboard counts.
pub(crate) fn unavailable(key: &str, reason: &str, kept_last: bool) {
    let using = if kept_last { "the last copy read" } else { "the copy built into the function" };
    tracing::warn!(key, reason, using, "site data unavailable");
    metrics::count(metrics::SITE_DATA_UNAVAILABLE, 1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_is_named_by_one_variable() {
        assert_eq!(SiteSource::parse("https://www.example.org/"), SiteSource::Url("https://www.example.org".into()));
        assert_eq!(SiteSource::parse("http://127.0.0.1:18400"), SiteSource::Url("http://127.0.0.1:18400".into()));
        assert_eq!(SiteSource::parse("builtin"), SiteSource::Builtin);
        assert_eq!(SiteSource::parse("site/public"), SiteSource::Dir("site/public".into()));
    }

    #[test]
    fn without_a_built_site_only_the_builtin_copies_are_used() {
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(SiteSource::default_for(empty.path()), SiteSource::Builtin);
        std::fs::write(empty.path().join("index.html"), "<!doctype html>").unwrap();
        assert_eq!(SiteSource::default_for(empty.path()), SiteSource::Dir(empty.path().to_owned()));
    }
}
