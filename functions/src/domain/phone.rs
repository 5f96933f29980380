//! A phone number as the user wrote it, checked to be callable.

use serde::{Deserialize, Serialize};

use super::Problem;

/// Digits with the usual separators (`+`, spaces, `-`, `.`, brackets);
/// 8 to 15 digits, which covers Dutch and international numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Problem::Missing);
        }
        if value.chars().any(char::is_control) {
            return Err(Problem::ControlCharacter);
        }
        if value.chars().count() > 30 {
            return Err(Problem::TooLong { max: 30 });
        }
        let allowed = |c: char| c.is_ascii_digit() || " +-.()".contains(c);
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let plus_only_first = value.chars().skip(1).all(|c| c != '+');
        if !value.chars().all(allowed) || !(8..=15).contains(&digits) || !plus_only_first {
            return Err(Problem::InvalidPhone);
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = String;
    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw).map_err(|p| format!("{p:?}"))
    }
}

impl From<PhoneNumber> for String {
    fn from(v: PhoneNumber) -> String {
        v.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dutch_and_international_numbers() {
        for ok in ["06 12345678", "+31 6 1234 5678", "0251-123456", "(0251) 12 34 56"] {
            assert_eq!(PhoneNumber::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn refuses_letters_and_short_numbers() {
        for bad in ["bel me", "12345", "06-1234-5678-9999-123", "06+12345678"] {
            assert_eq!(PhoneNumber::parse(bad), Err(Problem::InvalidPhone), "{bad}");
        }
    }
}
