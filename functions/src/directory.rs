//! Who receives which form: read from `site/data/directory.toml`, the
//! same file the site renders its "what runs where" pages from. The site
//! publishes it too, and the function reads that copy while it runs
//! (`crate::routing`); this module is the one parser for both.

use std::collections::HashMap;

use serde::Deserialize;

use crate::domain::{EmailAddress, FormKind, Municipality, Programme, Submission};

/// The file as it was when this binary was built: used until the
/// published copy is read, and whenever it cannot be (`crate::routing`).
pub const DIRECTORY_TOML: &str = include_str!("../../site/data/directory.toml");

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("site/data/directory.toml is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("site/data/directory.toml: mailbox `{0}` is used but not defined under [mailboxes]")]
    UnknownMailbox(String),
    #[error("site/data/directory.toml: mailbox `{key}` has an invalid address `{email}`")]
    BadAddress { key: String, email: String },
    #[error("site/data/directory.toml: unknown municipality id `{0}`")]
    UnknownMunicipality(String),
    #[error("site/data/directory.toml: unknown programme `{0}`")]
    UnknownProgramme(String),
    #[error("site/data/directory.toml: municipality `{0}` is in no region (or in two)")]
    MunicipalityNotInOneRegion(String),
    #[error("site/data/directory.toml: [follow_up] reminder_working_days must be at least 1, not {0}")]
    FollowUpDays(u32),
}

