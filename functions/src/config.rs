//! All settings, read once from the environment. The defaults run on any
//! laptop with nothing else installed (SQLite, mail written to files).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lettre::message::Mailbox;
use time::Duration;

use crate::pickup::{KeySource, PickupSettings};
use crate::site_data::SiteSource;

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
    "SITE_DATA",
    "ALLOWED_ORIGINS",
    "ORIGIN_SECRET",
    "SITE_URL",
    "PICKUP_KEY_SECRET_ID",
    "RUST_LOG",
];

/// What production needs beyond the laptop defaults. The Lambda build
/// refuses to start on Lambda without each of them, naming every one that
/// is missing at once; `forms contract` lists them (`required_on_lambda`),
/// and infra/checks/contracts.py finds each in the template's function.
pub const REQUIRED_ON_LAMBDA: [Required; 9] = [
    Required { name: "FORMS_STORE", value: Some("dynamodb"), why: "the Lambda build keeps forms in DynamoDB only" },
    Required { name: "FORMS_MAILER", value: Some("ses"), why: "mail written to Lambda's disk reaches nobody" },
    Required { name: "FORMS_TABLE", value: None, why: "the stack's DynamoDB table" },
    Required { name: "MAIL_FROM", value: None, why: "the stack's mail identity, the only sender SES accepts" },
    Required { name: "SITE_URL", value: None, why: "the site's address; without it pickup links point at 127.0.0.1" },
    Required {
        name: "SITE_DATA",
        value: None,
        why: "where the published site is read (its address): without it an editor's change of a coordinator's address \
              or a form page never reaches the forms",
    },
    Required {
        name: "PICKUP_KEY_SECRET_ID",
        value: None,
        why: "the key of pickup links; without it the key file sits on a read-only disk and every coordinator mail waits",
    },
    Required {
        name: crate::lambda::ORIGIN_SECRET_VARIABLE,
        value: None,
        why: "the value CloudFront sends in X-Origin-Verify; requests without it are refused",
    },
    Required {
        name: "ALLOWED_ORIGINS",
        value: None,
        why: "the site's addresses; API Gateway's host is not the site's, so without them every browser post is refused",
    },
];

/// One variable production needs, with the value it must have, if one.
#[derive(Debug, Clone, Copy)]
pub struct Required {
    pub name: &'static str,
    pub value: Option<&'static str>,
    why: &'static str,
}

impl Required {
    /// What is wrong with `given` for production, if anything.
    fn problem(&self, given: Option<&str>) -> Option<String> {
        let Self { name, value, why } = self;
        match (given, value) {
            (None, Some(value)) => Some(format!("{name} is not set; set it to `{value}`: {why}")),
            (None, None) => Some(format!("{name} is not set: {why}")),
            (Some(given), Some(value)) if given.trim() != *value => {
                Some(format!("{name} is `{given}`; set it to `{value}`: {why}"))
            }
            _ => None,
        }
    }
}

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
    Smtp { url: SmtpUrl },
    /// The SES v2 API, signed with the AWS credentials of the environment
    /// (on Lambda: the function's role). No login, no secret.
    Ses,
}

