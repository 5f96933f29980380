//! The body of a post, before any field is checked: name → text.
//!
//! Both encodings land here, so the rules downstream are the same for a
//! browser's form post and a JSON client. A field sent twice, or sent as
//! something other than text, is remembered as malformed rather than
//! silently picking one value.

use std::collections::{HashMap, HashSet};
use std::fmt;

use percent_encoding::percent_decode;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

#[derive(Debug, Default, Clone)]
pub struct RawForm {
    values: HashMap<String, String>,
    malformed: HashSet<String>,
}

/// Why a body could not be read at all (as opposed to a bad field).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BodyError {
    #[error("the body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("the JSON body must be an object of field names to values")]
    NotAnObject,
}

impl RawForm {
    /// `application/x-www-form-urlencoded`. Text that is not valid UTF-8
    /// marks its field malformed instead of being patched up.
    pub fn from_urlencoded(body: &[u8]) -> Self {
        let mut form = RawForm::default();
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (key, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let Ok(key) = decode(key) else { continue };
            match decode(value) {
                Ok(value) => form.insert(key, Some(value)),
                Err(()) => form.insert(key, None),
            }
        }
        form
    }

    pub fn from_json(body: &[u8]) -> Result<Self, BodyError> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let form = de.deserialize_any(FormVisitor).map_err(|e| {
            if e.to_string().contains(NOT_AN_OBJECT) { BodyError::NotAnObject } else { BodyError::InvalidJson(e.to_string()) }
        })?;
        de.end().map_err(|e| BodyError::InvalidJson(e.to_string()))?;
        Ok(form)
    }

    /// The value of a field, if it was sent once as text.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn is_malformed(&self, name: &str) -> bool {
        self.malformed.contains(name)
    }

    /// `None` marks a value that was not usable text.
    fn insert(&mut self, key: String, value: Option<String>) {
        if self.malformed.contains(&key) {
            return;
        }
        match value {
            Some(v) if !self.values.contains_key(&key) => {
                self.values.insert(key, v);
            }
            _ => {
                self.values.remove(&key);
                self.malformed.insert(key);
            }
        }
    }
}

fn decode(bytes: &[u8]) -> Result<String, ()> {
    let plus_as_space: Vec<u8> = bytes.iter().map(|b| if *b == b'+' { b' ' } else { *b }).collect();
    let decoded: Vec<u8> = percent_decode(&plus_as_space).collect();
    String::from_utf8(decoded).map_err(|_| ())
}

const NOT_AN_OBJECT: &str = "a JSON object of fields";

struct FormVisitor;

impl<'de> Visitor<'de> for FormVisitor {
    type Value = RawForm;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(NOT_AN_OBJECT)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawForm, A::Error> {
        let mut form = RawForm::default();
        while let Some(key) = map.next_key::<String>()? {
            let value = match map.next_value::<Value>()? {
                Value::Null => continue,
                Value::String(s) => Some(s),
                Value::Bool(b) => Some(b.to_string()),
                Value::Number(_) | Value::Array(_) | Value::Object(_) => None,
            };
            form.insert(key, value);
        }
        Ok(form)
    }
}

impl<'de> serde::Deserialize<'de> for RawForm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FormVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_browser_post() {
        let f = RawForm::from_urlencoded(b"name=Jan+de+Vries&message=Hoi%0D%0Adaar&empty=");
        assert_eq!(f.get("name"), Some("Jan de Vries"));
        assert_eq!(f.get("message"), Some("Hoi\r\ndaar"));
        assert_eq!(f.get("empty"), Some(""));
    }

    #[test]
    fn a_field_sent_twice_is_malformed() {
        let f = RawForm::from_urlencoded(b"name=a&name=b");
        assert_eq!(f.get("name"), None);
        assert!(f.is_malformed("name"));
        let j = RawForm::from_json(br#"{"name":"a","name":"b"}"#).unwrap();
        assert!(j.is_malformed("name"));
    }

    #[test]
    fn invalid_utf8_is_malformed_not_patched() {
        let f = RawForm::from_urlencoded(b"name=%FF%FE");
        assert!(f.is_malformed("name"));
    }

    #[test]
    fn json_wrong_types_are_malformed_and_booleans_are_text() {
        let f = RawForm::from_json(br#"{"name":5,"privacy_consent":true,"phone":null}"#).unwrap();
        assert!(f.is_malformed("name"));
        assert_eq!(f.get("privacy_consent"), Some("true"));
        assert_eq!(f.get("phone"), None);
    }

    #[test]
    fn json_must_be_an_object() {
        assert_eq!(RawForm::from_json(b"[1,2]").unwrap_err(), BodyError::NotAnObject);
        assert!(matches!(RawForm::from_json(b"{\"a\":").unwrap_err(), BodyError::InvalidJson(_)));
        assert!(matches!(RawForm::from_json(b"{} x").unwrap_err(), BodyError::InvalidJson(_)));
    }
}