impl DirectoryError {
    /// For the log: what is wrong and where, without the file's text (a
    /// TOML error quotes its line) or the address itself.
    pub fn for_log(&self) -> String {
        match self {
            DirectoryError::Toml(e) => format!("not valid TOML (bytes {:?}): {}", e.span(), e.message()),
            DirectoryError::BadAddress { key, .. } => format!("mailbox `{key}` has an invalid address"),
            other => other.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct File {
    mailboxes: HashMap<String, MailboxEntry>,
    regions: Vec<RegionEntry>,
    routing: RoutingEntry,
    follow_up: FollowUpEntry,
}

#[derive(Deserialize)]
struct FollowUpEntry {
    reminder_working_days: u32,
}

#[derive(Deserialize)]
struct MailboxEntry {
    email: String,
}

#[derive(Deserialize)]
struct RegionEntry {
    general: String,
    municipalities: Vec<MunicipalityEntry>,
    #[serde(default)]
    programmes: HashMap<String, String>,
}

#[derive(Deserialize)]
struct MunicipalityEntry {
    id: String,
}

#[derive(Deserialize)]
struct RoutingEntry {
    fallback: String,
}

struct Region {
    general: EmailAddress,
    programmes: HashMap<Programme, EmailAddress>,
}

/// Routing table, checked when loaded: every name resolves, every
/// address parses, every municipality is in exactly one region.
pub struct Directory {
    region_of: HashMap<Municipality, usize>,
    regions: Vec<Region>,
    fallback: EmailAddress,
    reminder_working_days: u32,
}

impl Directory {
    /// The inbox for forms no rule routes, and for mail a server refused.
    pub fn fallback(&self) -> &EmailAddress {
        &self.fallback
    }

    /// Working days (Monday to Friday, Amsterdam) before a form nobody
    /// picked up is reminded, and as many again before it goes to the
    /// fallback inbox (`crate::pickup`).
    pub fn reminder_working_days(&self) -> u32 {
        self.reminder_working_days
    }

    /// Within how many working days the sender hears from a coordinator,
    /// as the confirmation mail and the thank-you page say: by then the
    /// coordinator has been reminded and the form has gone on to the
    /// fallback inbox (templates/partials/thanks_when.html does the same sum).
    pub fn answer_within_working_days(&self) -> u32 {
        2 * self.reminder_working_days
    }

    pub fn from_toml(text: &str) -> Result<Self, DirectoryError> {
        let file: File = toml::from_str(text)?;
        let mailbox = |key: &str| -> Result<EmailAddress, DirectoryError> {
            let entry = file.mailboxes.get(key).ok_or_else(|| DirectoryError::UnknownMailbox(key.to_owned()))?;
            EmailAddress::parse(&entry.email)
                .map_err(|_| DirectoryError::BadAddress { key: key.to_owned(), email: entry.email.clone() })
        };
        let mut region_of = HashMap::new();
        let mut regions = Vec::new();
        for (index, entry) in file.regions.iter().enumerate() {
            for m in &entry.municipalities {
                let id = Municipality::parse(&m.id).map_err(|_| DirectoryError::UnknownMunicipality(m.id.clone()))?;
                if id == Municipality::Other || region_of.insert(id, index).is_some() {
                    return Err(DirectoryError::MunicipalityNotInOneRegion(m.id.clone()));
                }
            }
            let mut programmes = HashMap::new();
            for (name, key) in &entry.programmes {
                let programme = Programme::parse(name).map_err(|_| DirectoryError::UnknownProgramme(name.clone()))?;
                programmes.insert(programme, mailbox(key)?);
            }
            regions.push(Region { general: mailbox(&entry.general)?, programmes });
        }
        if let Some(missing) = Municipality::ALL.iter().find(|m| **m != Municipality::Other && !region_of.contains_key(m)) {
            return Err(DirectoryError::MunicipalityNotInOneRegion(missing.as_str().to_owned()));
        }
        let reminder_working_days = file.follow_up.reminder_working_days;
        if reminder_working_days == 0 {
            return Err(DirectoryError::FollowUpDays(0));
        }
        Ok(Self { region_of, regions, fallback: mailbox(&file.routing.fallback)?, reminder_working_days })
    }

    pub fn builtin() -> Result<Self, DirectoryError> {
        Self::from_toml(DIRECTORY_TOML)
    }

    /// The coordinator who should read this submission.
    pub fn route(&self, submission: &Submission) -> &EmailAddress {
        let region = submission.municipality.and_then(|m| self.region_of.get(&m)).map(|i| &self.regions[*i]);
        let Some(region) = region else {
            return &self.fallback;
        };
        let target = match (submission.kind(), submission.programme()) {
            (FormKind::Contact, _) | (_, Some(Programme::Unsure)) => Some(&region.general),
            (_, Some(programme)) => region.programmes.get(&programme),
            (_, None) => None,
        };
        target.unwrap_or(&self.fallback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Parsed, RawForm, parse};

    fn route(kind: FormKind, municipality: &str, programme: &str) -> String {
        let body = format!(
            "name=N&email=n%40example.org&phone=&message=M&privacy_consent=yes&parent_consent=yes\
             &referrer_name=R&referrer_organisation=O&referrer_email=r%40example.org\
             &municipality={municipality}&programme={programme}"
        );
        let Parsed::Valid { submission, .. } = parse(kind, &RawForm::from_urlencoded(body.as_bytes())) else {
            panic!("invalid test form: {kind:?} {municipality} {programme}")
        };
        Directory::builtin().unwrap().route(&submission).to_string()
    }

    const IJMOND: [&str; 3] = ["heemskerk", "beverwijk", "wijk-aan-zee"];
    const FRIESLAND: [&str; 5] = ["opsterland", "ooststellingwerf", "weststellingwerf", "sudwest-fryslan", "de-fryske-marren"];

    #[test]
    fn each_ijmond_programme_goes_to_its_coordinator() {
        for m in IJMOND {
            for kind in [FormKind::Registration, FormKind::Referral, FormKind::Volunteer] {
                assert_eq!(route(kind, m, "home-start"), "homestart.ijmond@example.org");
                assert_eq!(route(kind, m, "buurtgezinnen"), "buurtgezinnen.ijmond@example.org");
                assert_eq!(route(kind, m, "taalhuis"), "taalhuis.ijmond@example.org");
            }
            assert_eq!(route(FormKind::Registration, m, "unsure"), "spreekuur.ijmond@example.org");
            assert_eq!(route(FormKind::Contact, m, ""), "spreekuur.ijmond@example.org");
        }
    }

    #[test]
    fn friesland_has_home_start_only() {
        for m in FRIESLAND {
            assert_eq!(route(FormKind::Registration, m, "home-start"), "homestart.friesland@example.org");
            assert_eq!(route(FormKind::Registration, m, "unsure"), "homestart.friesland@example.org");
            assert_eq!(route(FormKind::Contact, m, ""), "homestart.friesland@example.org");
            assert_eq!(route(FormKind::Volunteer, m, "buurtgezinnen"), "info@example.org");
            assert_eq!(route(FormKind::Referral, m, "taalhuis"), "info@example.org");
        }
    }

    #[test]
    fn anything_else_goes_to_info() {
        assert_eq!(route(FormKind::Registration, "other", "home-start"), "info@example.org");
        assert_eq!(route(FormKind::Contact, "other", ""), "info@example.org");
        assert_eq!(route(FormKind::Contact, "", ""), "info@example.org");
    }

    #[test]
    fn the_follow_up_is_read_from_the_file_and_zero_days_are_refused() {
        let directory = Directory::builtin().unwrap();
        assert_eq!(directory.reminder_working_days(), 2);
        assert_eq!(directory.answer_within_working_days(), 4);
        let three = DIRECTORY_TOML.replace("reminder_working_days = 2", "reminder_working_days = 3");
        assert_eq!(Directory::from_toml(&three).unwrap().answer_within_working_days(), 6);
        let zero = DIRECTORY_TOML.replace("reminder_working_days = 2", "reminder_working_days = 0");
        let e = Directory::from_toml(&zero).err().unwrap().to_string();
        assert!(e.contains("[follow_up] reminder_working_days must be at least 1"), "{e}");
    }

    #[test]
    fn the_log_never_quotes_the_file_or_an_address() {
        let broken = DIRECTORY_TOML.replace("email = \"info@example.org\"", "email = \"info@example.org");
        let logged = Directory::from_toml(&broken).err().unwrap().for_log();
        assert!(!logged.contains("info@example.org"), "{logged}");
        let bad = DIRECTORY_TOML.replace("email = \"info@example.org\"", "email = \"info at example.org\"");
        let logged = Directory::from_toml(&bad).err().unwrap().for_log();
        assert!(logged.contains("`info`") && !logged.contains("info at example.org"), "{logged}");
    }

    #[test]
    fn a_mailbox_that_is_not_defined_is_refused() {
        let broken = DIRECTORY_TOML.replace("general = \"spreekuur-ijmond\"", "general = \"nobody\"");
        assert!(matches!(Directory::from_toml(&broken), Err(DirectoryError::UnknownMailbox(k)) if k == "nobody"));
    }
}
