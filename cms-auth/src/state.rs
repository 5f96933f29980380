//! The OAuth `state`: unguessable, signed, short-lived, and tied to the
//! browser that started the sign-in.
//!
//! `state = nonce "." expires "." mac`, where `nonce` is 16 random bytes,
//! `expires` a Unix time and `mac` an HMAC-SHA256 over both, keyed with
//! the OAuth app's client secret (so nothing else needs storing, and a new
//! secret voids every state in flight). The nonce also goes into an
//! HttpOnly cookie; the callback accepts a state only from the browser
//! holding that cookie, so nobody can slip their own GitHub code into an
//! editor's session (login CSRF).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// The cookie that carries the nonce between `/auth` and `/callback`.
pub const COOKIE: &str = "cms_oauth_nonce";

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum StateError {
    #[error("the sign-in state is not one this server made")]
    Forged,
    #[error("the sign-in took too long; start again")]
    Expired,
    #[error("the sign-in was started in another browser or its cookie is gone")]
    OtherBrowser,
}

pub struct Issued {
    pub state: String,
    pub nonce: String,
}

pub fn issue(secret: &str, now_unix: u64, lifetime_secs: u64) -> Issued {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).expect("the system's random source works");
    let nonce = B64.encode(bytes);
    let expires = now_unix + lifetime_secs;
    let mac = B64.encode(hmac::sign(&key(secret), signed_text(&nonce, expires).as_bytes()).as_ref());
    Issued { state: format!("{nonce}.{expires}.{mac}"), nonce }
}

/// Checks a state that came back from GitHub against the browser's cookie.
pub fn verify(secret: &str, state: &str, cookie_nonce: Option<&str>, now_unix: u64) -> Result<(), StateError> {
    let mut parts = state.split('.');
    let (Some(nonce), Some(expires), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(StateError::Forged);
    };
    let expires: u64 = expires.parse().map_err(|_| StateError::Forged)?;
    let mac = B64.decode(mac).map_err(|_| StateError::Forged)?;
    // Constant-time comparison inside ring.
    hmac::verify(&key(secret), signed_text(nonce, expires).as_bytes(), &mac).map_err(|_| StateError::Forged)?;
    if now_unix > expires {
        return Err(StateError::Expired);
    }
    match cookie_nonce {
        Some(c) if same(c.as_bytes(), nonce.as_bytes()) => Ok(()),
        _ => Err(StateError::OtherBrowser),
    }
}

/// Equal without an early exit, so timing tells nothing about the cookie.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn key(secret: &str) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes())
}

/// Prefixed, so this MAC can never be mistaken for one made elsewhere.
fn signed_text(nonce: &str, expires: u64) -> String {
    format!("cms-auth state v1|{nonce}|{expires}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "client-secret";

    #[test]
    fn a_fresh_state_from_the_same_browser_passes() {
        let issued = issue(SECRET, 1_000, 600);
        assert_eq!(verify(SECRET, &issued.state, Some(&issued.nonce), 1_599), Ok(()));
    }

    #[test]
    fn two_states_never_repeat() {
        assert_ne!(issue(SECRET, 1_000, 600).state, issue(SECRET, 1_000, 600).state);
    }

    #[test]
    fn tampered_states_are_refused() {
        let issued = issue(SECRET, 1_000, 600);
        let (nonce, rest) = issued.state.split_once('.').unwrap();
        let (expires, mac) = rest.split_once('.').unwrap();
        let later: u64 = expires.parse::<u64>().unwrap() + 3_600;
        let cases = [
            format!("{nonce}.{later}.{mac}"),                  // lifetime stretched
            format!("AAAAAAAAAAAAAAAAAAAAAA.{expires}.{mac}"), // another nonce
            format!("{nonce}.{expires}.{}", &mac[1..]),        // MAC cut
            format!("{nonce}.{expires}"),                      // MAC dropped
            String::new(),
            format!("{}.x", issued.state),
        ];
        for state in cases {
            assert_eq!(verify(SECRET, &state, Some(nonce), 1_001), Err(StateError::Forged), "{state}");
        }
        assert_eq!(verify("another secret", &issued.state, Some(nonce), 1_001), Err(StateError::Forged));
    }

    #[test]
    fn an_old_state_or_another_browser_is_refused() {
        let issued = issue(SECRET, 1_000, 600);
        assert_eq!(verify(SECRET, &issued.state, Some(&issued.nonce), 1_601), Err(StateError::Expired));
        assert_eq!(verify(SECRET, &issued.state, None, 1_001), Err(StateError::OtherBrowser));
        let other = issue(SECRET, 1_000, 600);
        assert_eq!(verify(SECRET, &issued.state, Some(&other.nonce), 1_001), Err(StateError::OtherBrowser));
    }
}