/// A value that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// lettre's SMTP URL (`smtps://user:password@host:port`). It may hold a
/// login: `Debug` and `server` show only where it points.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The host and port, without scheme or login.
    pub fn server(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, rest)| rest);
        rest.rsplit_once('@').map_or(rest, |(_, server)| server)
    }
}

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SmtpUrl({:?})", self.server())
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub store: StoreConfig,
    pub mailer: MailerConfig,
    pub data_dir: PathBuf,
    pub port: u16,
    pub site_dir: PathBuf,
    /// Where the routing and the form pages are read while running
    /// (`SITE_DATA`); `None`: the served site, if built (`site_source`).
    pub site_data: Option<SiteSource>,
    pub mail_from: Mailbox,
    /// Submissions per client per minute; `None` turns the limit off.
    pub rate_limit_per_minute: Option<u32>,
    pub sweep_interval: Duration,
    pub retention: Duration,
    /// Origins (`https://host`) other than our own that may post forms.
    pub allowed_origins: Vec<String>,
    /// Pickup links (`crate::pickup`); the follow-up's working days are in
    /// site/data/directory.toml (`crate::directory`).
    pub pickup: PickupSettings,
    /// The value CloudFront sends in `X-Origin-Verify`; on Lambda a request
    /// without it did not come through CloudFront and is refused.
    pub origin_secret: Option<Secret>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {problem}")]
    Invalid { name: &'static str, problem: String },
    #[error("not what AWS Lambda needs (infra/template.yaml sets all of it):\n  {}", .0.join("\n  "))]
    NotForLambda(Vec<String>),
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(from_process_env)
    }

    /// As `from_env`, for the Lambda build starting on Lambda: see
    /// `REQUIRED_ON_LAMBDA`.
    pub fn from_env_on_lambda() -> Result<Self, ConfigError> {
        Self::from_lookup_on_lambda(from_process_env)
    }

    pub fn from_lookup_on_lambda(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let problems: Vec<String> =
            REQUIRED_ON_LAMBDA.iter().filter_map(|required| required.problem(get(required.name).as_deref())).collect();
        if !problems.is_empty() {
            return Err(ConfigError::NotForLambda(problems));
        }
        Self::from_lookup(get)
    }

    /// Reads settings through `get`, so tests need not touch the process env.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(get);
        let data_dir = PathBuf::from(env.text("DATA_DIR").unwrap_or_else(|| ".data".into()));
        let port = env.number("PORT", 8080)?;
        Ok(Self {
            store: store(&env, &data_dir)?,
            mailer: mailer(&env, &data_dir)?,
            mail_from: mail_from(&env)?,
            rate_limit_per_minute: Some(env.number("RATE_LIMIT_PER_MINUTE", 10)?).filter(|&rate| rate > 0),
            sweep_interval: Duration::seconds(env.at_least_one("SWEEP_INTERVAL_SECONDS", 30)?.into()),
            retention: Duration::days(env.at_least_one("RETENTION_DAYS", 365)?.into()),
            pickup: pickup(&env, &data_dir, port)?,
            site_dir: PathBuf::from(env.text("SITE_DIR").unwrap_or_else(|| "site/public".into())),
            site_data: env.text("SITE_DATA").map(|v| SiteSource::parse(&v)),
            allowed_origins: allowed_origins(&env),
            origin_secret: env.text("ORIGIN_SECRET").map(Secret),
            port,
            data_dir,
        })
    }
}

impl Settings {
    /// Where the site's data comes from: `SITE_DATA`, or else the site this
    /// process serves when it is built, or else only the built-in copies.
    pub fn site_source(&self) -> SiteSource {
        self.site_data.clone().unwrap_or_else(|| SiteSource::default_for(&self.site_dir))
    }
}

fn from_process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The variables, through the lookup `from_lookup` was given.
struct Env<F>(F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn text(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    fn number<T: FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError> {
        match self.text(name) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| err(name, format!("`{v}` is not a whole number"))),
        }
    }

    fn at_least_one(&self, name: &'static str, default: u32) -> Result<u32, ConfigError> {
        match self.number(name, default)? {
            0 => Err(err(name, "must be at least 1".into())),
            n => Ok(n),
        }
    }
}

fn store<F: Fn(&str) -> Option<String>>(env: &Env<F>, data_dir: &Path) -> Result<StoreConfig, ConfigError> {
    match env.text("FORMS_STORE").as_deref().unwrap_or("sqlite") {
        "sqlite" => Ok(StoreConfig::Sqlite { path: data_dir.join("forms.sqlite3") }),
        "dynamodb" => Ok(StoreConfig::Dynamo { table: env.text("FORMS_TABLE").unwrap_or_else(|| "forms-submissions".into()) }),
        other => Err(err("FORMS_STORE", format!("`{other}` is not `sqlite` or `dynamodb`"))),
    }
}

fn mailer<F: Fn(&str) -> Option<String>>(env: &Env<F>, data_dir: &Path) -> Result<MailerConfig, ConfigError> {
    match env.text("FORMS_MAILER").as_deref().unwrap_or("file") {
        "file" => Ok(MailerConfig::File { outbox: data_dir.join("outbox") }),
        "smtp" => match env.text("SMTP_URL") {
            Some(url) => Ok(MailerConfig::Smtp { url: SmtpUrl(url) }),
            None => Err(err("SMTP_URL", "is required with FORMS_MAILER=smtp, e.g. smtp://127.0.0.1:2525".into())),
        },
        "ses" => Ok(MailerConfig::Ses),
        other => Err(err("FORMS_MAILER", format!("`{other}` is not `file`, `smtp` or `ses`"))),
    }
}

fn mail_from<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Mailbox, ConfigError> {
    let text = env.text("MAIL_FROM").unwrap_or_else(|| "Steun voor gezinnen <noreply@example.org>".into());
    Mailbox::from_str(&text)
        .map_err(|e| err("MAIL_FROM", format!("`{text}` is not a mailbox like `Name <noreply@example.org>`: {e}")))
}

