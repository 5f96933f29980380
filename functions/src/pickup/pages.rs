//! The pages behind a pickup link, in Dutch for coordinators. They show
//! only what identifies the form for a colleague: reference, kind,
//! programme, municipality. Links get forwarded, so never a name, contact
//! detail or message. Plain HTML, the site's style sheet, no script.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::summary::Summary;
use crate::mail::amsterdam_time;
use crate::store::Pickup;

#[derive(Template)]
#[template(path = "pickup/page.html")]
struct Page<'a> {
    title: &'a str,
    lines: Vec<String>,
    facts: Vec<(&'static str, String)>,
    /// Where the button posts; no button when `None`.
    action: Option<String>,
    /// What was wrong with the name typed.
    error: Option<&'a str>,
}

fn respond(status: StatusCode, page: Page<'_>) -> Response {
    let html = crate::html::page(&page);
    // A pickup page is about one moment of one record: never cached.
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// GET of a valid link for a form nobody picked up yet: facts and a button.
/// With `error`, the name typed was not usable: nothing changed.
pub fn confirm(summary: &Summary, action: String, error: Option<&str>) -> Response {
    respond(
        if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK },
        Page {
            title: "Pak je dit formulier op?",
            lines: vec!["Klik op de knop als jij dit formulier oppakt. Dan krijgt niemand er nog een herinnering over.".into()],
            facts: summary.facts(),
            action: Some(action),
            error,
        },
    )
}

/// After the button: it is yours now.
pub fn picked_up(summary: &Summary) -> Response {
    respond(
        StatusCode::OK,
        Page {
            title: "Je hebt dit formulier opgepakt",
            lines: vec!["Bedankt. Er gaan geen herinneringen meer over dit formulier.".into()],
            facts: summary.facts(),
            action: None,
            error: None,
        },
    )
}

/// Opened (or the button pressed) again after someone picked it up.
pub fn already(summary: &Summary, pickup: &Pickup) -> Response {
    let when = pickup.picked_up_at.map(dutch_time).unwrap_or_default();
    let line = match &pickup.picked_up_by {
        Some(by) => format!("Dit formulier is al opgepakt op {when} door {}.", by.as_str()),
        None => format!("Dit formulier is al opgepakt op {when}."),
    };
    respond(
        StatusCode::OK,
        Page {
            title: "Dit formulier is al opgepakt",
            lines: vec![line, "Je hoeft niets meer te doen.".into()],
            facts: summary.facts(),
            action: None,
            error: None,
        },
    )
}

/// A link that was changed, or not made by us.
pub fn tampered() -> Response {
    respond(
        StatusCode::FORBIDDEN,
        Page {
            title: "Deze link klopt niet",
            lines: vec![
                "De link is veranderd of niet helemaal overgenomen. Er is niets aangepast.".into(),
                "Open de link opnieuw vanuit de e-mail. Lukt dat niet? Kopieer dan de hele link uit de e-mail.".into(),
            ],
            facts: Vec::new(),
            action: None,
            error: None,
        },
    )
}

/// A link past its end, or a form no longer kept.
pub fn gone() -> Response {
    respond(
        StatusCode::GONE,
        Page {
            title: "Deze link is verlopen",
            lines: vec!["Dit formulier wordt niet meer bewaard, dus de link werkt niet meer. Er is niets aangepast.".into()],
            facts: Vec::new(),
            action: None,
            error: None,
        },
    )
}

/// The store could not be reached: nothing changed, try again.
pub fn unavailable() -> Response {
    respond(
        StatusCode::SERVICE_UNAVAILABLE,
        Page {
            title: "Dit lukt nu even niet",
            lines: vec!["Er is niets aangepast. Probeer het over een paar minuten opnieuw.".into()],
            facts: Vec::new(),
            action: None,
            error: None,
        },
    )
}

/// `27-11-2026 om 14:05`, Dutch time.
pub fn dutch_time(t: time::OffsetDateTime) -> String {
    let t = amsterdam_time(t);
    format!("{:02}-{:02}-{} om {:02}:{:02}", t.day(), u8::from(t.month()), t.year(), t.hour(), t.minute())
}

/// `27-11-2026`, Dutch date.
pub fn dutch_date(t: time::OffsetDateTime) -> String {
    let t = amsterdam_time(t);
    format!("{:02}-{:02}-{}", t.day(), u8::from(t.month()), t.year())
}
