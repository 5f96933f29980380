//! Settings from the environment, read once at start-up. Nothing here
//! touches the network: secrets are read on first use (`secrets.rs`).

use std::path::PathBuf;

use lettre::message::Mailbox;

use crate::secrets::{Redacted, Source};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("{0} is not set. {1}")]
    Missing(&'static str, &'static str),
    #[error("{name} = `{value}` is not usable: {why}")]
    Invalid { name: &'static str, value: String, why: String },
}

/// Every variable `from_lookup` reads, and `RUST_LOG` (the logs).
pub const VARIABLES: [&str; 20] = [
    "SITE_URL",
    "CMS_SIGN_IN",
    "CMS_REPOSITORY",
    "CMS_WORKTREE",
    "GITHUB_API_URL",
    "GITHUB_REPOSITORY",
    "CMS_BRANCH",
    "CMS_PUBLISH_WORKFLOW",
    "CMS_GITHUB_APP_SECRET_ID",
    "CMS_GITHUB_APP_FILE",
    "CMS_STORE",
    "CMS_TABLE",
    "CMS_KEY_SECRET_ID",
    "CMS_MAILER",
    "DATA_DIR",
    "MAIL_FROM",
    "OPERATOR_EMAIL",
    "ORIGIN_SECRET",
    "PORT",
    "RUST_LOG",
];
/// What the template must set for the function on AWS.
pub const REQUIRED_ON_AWS: [&str; 10] = [
    "SITE_URL",
    "CMS_REPOSITORY",
    "GITHUB_REPOSITORY",
    "CMS_GITHUB_APP_SECRET_ID",
    "CMS_STORE",
    "CMS_TABLE",
    "CMS_KEY_SECRET_ID",
    "CMS_MAILER",
    "MAIL_FROM",
    "ORIGIN_SECRET",
];
/// The values these must have there.
pub const ON_AWS: [(&str, &str); 4] =
    [("CMS_REPOSITORY", "github"), ("CMS_STORE", "dynamodb"), ("CMS_MAILER", "ses"), ("CMS_SIGN_IN", "email")];

#[derive(Clone, Debug, PartialEq)]
pub enum RepositoryConfig {
    /// The repository on GitHub, through the App.
    GitHub { api: String, repository: String, app: Source },
    /// The files of a checkout, no commit (`make edit`).
    Worktree { root: PathBuf },
}

#[derive(Clone, Debug, PartialEq)]
pub enum StoreConfig {
    Sqlite { path: PathBuf },
    Dynamo { table: String },
}