fn pickup<F: Fn(&str) -> Option<String>>(env: &Env<F>, data_dir: &Path, port: u16) -> Result<PickupSettings, ConfigError> {
    let site_url = env.text("SITE_URL").unwrap_or_else(|| format!("http://127.0.0.1:{port}"));
    let site_url = site_url.trim().trim_end_matches('/').to_owned();
    if !(site_url.starts_with("https://") || site_url.starts_with("http://")) {
        return Err(err("SITE_URL", format!("`{site_url}` is not an address like https://www.example.org")));
    }
    let key = match env.text("PICKUP_KEY_SECRET_ID") {
        Some(id) => KeySource::Secret(id),
        None => KeySource::File(data_dir.join("pickup.key")),
    };
    Ok(PickupSettings { site_url, key })
}

fn allowed_origins<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Vec<String> {
    let Some(list) = env.text("ALLOWED_ORIGINS") else { return Vec::new() };
    list.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect()
}

fn err(name: &'static str, problem: String) -> ConfigError {
    ConfigError::Invalid { name, problem }
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
        assert_eq!(s.site_data, None, "the served site, if built");
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

    /// The function's environment as infra/template.yaml gives it.
    const PRODUCTION: [(&str, &str); 9] = [
        ("FORMS_STORE", "dynamodb"),
        ("FORMS_MAILER", "ses"),
        ("FORMS_TABLE", "forms-submissions"),
        ("MAIL_FROM", "Steun voor gezinnen <noreply@mail.example.org>"),
        ("SITE_URL", "https://www.example.org"),
        ("SITE_DATA", "https://www.example.org"),
        ("PICKUP_KEY_SECRET_ID", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pickup-key"),
        ("ORIGIN_SECRET", "5f0c7d1e-origin"),
        ("ALLOWED_ORIGINS", "https://www.example.org"),
    ];

    fn on_lambda(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup_on_lambda(|k| env.get(k).cloned())
    }

    #[test]
    fn lambda_starts_with_what_the_template_gives_it() {
        let s = on_lambda(&PRODUCTION).unwrap();
        assert_eq!(s.store, StoreConfig::Dynamo { table: "forms-submissions".into() });
        assert_eq!(s.mailer, MailerConfig::Ses);
        assert_eq!(s.pickup.site_url, "https://www.example.org");
        assert_eq!(s.origin_secret.as_ref().map(Secret::expose), Some("5f0c7d1e-origin"));
        assert_eq!(s.site_source(), SiteSource::Url("https://www.example.org".into()));
    }

    #[test]
    fn lambda_refuses_to_start_naming_everything_missing_at_once() {
        let without = |names: &[&str]| -> Vec<(&str, &str)> {
            PRODUCTION.iter().copied().filter(|(name, _)| !names.contains(name)).collect()
        };
        let e = on_lambda(&without(&["SITE_URL", "PICKUP_KEY_SECRET_ID"])).unwrap_err().to_string();
        assert!(e.contains("SITE_URL is not set") && e.contains("127.0.0.1"), "{e}");
        assert!(e.contains("PICKUP_KEY_SECRET_ID is not set"), "{e}");
        assert_eq!(e.lines().count(), 3, "a heading and one line per variable: {e}");
        // The laptop defaults are no use on Lambda either.
        let e = on_lambda(&[]).unwrap_err().to_string();
        for required in REQUIRED_ON_LAMBDA {
            assert!(e.contains(&format!("{} is not set", required.name)), "{e}");
        }
        let mut file_mail = without(&["FORMS_MAILER"]);
        file_mail.push(("FORMS_MAILER", "file"));
        let e = on_lambda(&file_mail).unwrap_err().to_string();
        assert!(e.contains("FORMS_MAILER is `file`; set it to `ses`"), "{e}");
        assert!(on_lambda(&without(&[])).is_ok());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let mut env = PRODUCTION.to_vec();
        env.retain(|(name, _)| *name != "FORMS_MAILER");
        env.extend([("FORMS_MAILER", "smtp"), ("SMTP_URL", "smtps://mailer:hunter2-pass@smtp.example.org:465")]);
        let s = settings(&env).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("5f0c7d1e-origin"), "{shown}");
        assert!(!shown.contains("hunter2-pass") && !shown.contains("//mailer"), "no login: {shown}");
        assert!(shown.contains("smtp.example.org:465"), "where mail goes still shows: {shown}");
        let MailerConfig::Smtp { url } = &s.mailer else { panic!("smtp") };
        assert_eq!(url.expose(), "smtps://mailer:hunter2-pass@smtp.example.org:465");
        assert_eq!(url.server(), "smtp.example.org:465");
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
