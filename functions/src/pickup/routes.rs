//! `GET /api/pickup/{id}?e=…&s=…` shows the form's facts and a button;
//! only `POST` to the same address marks it picked up. Mail scanners and
//! link previews open links with GET, which therefore never changes a thing.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use uuid::Uuid;

use super::summary::Summary;
use super::token::LinkToken;
use super::{LinkRefused, OpenedLink, PickUp, pages};
use crate::app::App;
use crate::domain::{PickerName, Problem, RawForm};
use crate::words;

/// A link as it came in (`/api/pickup/{id}?e=…&s=…`); anything
/// unreadable counts as changed.
fn token(id: &str, query: Option<String>) -> Option<LinkToken> {
    let query = RawForm::from_urlencoded(query.unwrap_or_default().as_bytes());
    Some(LinkToken {
        id: Uuid::parse_str(id).ok()?,
        expires: query.get("e")?.parse().ok()?,
        signature: query.get("s")?.to_owned(),
    })
}

/// The form behind a valid link, or the page that says why not.
async fn opened(app: &App, id: &str, query: Option<String>) -> Result<OpenedLink, Response> {
    let refused = match token(id, query) {
        Some(token) => match app.submissions().open_link(token).await {
            Ok(link) => return Ok(link),
            Err(refused) => refused,
        },
        None => LinkRefused::Tampered,
    };
    Err(match refused {
        LinkRefused::Tampered => pages::tampered(),
        LinkRefused::Gone => pages::gone(),
        LinkRefused::Unavailable => pages::unavailable(),
    })
}

pub async fn show(State(app): State<App>, Path(id): Path<String>, RawQuery(query): RawQuery) -> Response {
    let link = match opened(&app, &id, query).await {
        Ok(link) => link,
        Err(page) => return page,
    };
    let (record, summary) = (link.record(), Summary::of(link.record()));
    if record.pickup.picked_up_at.is_some() {
        return pages::already(&summary, &record.pickup);
    }
    pages::confirm(&summary, link.path(), None)
}

pub async fn pick_up(State(app): State<App>, Path(id): Path<String>, RawQuery(query): RawQuery, body: Bytes) -> Response {
    let link = match opened(&app, &id, query).await {
        Ok(link) => link,
        Err(page) => return page,
    };
    let summary = Summary::of(link.record());
    let by = match picker(&RawForm::from_urlencoded(&body)) {
        Ok(by) => by,
        Err(message) => return pages::confirm(&summary, link.path(), Some(message)),
    };
    match app.submissions().pick_up(&link, by).await {
        Ok(PickUp::Now) => pages::picked_up(&summary),
        Ok(PickUp::Before(fresh)) => pages::already(&summary, &fresh.pickup),
        Err(LinkRefused::Gone) => pages::gone(),
        Err(_) => pages::unavailable(),
    }
}

/// The optional first name or initials.
fn picker(form: &RawForm) -> Result<Option<PickerName>, &'static str> {
    match form.get("by").map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => PickerName::parse(raw).map(Some).map_err(|problem| match problem {
            Problem::TooLong { .. } => words::PICKER_TOO_LONG,
            _ => words::PICKER_INVALID,
        }),
    }
}