impl StoreConfig {
    /// Only what `cms-auth editors` needs: CMS_STORE, CMS_TABLE, DATA_DIR.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| ".data".into()));
        match get("CMS_STORE").as_deref().unwrap_or("sqlite") {
            "sqlite" => Ok(StoreConfig::Sqlite { path: data_dir.join("cms.sqlite3") }),
            "dynamodb" => Ok(StoreConfig::Dynamo {
                table: get("CMS_TABLE").ok_or(ConfigError::Missing(
                    "CMS_TABLE",
                    "Set it to the editors' table (the CmsTableName output of the stack).",
                ))?,
            }),
            other => {
                Err(ConfigError::Invalid { name: "CMS_STORE", value: other.into(), why: "use `sqlite` or `dynamodb`".into() })
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum MailerConfig {
    File { outbox: PathBuf },
    Ses,
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// The site's own origin (`https://www.example.org`): links in mail,
    /// the Origin every post must come from, Secure cookies.
    pub site_origin: String,
    /// False only for `make edit` on a checkout: one person, 127.0.0.1.
    pub sign_in: bool,
    pub repository: RepositoryConfig,
    pub branch: String,
    pub publish_workflow: String,
    pub store: StoreConfig,
    pub key: Source,
    pub mailer: MailerConfig,
    pub mail_from: Mailbox,
    pub operator: Option<Mailbox>,
    /// What CloudFront sends in X-Origin-Verify (required on Lambda).
    pub origin_secret: Option<Redacted>,
    pub port: u16,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let invalid = |name: &'static str, value: &str, why: &str| ConfigError::Invalid {
            name,
            value: value.to_owned(),
            why: why.to_owned(),
        };
        let site_url = get("SITE_URL").ok_or(ConfigError::Missing(
            "SITE_URL",
            "Set it to the site's own address, e.g. https://www.example.org (the template and make edit do this).",
        ))?;
        let site_origin = origin("SITE_URL", &site_url)?;
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| ".data".into()));
        let repository = match get("CMS_REPOSITORY").as_deref().unwrap_or("github") {
            "github" => RepositoryConfig::GitHub {
                api: origin("GITHUB_API_URL", &get("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()))?,
                repository: repository_name(get("GITHUB_REPOSITORY"))?,
                app: match (get("CMS_GITHUB_APP_SECRET_ID"), get("CMS_GITHUB_APP_FILE")) {
                    (Some(id), _) => Source::Secret(id),
                    (None, Some(file)) => Source::File(file.into()),
                    (None, None) => {
                        return Err(ConfigError::Missing(
                            "CMS_GITHUB_APP_SECRET_ID",
                            "Set it to the secret with the GitHub App's app_id, private_key and webhook_secret \
                             (or CMS_GITHUB_APP_FILE to such a JSON file locally).",
                        ));
                    }
                },
            },
            "worktree" => RepositoryConfig::Worktree { root: get("CMS_WORKTREE").unwrap_or_else(|| ".".into()).into() },
            other => return Err(invalid("CMS_REPOSITORY", other, "use `github` or `worktree`")),
        };
        let sign_in = match get("CMS_SIGN_IN").as_deref().unwrap_or("email") {
            "email" => true,
            "off" if matches!(repository, RepositoryConfig::Worktree { .. }) && site_origin.starts_with("http://") => false,
            "off" => {
                return Err(invalid(
                    "CMS_SIGN_IN",
                    "off",
                    "sign-in can be off only for a checkout on this computer (CMS_REPOSITORY=worktree, SITE_URL on http://127.0.0.1)",
                ));
            }
            other => return Err(invalid("CMS_SIGN_IN", other, "use `email` or `off`")),
        };
        let store = StoreConfig::from_lookup(&get)?;
        let key = match get("CMS_KEY_SECRET_ID") {
            Some(id) => Source::Secret(id),
            None => Source::File(data_dir.join("cms-signing.key")),
        };
        let mailer = match get("CMS_MAILER").as_deref().unwrap_or("file") {
            "file" => MailerConfig::File { outbox: data_dir.join("outbox") },
            "ses" => MailerConfig::Ses,
            other => return Err(invalid("CMS_MAILER", other, "use `file` or `ses`")),
        };
        let mailbox = |name: &'static str, value: String| {
            value.parse::<Mailbox>().map_err(|_| invalid(name, &value, "not a mailbox like `Name <noreply@example.org>`"))
        };
        let mail_from =
            mailbox("MAIL_FROM", get("MAIL_FROM").unwrap_or_else(|| "Steun voor gezinnen <noreply@example.org>".into()))?;
        let operator = get("OPERATOR_EMAIL").map(|v| mailbox("OPERATOR_EMAIL", v)).transpose()?;
        let port = match get("PORT") {
            None => 8082,
            Some(p) => p.parse().map_err(|_| invalid("PORT", &p, "not a port number"))?,
        };
        Ok(Settings {
            site_origin,
            sign_in,
            repository,
            branch: get("CMS_BRANCH").unwrap_or_else(|| "main".into()),
            publish_workflow: get("CMS_PUBLISH_WORKFLOW").unwrap_or_else(|| "publish.yml".into()),
            store,
            key,
            mailer,
            mail_from,
            operator,
            origin_secret: get("ORIGIN_SECRET").map(Redacted),
            port,
        })
    }
}

