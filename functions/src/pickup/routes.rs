//! `GET /api/pickup/{id}?e=…&s=…` shows the form's facts and a button;
//! only `POST` to the same address marks it picked up. Mail scanners and
//! link previews open links with GET, which therefore never changes a thing.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use time::OffsetDateTime;
use uuid::Uuid;

use super::pages;
use super::summary::Summary;
use super::token::{LinkToken, Verdict};
use crate::app::App;
use crate::domain::{FormKind, PickerName, Problem, RawForm};
use crate::store::{PickedUp, Record};

/// The link's query string (`e=…&s=…`).
pub struct LinkQuery {
    e: Option<String>,
    s: Option<String>,
}

impl LinkQuery {
    fn parse(query: Option<String>) -> Self {
        let raw = RawForm::from_urlencoded(query.unwrap_or_default().as_bytes());
        Self { e: raw.get("e").map(str::to_owned), s: raw.get("s").map(str::to_owned) }
    }
}

/// A link as it came in; anything unreadable counts as changed.
fn token(id: &str, query: &LinkQuery) -> Option<LinkToken> {
    Some(LinkToken { id: Uuid::parse_str(id).ok()?, expires: query.e.as_deref()?.parse().ok()?, signature: query.s.clone()? })
}

/// The record behind a valid link, or the page that says why not.
async fn checked(app: &App, id: &str, query: &LinkQuery, now: OffsetDateTime) -> Result<(LinkToken, Record), Response> {
    let Some(token) = token(id, query) else { return Err(pages::tampered()) };
    let key = match app.pickup().keys().get().await {
        Ok(key) => key,
        Err(e) => {
            tracing::error!(error = %e, "pickup key unavailable");
            return Err(pages::unavailable());
        }
    };
    match key.verify(&token, now) {
        Verdict::Tampered => return Err(pages::tampered()),
        Verdict::Expired => return Err(pages::gone()),
        Verdict::Valid => {}
    }
    match app.pickup().store().get(token.id).await {
        Ok(Some(record)) if now < record.expires_at => Ok((token, record)),
        Ok(_) => Err(pages::gone()),
        Err(e) => {
            tracing::error!(record = %token.id, error = %e, "pickup: store unavailable");
            Err(pages::unavailable())
        }
    }
}

pub async fn show(State(app): State<App>, Path(id): Path<String>, RawQuery(query): RawQuery) -> Response {
    let query = LinkQuery::parse(query);
    let now = app.pickup().now();
    let (token, record) = match checked(&app, &id, &query, now).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let summary = Summary::of(&record);
    if record.pickup.picked_up_at.is_some() {
        return pages::already(&summary, &record.pickup);
    }
    pages::confirm(&summary, token.path(), None)
}

pub async fn pick_up(State(app): State<App>, Path(id): Path<String>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let query = LinkQuery::parse(query);
    let now = app.pickup().now();
    let (token, record) = match checked(&app, &id, &query, now).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let summary = Summary::of(&record);
    let by = match picker(&RawForm::from_urlencoded(&body)) {
        Ok(by) => by,
        Err(message) => return pages::confirm(&summary, token.path(), Some(message)),
    };
    // A referral stays in the follow-up until its referrer is told.
    let follow_up = (record.submission.kind() == FormKind::Referral).then_some(now);
    let store = app.pickup().store();
    match store.pick_up(record.id, now, by.as_ref(), follow_up).await {
        Ok(PickedUp::Now) => {
            tracing::info!(record = %record.id, "form picked up");
            if let Ok(Some(fresh)) = store.get(record.id).await {
                app.pickup().after_pickup(&fresh, now).await;
            }
            pages::picked_up(&summary)
        }
        Ok(PickedUp::Before) => match store.get(record.id).await {
            Ok(Some(fresh)) => pages::already(&summary, &fresh.pickup),
            Ok(None) => pages::gone(),
            Err(_) => pages::unavailable(),
        },
        Ok(PickedUp::Missing) => pages::gone(),
        Err(e) => {
            tracing::error!(record = %record.id, error = %e, "pickup: could not mark");
            pages::unavailable()
        }
    }
}

/// The optional first name or initials.
fn picker(form: &RawForm) -> Result<Option<PickerName>, &'static str> {
    match form.get("by").map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => PickerName::parse(raw).map(Some).map_err(|problem| match problem {
            Problem::TooLong { .. } => {
                "Je naam is te lang. Vul alleen je voornaam of initialen in (hoogstens 40 tekens), of laat het vak leeg."
            }
            _ => "Vul alleen je voornaam of initialen in, of laat het vak leeg.",
        }),
    }
}
