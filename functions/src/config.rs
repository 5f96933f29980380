//! All settings, read once from the environment. The defaults run on any
//! laptop with nothing else installed (SQLite, mail written to files).

use std::path::PathBuf;
use std::str::FromStr;

use lettre::message::Mailbox;
use time::Duration;

use crate::pickup::{KeySource, PickupSettings};
/// Every variable `Settings::from_lookup` reads (`forms contract` prints
/// them; a test below keeps the list true). `RUST_LOG` is read by telemetry.
pub const VARIABLES: &[&str] = &[
    "DATA_DIR",
    "FORMS_STORE",
    "FORMS_TABLE",
    "FORMS_MAILER",
    "SMTP_URL",
    "MAIL_FROM",
    "RATE_LIMIT_PER_MINUTE",
    "SWEEP_INTERVAL_SECONDS",
    "RETENTION_DAYS",
    "PORT",
    "SITE_DIR",
    "ALLOWED_ORIGINS",
    "ORIGIN_SECRET",
    "SITE_URL",
    "PICKUP_KEY_SECRET_ID",
    "RUST_LOG",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    Sqlite { path: PathBuf },
    Dynamo { table: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailerConfig {
    /// One `.eml` file per mail.
    File { outbox: PathBuf },
    /// An SMTP server (local or self-hosted), lettre's URL form.
    Smtp { url: String },
    /// The SES v2 API, signed with the AWS credentials of the environment
    /// (on Lambda: the function's role). No login, no secret.
    Ses,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub store: StoreConfig,
    pub mailer: MailerConfig,
    pub data_dir: PathBuf,
    pub port: u16,
    pub site_dir: PathBuf,
    pub mail_from: Mailbox,
    /// Submissions per client per minute; `None` turns the limit off.
    pub rate_limit_per_minute: Option<u32>,
    pub sweep_interval: Duration,
    pub retention: Duration,
    /// Origins (`https://host`) other than our own that may post forms.
    pub allowed_origins: Vec<String>,
    /// Pickup links, reminders and escalation (`crate::pickup`).
    pub pickup: PickupSettings,
    /// The value CloudFront sends in `X-Origin-Verify`; on Lambda a request
    /// without it did not come through CloudFront and is refused.
    pub origin_secret: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {problem}")]
pub struct ConfigError {
    name: &'static str,
    problem: String,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `get`, so tests need not touch the process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| ".data".into()));
        let store = match get("FORMS_STORE").as_deref().unwrap_or("sqlite") {
            "sqlite" => StoreConfig::Sqlite { path: data_dir.join("forms.sqlite3") },
            "dynamodb" => StoreConfig::Dynamo { table: get("FORMS_TABLE").unwrap_or_else(|| "forms-submissions".into()) },
            other => {
                return Err(err("FORMS_STORE", format!("`{other}` is not `sqlite` or `dynamodb`")));
            }
        };
        let mailer = match get("FORMS_MAILER").as_deref().unwrap_or("file") {
            "file" => MailerConfig::File { outbox: data_dir.join("outbox") },
            "smtp" => MailerConfig::Smtp {
                url: get("SMTP_URL")
                    .ok_or_else(|| err("SMTP_URL", "is required with FORMS_MAILER=smtp, e.g. smtp://127.0.0.1:2525".into()))?,
            },
            "ses" => MailerConfig::Ses,
            other => return Err(err("FORMS_MAILER", format!("`{other}` is not `file`, `smtp` or `ses`"))),
        };
        let mail_from = get("MAIL_FROM").unwrap_or_else(|| "Steun voor gezinnen <noreply@example.org>".into());
        let mail_from = Mailbox::from_str(&mail_from)
            .map_err(|e| err("MAIL_FROM", format!("`{mail_from}` is not a mailbox like `Name <noreply@example.org>`: {e}")))?;
        let rate = number::<u32>(&get, "RATE_LIMIT_PER_MINUTE", 10)?;
        let sweep = number::<u32>(&get, "SWEEP_INTERVAL_SECONDS", 30)?;
        if sweep == 0 {
            return Err(err("SWEEP_INTERVAL_SECONDS", "must be at least 1".into()));
        }
        let retention_days = number::<u32>(&get, "RETENTION_DAYS", 365)?;
        if retention_days == 0 {
            return Err(err("RETENTION_DAYS", "must be at least 1".into()));
        }
        let port = number(&get, "PORT", 8080)?;
        let site_url = get("SITE_URL").unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
        let site_url = site_url.trim().trim_end_matches('/').to_owned();
        if !(site_url.starts_with("https://") || site_url.starts_with("http://")) {
            return Err(err("SITE_URL", format!("`{site_url}` is not an address like https://www.example.org")));
        }
        let key = match get("PICKUP_KEY_SECRET_ID") {
            Some(id) => KeySource::Secret(id),
            None => KeySource::File(data_dir.join("pickup.key")),
        };
        Ok(Self {
            store,
            mailer,
            port,
            pickup: PickupSettings { site_url, key },
            site_dir: PathBuf::from(get("SITE_DIR").unwrap_or_else(|| "site/public".into())),
            data_dir,
            mail_from,
            rate_limit_per_minute: (rate > 0).then_some(rate),
            sweep_interval: Duration::seconds(i64::from(sweep)),
            retention: Duration::days(i64::from(retention_days)),
            allowed_origins: get("ALLOWED_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            origin_secret: get("ORIGIN_SECRET"),
        })
    }
}

fn err(name: &'static str, problem: String) -> ConfigError {
    ConfigError { name, problem }
}

fn number<T: FromStr>(get: &impl Fn(&str) -> Option<String>, name: &'static str, default: T) -> Result<T, ConfigError> {
    match get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| err(name, format!("`{v}` is not a whole number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_run_on_a_laptop() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.store, StoreConfig::Sqlite { path: PathBuf::from(".data/forms.sqlite3") });
        assert_eq!(s.mailer, MailerConfig::File { outbox: PathBuf::from(".data/outbox") });
        assert_eq!(s.port, 8080);
        assert_eq!(s.rate_limit_per_minute, Some(10));
        assert_eq!(s.sweep_interval, Duration::seconds(30));
        assert_eq!(s.retention, Duration::days(365));
        assert_eq!(s.pickup.site_url, "http://127.0.0.1:8080");
        assert_eq!(s.pickup.key, KeySource::File(PathBuf::from(".data/pickup.key")));
    }

    #[test]
    fn pickup_links_use_the_site_address_and_the_stack_secret() {
        let s =
            settings(&[("SITE_URL", "https://www.example.org/"), ("PICKUP_KEY_SECRET_ID", "arn:x"), ("PORT", "8103")]).unwrap();
        assert_eq!(s.pickup.site_url, "https://www.example.org");
        assert_eq!(s.pickup.key, KeySource::Secret("arn:x".into()));
        assert_eq!(settings(&[("PORT", "8103")]).unwrap().pickup.site_url, "http://127.0.0.1:8103");
        let e = settings(&[("SITE_URL", "www.example.org")]).unwrap_err().to_string();
        assert!(e.starts_with("SITE_URL:"), "{e}");
    }

    #[test]
    fn variables_lists_exactly_what_is_read() {
        let asked = std::cell::RefCell::new(std::collections::BTreeSet::new());
        for mailer in ["file", "smtp", "ses"] {
            for store in ["sqlite", "dynamodb"] {
                let _ = Settings::from_lookup(|name| {
                    asked.borrow_mut().insert(name.to_owned());
                    match name {
                        "FORMS_MAILER" => Some(mailer.into()),
                        "FORMS_STORE" => Some(store.into()),
                        "SMTP_URL" => Some("smtp://127.0.0.1:2525".into()),
                        _ => None,
                    }
                });
            }
        }
        asked.borrow_mut().insert("RUST_LOG".into());
        let listed: std::collections::BTreeSet<String> = VARIABLES.iter().map(|v| v.to_string()).collect();
        assert_eq!(*asked.borrow(), listed);
    }

    #[test]
    fn zero_turns_the_rate_limit_off() {
        assert_eq!(settings(&[("RATE_LIMIT_PER_MINUTE", "0")]).unwrap().rate_limit_per_minute, None);
    }

    #[test]
    fn errors_name_the_variable_and_the_fix() {
        let e = settings(&[("FORMS_MAILER", "smtp")]).unwrap_err().to_string();
        assert!(e.starts_with("SMTP_URL:"), "{e}");
        let e = settings(&[("FORMS_STORE", "postgres")]).unwrap_err().to_string();
        assert!(e.contains("`postgres` is not `sqlite` or `dynamodb`"), "{e}");
        let e = settings(&[("PORT", "eighty")]).unwrap_err().to_string();
        assert!(e.starts_with("PORT:"), "{e}");
    }
}