fn repository_name(value: Option<String>) -> Result<String, ConfigError> {
    let value = value.ok_or(ConfigError::Missing("GITHUB_REPOSITORY", "Set it to the site's repository as owner/name."))?;
    let part_ok = |p: &str| {
        !p.is_empty() && !p.starts_with('.') && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match value.split_once('/') {
        Some((owner, name)) if part_ok(owner) && part_ok(name) => Ok(value),
        _ => Err(ConfigError::Invalid { name: "GITHUB_REPOSITORY", value, why: "write it as owner/name".into() }),
    }
}

/// `scheme://host[:port]` without a trailing slash. Plain http only on the
/// loopback address (tests, a laptop); everything else must be https.
fn origin(name: &'static str, value: &str) -> Result<String, ConfigError> {
    let invalid = |why: &str| ConfigError::Invalid { name, value: value.to_owned(), why: why.to_owned() };
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

    const AWS: [(&str, &str); 10] = [
        ("SITE_URL", "https://www.example.org/"),
        ("CMS_REPOSITORY", "github"),
        ("GITHUB_REPOSITORY", "org/site"),
        ("CMS_GITHUB_APP_SECRET_ID", "arn:aws:secretsmanager:eu-west-1:1:secret:app"),
        ("CMS_STORE", "dynamodb"),
        ("CMS_TABLE", "cms"),
        ("CMS_KEY_SECRET_ID", "arn:aws:secretsmanager:eu-west-1:1:secret:key"),
        ("CMS_MAILER", "ses"),
        ("MAIL_FROM", "Steun <noreply@example.org>"),
        ("ORIGIN_SECRET", "very-secret-value"),
    ];

    #[test]
    fn variables_lists_exactly_what_is_read() {
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let _ = Settings::from_lookup(|name| {
            asked.borrow_mut().insert(name.to_owned());
            AWS.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()).or_else(|| match name {
                "OPERATOR_EMAIL" => Some("ops@example.org".into()),
                "PORT" => Some("8082".into()),
                _ => None,
            })
        });
        asked.borrow_mut().extend(["RUST_LOG".to_owned(), "CMS_GITHUB_APP_FILE".into(), "CMS_WORKTREE".into()]);
        let listed: std::collections::BTreeSet<String> = VARIABLES.iter().map(|v| v.to_string()).collect();
        assert_eq!(*asked.borrow(), listed);
    }

    #[test]
    fn the_aws_settings_and_a_debug_print_that_keeps_the_secret() {
        let s = settings(&AWS).unwrap();
        assert_eq!(s.site_origin, "https://www.example.org");
        assert!(s.sign_in);
        assert_eq!(s.store, StoreConfig::Dynamo { table: "cms".into() });
        assert_eq!(s.branch, "main");
        assert!(matches!(&s.repository, RepositoryConfig::GitHub { api, .. } if api == "https://api.github.com"));
        assert!(!format!("{s:?}").contains("very-secret-value"));
        for (name, value) in ON_AWS {
            let got = AWS.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).unwrap_or("email");
            assert_eq!(got, value, "{name}");
        }
    }

    #[test]
    fn sign_in_is_off_only_for_a_local_checkout() {
        let local =
            settings(&[("SITE_URL", "http://127.0.0.1:8080"), ("CMS_REPOSITORY", "worktree"), ("CMS_SIGN_IN", "off")]).unwrap();
        assert!(!local.sign_in);
        let mut aws: Vec<(&str, &str)> = AWS.to_vec();
        aws.push(("CMS_SIGN_IN", "off"));
        assert!(matches!(settings(&aws), Err(ConfigError::Invalid { name: "CMS_SIGN_IN", .. })));
    }

    #[test]
    fn missing_or_unsafe_values_are_refused_with_the_fix() {
        let e = settings(&[("CMS_REPOSITORY", "worktree")]).unwrap_err();
        assert!(e.to_string().contains("SITE_URL is not set"), "{e}");
        for bad in ["http://www.example.org", "www.example.org", "https://www.example.org/admin/"] {
            let e = settings(&[("SITE_URL", bad), ("CMS_REPOSITORY", "worktree")]).unwrap_err();
            assert!(matches!(e, ConfigError::Invalid { name: "SITE_URL", .. }), "{bad}: {e}");
        }
        let e = settings(&[("SITE_URL", "https://x.example.org"), ("GITHUB_REPOSITORY", "../x"), ("CMS_GITHUB_APP_FILE", "a")])
            .unwrap_err();
        assert!(matches!(e, ConfigError::Invalid { name: "GITHUB_REPOSITORY", .. }), "{e}");
        let e = settings(&[
            ("SITE_URL", "https://x.example.org"),
            ("GITHUB_REPOSITORY", "o/n"),
            ("GITHUB_API_URL", "http://evil.example.org"),
            ("CMS_GITHUB_APP_FILE", "a"),
        ])
        .unwrap_err();
        assert!(matches!(e, ConfigError::Invalid { name: "GITHUB_API_URL", .. }), "{e}");
    }
}
