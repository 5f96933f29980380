//! An email address we can safely put in a mail header and deliver to.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Problem;

/// A deliverable address: ASCII local part, domain in ASCII (IDN domains
/// are converted to their `xn--` form), at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Problem::Missing);
        }
        if value.chars().any(char::is_control) {
            return Err(Problem::ControlCharacter);
        }
        let (local, domain) = value.rsplit_once('@').ok_or(Problem::InvalidEmail)?;
        if !valid_local_part(local) {
            return Err(Problem::InvalidEmail);
        }
        let domain = ascii_domain(domain)?;
        let address = format!("{local}@{domain}");
        if address.len() > 254 {
            return Err(Problem::TooLong { max: 254 });
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same address in any spelling compares equal (domains are
    /// case-insensitive; we also ignore the case of the local part, as
    /// every real mailbox provider does).
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn to_lettre(&self) -> lettre::Address {
        self.0.parse().expect("a parsed EmailAddress is a valid lettre Address")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).map_err(|p| format!("{p:?}"))
    }
}

impl From<EmailAddress> for String {
    fn from(v: EmailAddress) -> String {
        v.0
    }
}

/// RFC 5322 dot-atom in ASCII: what every mail system accepts. Quoted local
/// parts and non-ASCII local parts are legal but rarely deliverable.
fn valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || SPECIALS.contains(c))
}

fn ascii_domain(domain: &str) -> Result<String, Problem> {
    if domain.split('.').any(mixes_lookalike_scripts) {
        return Err(Problem::LookalikeEmail);
    }
    let ascii = idna::domain_to_ascii_strict(domain).map_err(|_| Problem::InvalidEmail)?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let tld_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && (tld.starts_with("xn--") || tld.chars().all(|c| c.is_ascii_alphabetic())));
    let labels_ok = labels.iter().all(|l| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    if labels.len() < 2 || !tld_ok || !labels_ok {
        return Err(Problem::InvalidEmail);
    }
    Ok(ascii)
}

/// `pаypal` with a Cyrillic `а` looks like `paypal`. A label that mixes
/// Latin letters with Cyrillic or Greek ones is almost always such a trick.
fn mixes_lookalike_scripts(label: &str) -> bool {
    let mut latin = false;
    let mut other = false;
    for c in label.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '\u{C0}'..='\u{24F}' => latin = true,
            '\u{370}'..='\u{3FF}' | '\u{400}'..='\u{52F}' => other = true,
            _ => {}
        }
    }
    latin && other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in ["jan@example.org", "Jan.de.Vries+hulp@mail.example.nl", "a@b.co"] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn converts_an_idn_domain_to_ascii() {
        let e = EmailAddress::parse("info@bücher.example").unwrap();
        assert_eq!(e.as_str(), "info@xn--bcher-kva.example");
    }

    #[test]
    fn refuses_a_lookalike_domain() {
        // Cyrillic "а" (U+0430) in an otherwise Latin domain.
        assert_eq!(EmailAddress::parse("jan@exаmple.org"), Err(Problem::LookalikeEmail));
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "jan",
            "jan@",
            "@example.org",
            "jan@localhost",
            "jan..x@example.org",
            "jan @example.org",
            "j(an)@example.org",
            "jan@exa_mple.org",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(Problem::InvalidEmail), "{bad}");
        }
    }

    #[test]
    fn refuses_header_injection() {
        assert_eq!(EmailAddress::parse("jan@example.org\r\nBcc: all@example.org"), Err(Problem::ControlCharacter));
    }
}
