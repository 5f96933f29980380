//! Signing in with an e-mail address: a single-use link (15 minutes,
//! signed, stored as used or unused), then a session cookie for a working
//! day that "Uitloggen" really ends, checked against the editors' list at
//! every request.
//!
//! A link is `id.expires.mac`, a cookie `id.mac`: `id` is 32 random bytes,
//! `mac` an HMAC-SHA256 over a prefixed text with the server's signing
//! key, so a forged one is refused before the store is asked. The store
//! keeps only the SHA-256 of `id`.

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use forms::clock::Clock;

use crate::budgets::{LINK_LIFETIME, SESSION_LIFETIME, SIGN_IN_PER_ADDRESS, SIGN_IN_PER_CLIENT, SIGN_IN_WINDOW};
use crate::mail::{MailOut, SignInMail};
use crate::secrets::{SecretCell, SecretError, SigningKey, random};
use crate::store::{Editor, LinkState, SessionStore, StoreError, Unix, key};

/// The session cookie; only `/api/cms/` ever receives it.
pub const COOKIE: &str = "cms_session";

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the signing key: {0}")]
    Key(#[from] SecretError),
}

/// An address as typed, parsed: trimmed, lower case, one `@`, a dot in the domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address(String);

impl Address {
    pub fn parse(raw: &str) -> Option<Self> {
        let address = raw.trim().to_lowercase();
        let (local, domain) = address.split_once('@')?;
        let plain =
            |s: &str| !s.is_empty() && !s.contains(['@', ' ', '<', '>', ',', ';', '"', '\\']) && !s.chars().any(char::is_control);
        let ok = address.len() <= 254
            && plain(local)
            && plain(domain)
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.');
        ok.then_some(Address(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the sign-in form answers. The same for listed and unlisted
/// addresses: nobody learns who is an editor.
#[derive(Debug, PartialEq, Eq)]
pub enum Requested {
    /// "If this address may edit, a link is on its way."
    Answered,
    /// Too many requests from this client or for this address.
    TooMany,
}

/// A link as opened from the mail.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkCheck {
    Valid,
    Used,
    Expired,
    /// Not made here (a typo, a cut-off link, a forgery).
    Invalid,
}

pub struct SignIn {
    store: Arc<dyn SessionStore>,
    key: SecretCell<SigningKey>,
    mail: Arc<MailOut>,
    clock: Arc<dyn Clock>,
}

impl SignIn {
    pub fn new(store: Arc<dyn SessionStore>, key: SecretCell<SigningKey>, mail: Arc<MailOut>, clock: Arc<dyn Clock>) -> Self {
        Self { store, key, mail, clock }
    }

    fn now(&self) -> Unix {
        self.clock.now().unix_timestamp()
    }

    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    /// The sign-in form: counts the request, and mails a link if the
    /// address is on the list.
    pub async fn request(&self, address: &Address, client: Option<IpAddr>) -> Result<Requested, SignInError> {
        let now = self.now();
        let window = now - now.rem_euclid(SIGN_IN_WINDOW.as_secs() as i64);
        let expires = window + SIGN_IN_WINDOW.as_secs() as i64;
        let per_address = self.store.count(&key("rate-address", &format!("{window}|{}", address.as_str())), expires).await?;
        let per_client = match client {
            Some(ip) => self.store.count(&key("rate-client", &format!("{window}|{ip}")), expires).await?,
            None => 0,
        };
        if per_address > SIGN_IN_PER_ADDRESS || per_client > SIGN_IN_PER_CLIENT {
            tracing::warn!(per_address, per_client, "sign-in requests over the limit");
            return Ok(Requested::TooMany);
        }
        let Some(editor) = self.store.editor(address.as_str()).await? else {
            tracing::info!("sign-in requested for an address that is not on the list (no mail)");
            return Ok(Requested::Answered);
        };
        let id = B64.encode(random::<32>());
        let expires = now + LINK_LIFETIME.as_secs() as i64;
        let mac = B64.encode(self.key.get().await?.sign(&link_text(&id, expires)));
        self.store.put_link(&key("link", &id), &editor.email, expires).await?;
        let token = format!("{id}.{expires}.{mac}");
        match self.mail.send_sign_in(&SignInMail { to: &editor, token: &token }).await {
            Ok(()) => tracing::info!("sign-in link mailed"),
            // The answer stays the same; the operator sees this in the logs.
            Err(e) => tracing::error!(error = %e.log_summary(), "sign-in link not mailed"),
        }
        Ok(Requested::Answered)
    }

    /// What opening the link would do; changes nothing (mail scanners open links too).
    pub async fn check(&self, token: &str) -> Result<LinkCheck, SignInError> {
        let Some(id) = self.verified_link(token).await? else {
            return Ok(LinkCheck::Invalid);
        };
        Ok(match self.store.link(&key("link", &id), self.now()).await? {
            LinkState::Unused { .. } => LinkCheck::Valid,
            LinkState::Used => LinkCheck::Used,
            LinkState::Expired => LinkCheck::Expired,
            LinkState::Unknown => LinkCheck::Invalid,
        })
    }

    /// The button on the link's page: uses the link and starts a session.
    /// Returns the cookie's value and the editor.
    pub async fn open(&self, token: &str) -> Result<Result<(String, Editor), LinkCheck>, SignInError> {
        let Some(id) = self.verified_link(token).await? else {
            return Ok(Err(LinkCheck::Invalid));
        };
        let email = match self.store.use_link(&key("link", &id), self.now()).await? {
            LinkState::Unused { email } => email,
            LinkState::Used => return Ok(Err(LinkCheck::Used)),
            LinkState::Expired => return Ok(Err(LinkCheck::Expired)),
            LinkState::Unknown => return Ok(Err(LinkCheck::Invalid)),
        };
        // Taken off the list since the link was sent: no session.
        let Some(editor) = self.store.editor(&email).await? else {
            return Ok(Err(LinkCheck::Invalid));
        };
        let session = B64.encode(random::<32>());
        let mac = B64.encode(self.key.get().await?.sign(&session_text(&session)));
        let expires = self.now() + SESSION_LIFETIME.as_secs() as i64;
        self.store.put_session(&key("session", &session), &editor.email, expires).await?;
        tracing::info!("editor signed in");
        Ok(Ok((format!("{session}.{mac}"), editor)))
    }

    /// The editor behind a cookie, if the session is valid and the
    /// address is still on the list.
    pub async fn editor(&self, cookie: Option<&str>) -> Result<Option<Editor>, SignInError> {
        let Some(id) = self.verified_session(cookie).await? else {
            return Ok(None);
        };
        let Some(email) = self.store.session(&key("session", &id), self.now()).await? else {
            return Ok(None);
        };
        let editor = self.store.editor(&email).await?;
        if editor.is_none() {
            tracing::info!("session refused: the address left the editors' list");
            self.store.end_session(&key("session", &id)).await?;
        }
        Ok(editor)
    }

    /// "Uitloggen": the session is gone from the store, whatever the browser keeps.
    pub async fn end(&self, cookie: Option<&str>) -> Result<(), SignInError> {
        if let Some(id) = self.verified_session(cookie).await? {
            self.store.end_session(&key("session", &id)).await?;
            tracing::info!("editor signed out");
        }
        Ok(())
    }

    async fn verified_link(&self, token: &str) -> Result<Option<String>, SignInError> {
        let mut parts = token.trim().split('.');
        let (Some(id), Some(expires), Some(mac), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Ok(None);
        };
        let (Ok(expires), Ok(mac)) = (expires.parse::<i64>(), B64.decode(mac)) else {
            return Ok(None);
        };
        Ok(self.key.get().await?.verify(&link_text(id, expires), &mac).then(|| id.to_owned()))
    }

    async fn verified_session(&self, cookie: Option<&str>) -> Result<Option<String>, SignInError> {
        let Some((id, mac)) = cookie.and_then(|c| c.split_once('.')) else {
            return Ok(None);
        };
        let Ok(mac) = B64.decode(mac) else {
            return Ok(None);
        };
        Ok(self.key.get().await?.verify(&session_text(id), &mac).then(|| id.to_owned()))
    }
}

/// Prefixed, so a link's MAC can never pass for a cookie's or another's.
fn link_text(id: &str, expires: Unix) -> String {
    format!("cms-auth link v1|{id}|{expires}")
}

fn session_text(id: &str) -> String {
    format!("cms-auth session v1|{id}")
}

#[cfg(test)]
mod tests {
    use super::Address;

    #[test]
    fn addresses_are_read_as_people_type_them() {
        assert_eq!(Address::parse("  Ans.de.Vries@Example.ORG ").unwrap().as_str(), "ans.de.vries@example.org");
        for bad in [
            "",
            "ans",
            "ans@",
            "@example.org",
            "ans@example",
            "a b@example.org",
            "ans@@example.org",
            "ans@example.org, bob@example.org",
            "Ans <ans@example.org>",
        ] {
            assert_eq!(Address::parse(bad), None, "{bad}");
        }
    }
}
