//! Signed pickup links: an HMAC-SHA256 over the record id, the action and
//! the expiry, so a link can only do what it says, for whom it says, until
//! when it says. The link holds no personal data: only the record's UUID.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a link may do. Part of the signed text, so a link made for one
/// action can never be used for another.
const ACTION: &str = "pickup";

/// The secret key; at least 32 bytes.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: Vec<u8>) -> Result<Self, String> {
        if bytes.len() < Self::MIN_LEN {
            return Err(format!("the pickup key must be at least {} bytes, it has {}", Self::MIN_LEN, bytes.len()));
        }
        Ok(Self(bytes))
    }

    fn mac(&self, id: Uuid, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(format!("{ACTION}\n{id}\n{expires}").as_bytes());
        mac
    }

    /// The signed part of a link to pick up record `id`, valid until `expires`.
    pub fn sign(&self, id: Uuid, expires: OffsetDateTime) -> LinkToken {
        let expires = expires.unix_timestamp();
        let signature = hex(&self.mac(id, expires).finalize().into_bytes());
        LinkToken { id, expires, signature }
    }

    /// Checks a link as it came in; constant-time comparison of the MAC.
    pub fn verify(&self, token: &LinkToken, now: OffsetDateTime) -> Verdict {
        let Some(signature) = unhex(&token.signature) else {
            return Verdict::Tampered;
        };
        if self.mac(token.id, token.expires).verify_slice(&signature).is_err() {
            return Verdict::Tampered;
        }
        if now.unix_timestamp() >= token.expires { Verdict::Expired } else { Verdict::Valid }
    }
}

/// What a pickup link carries besides its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    pub id: Uuid,
    /// Epoch seconds.
    pub expires: i64,
    /// Lower-case hex of the HMAC.
    pub signature: String,
}

impl LinkToken {
    /// The path and query of the page, on the site's own address.
    pub fn path(&self) -> String {
        format!("{}{}?e={}&s={}", super::PATH_PREFIX, self.id, self.expires, self.signature)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// Signed by us, but past its end: 410.
    Expired,
    /// Not signed by us, or changed: 403.
    Tampered,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn key(byte: u8) -> SigningKey {
        SigningKey::new(vec![byte; 32]).unwrap()
    }

    const NOW: OffsetDateTime = datetime!(2026-11-27 10:00 UTC);

    #[test]
    fn a_link_we_signed_is_valid_until_it_expires() {
        let token = key(1).sign(Uuid::new_v4(), NOW + time::Duration::days(365));
        assert_eq!(key(1).verify(&token, NOW), Verdict::Valid);
        assert_eq!(key(1).verify(&token, NOW + time::Duration::days(365)), Verdict::Expired);
    }

    #[test]
    fn any_change_makes_it_tampered() {
        let token = key(1).sign(Uuid::new_v4(), NOW + time::Duration::days(1));
        let other_id = LinkToken { id: Uuid::new_v4(), ..token.clone() };
        let later = LinkToken { expires: token.expires + 86_400, ..token.clone() };
        let mut flipped = token.signature.clone().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let flipped = LinkToken { signature: String::from_utf8(flipped).unwrap(), ..token.clone() };
        let short = LinkToken { signature: token.signature[..10].to_owned(), ..token.clone() };
        let junk = LinkToken { signature: "zz".repeat(32), ..token.clone() };
        for bad in [other_id, later, flipped, short, junk] {
            assert_eq!(key(1).verify(&bad, NOW), Verdict::Tampered, "{bad:?}");
        }
        assert_eq!(key(2).verify(&token, NOW), Verdict::Tampered, "another key");
    }

    #[test]
    fn an_expired_link_that_was_changed_is_tampered_not_expired() {
        let token = key(1).sign(Uuid::new_v4(), NOW - time::Duration::days(1));
        let moved = LinkToken { expires: token.expires + 10 * 86_400, ..token.clone() };
        assert_eq!(key(1).verify(&token, NOW), Verdict::Expired);
        assert_eq!(key(1).verify(&moved, NOW), Verdict::Tampered, "extending a link breaks it");
    }

    #[test]
    fn the_path_holds_only_the_id_expiry_and_signature() {
        let id = Uuid::new_v4();
        let path = key(1).sign(id, NOW).path();
        assert!(path.starts_with(&format!("/api/pickup/{id}?e={}&s=", NOW.unix_timestamp())), "{path}");
        assert_eq!(path.len(), format!("/api/pickup/{id}?e={}&s=", NOW.unix_timestamp()).len() + 64);
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(SigningKey::new(vec![0; 16]).is_err());
    }
}
