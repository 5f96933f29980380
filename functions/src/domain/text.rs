//! Free text: trimmed, bounded, and free of characters that could break a
//! mail header or a log line. Kept exactly as the user wrote it otherwise.

use super::Problem;

/// Checks and trims one line of text (no line breaks at all).
pub fn single_line(raw: &str, max_chars: usize) -> Result<String, Problem> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Problem::Missing);
    }
    if value.chars().any(char::is_control) {
        return Err(Problem::ControlCharacter);
    }
    within(value, max_chars)
}

/// Checks and trims text that may span lines. Line ends become `\n`;
/// tabs stay; every other control character (NUL, ESC, ...) is refused.
pub fn multi_line(raw: &str, max_chars: usize) -> Result<String, Problem> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Problem::Missing);
    }
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Problem::ControlCharacter);
    }
    within(&value, max_chars)
}

fn within(value: &str, max_chars: usize) -> Result<String, Problem> {
    if value.chars().count() > max_chars { Err(Problem::TooLong { max: max_chars }) } else { Ok(value.to_owned()) }
}

/// Declares a text newtype whose only constructor is `parse`.
macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $check:path, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, $crate::domain::Problem> {
                $check(raw, Self::MAX_CHARS).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<Self, String> {
                Self::parse(&raw).map_err(|p| format!("{p:?}"))
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_type!(
    /// A person's name as they write it.
    PersonName,
    single_line,
    100
);
text_type!(
    /// The organisation a professional works for.
    Organisation,
    single_line,
    150
);
text_type!(
    /// Ages of the children, in the parent's words ("3 en 7").
    ChildrenAges,
    single_line,
    100
);
text_type!(
    /// A message or a reason for referral.
    MessageText,
    multi_line,
    5000
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_the_words() {
        assert_eq!(PersonName::parse("  Fatma  Yılmaz ").unwrap().as_str(), "Fatma  Yılmaz");
    }

    #[test]
    fn empty_is_missing() {
        assert_eq!(PersonName::parse(" \t "), Err(Problem::Missing));
    }

    #[test]
    fn a_name_cannot_hold_a_line_break_or_nul() {
        for bad in ["Jan\r\nBcc: x@example.org", "Jan\nX", "Jan\0", "Jan\u{1b}[31m"] {
            assert_eq!(PersonName::parse(bad), Err(Problem::ControlCharacter), "{bad:?}");
        }
    }

    #[test]
    fn a_message_keeps_lines_but_not_nul() {
        let m = MessageText::parse("Hallo,\r\n\r\nGroet").unwrap();
        assert_eq!(m.as_str(), "Hallo,\n\nGroet");
        assert_eq!(MessageText::parse("a\0b"), Err(Problem::ControlCharacter));
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert_eq!(PersonName::parse(&"é".repeat(101)), Err(Problem::TooLong { max: 100 }));
    }
}
