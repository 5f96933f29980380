//! Settings from the environment, read once at start-up. Nothing here
//! touches the network: the OAuth app's credentials are read from Secrets
//! Manager on first use (`credentials.rs`), never at a cold start.

use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("{0} is not set. {1}")]
    Missing(&'static str, &'static str),
    #[error("{name} = `{value}` is not usable: {why}")]
    Invalid { name: &'static str, value: String, why: &'static str },
}

/// Every variable `from_lookup` reads, and `RUST_LOG` (the logs).
pub const VARIABLES: [&str; 5] = ["SITE_URL", "CMS_OAUTH_SECRET_ID", "GITHUB_URL", "PORT", "RUST_LOG"];
/// The ones without a default: the template must set them.
pub const REQUIRED: [&str; 2] = ["SITE_URL", "CMS_OAUTH_SECRET_ID"];

#[derive(Clone, Debug)]
pub struct Settings {
    /// The site's own origin (`https://www.example.org`): the callback
    /// address is built from it, and the token goes only to a page there.
    pub site_origin: String,
    /// Secrets Manager secret with `{"client_id", "client_secret"}`.
    pub secret_id: String,
    /// Where GitHub is; a local stand-in in tests.
    pub github_url: String,
    /// How long a sign-in may take from the editor's click to GitHub's answer.
    pub state_lifetime: Duration,
    pub port: u16,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let site_url = get("SITE_URL").ok_or(ConfigError::Missing(
            "SITE_URL",
            "Set it to the site's own address, e.g. https://www.example.org (the template does this).",
        ))?;
        let site_origin = origin("SITE_URL", &site_url)?;
        let secret_id = get("CMS_OAUTH_SECRET_ID").ok_or(ConfigError::Missing(
            "CMS_OAUTH_SECRET_ID",
            "Set it to the Secrets Manager secret with the GitHub OAuth app's client_id and client_secret.",
        ))?;
        let github_url = origin("GITHUB_URL", &get("GITHUB_URL").unwrap_or_else(|| "https://github.com".into()))?;
        let port = match get("PORT") {
            None => 8082,
            Some(p) => p.parse().map_err(|_| ConfigError::Invalid { name: "PORT", value: p, why: "not a port number" })?,
        };
        Ok(Settings { site_origin, secret_id, github_url, state_lifetime: Duration::from_secs(600), port })
    }

    pub fn callback_url(&self) -> String {
        format!("{}{}", self.site_origin, crate::routes::CALLBACK_PATH)
    }
}

/// `scheme://host[:port]` without a trailing slash. Plain http only on the
/// loopback address (tests, a laptop); everything else must be https.
fn origin(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let invalid = |why| ConfigError::Invalid { name, value: value.to_owned(), why };
    let trimmed = value.trim().trim_end_matches('/');
    let (scheme, host) = trimmed.split_once("://").ok_or_else(|| invalid("it needs https:// in front"))?;
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
        return Err(invalid("give only the address, e.g. https://www.example.org, without a path"));
    }
    let loopback = host.starts_with("127.0.0.1") || host.starts_with("localhost") || host.starts_with("[::1]");
    match scheme {
        "https" => Ok(trimmed.to_owned()),
        "http" if loopback => Ok(trimmed.to_owned()),
        _ => Err(invalid("it must start with https:// (plain http only on 127.0.0.1)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn variables_lists_exactly_what_is_read() {
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let _ = Settings::from_lookup(|name| {
            asked.borrow_mut().insert(name.to_owned());
            Some(match name {
                "PORT" => "8082".into(),
                _ => "https://www.example.org".into(),
            })
        });
        asked.borrow_mut().insert("RUST_LOG".into());
        let listed: std::collections::BTreeSet<String> = VARIABLES.iter().map(|v| v.to_string()).collect();
        assert_eq!(*asked.borrow(), listed);
        for name in REQUIRED {
            let e = Settings::from_lookup(|n| (n != name).then(|| "https://www.example.org".to_owned())).unwrap_err();
            assert!(e.to_string().starts_with(&format!("{name} is not set")), "{e}");
        }
    }

    #[test]
    fn the_callback_is_on_the_sites_own_origin() {
        let s = settings(&[("SITE_URL", "https://www.example.org/"), ("CMS_OAUTH_SECRET_ID", "x")]).unwrap();
        assert_eq!(s.site_origin, "https://www.example.org");
        assert_eq!(s.callback_url(), "https://www.example.org/api/cms/callback");
        assert_eq!(s.github_url, "https://github.com");
    }

    #[test]
    fn missing_or_unsafe_addresses_are_refused_with_the_fix() {
        let missing = settings(&[("CMS_OAUTH_SECRET_ID", "x")]).unwrap_err();
        assert!(missing.to_string().contains("SITE_URL is not set"), "{missing}");
        for bad in ["http://www.example.org", "www.example.org", "https://www.example.org/admin/"] {
            let e = settings(&[("SITE_URL", bad), ("CMS_OAUTH_SECRET_ID", "x")]).unwrap_err();
            assert!(matches!(e, ConfigError::Invalid { name: "SITE_URL", .. }), "{bad}: {e}");
        }
        let local = settings(&[("SITE_URL", "http://127.0.0.1:8108"), ("CMS_OAUTH_SECRET_ID", "x")]).unwrap();
        assert_eq!(local.site_origin, "http://127.0.0.1:8108");
    }
}
