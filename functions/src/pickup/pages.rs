//! The pages behind a pickup link, in Dutch for coordinators. They show
//! only what identifies the form for a colleague: reference, kind,
//! programme, municipality. Links get forwarded, so never a name, contact
//! detail or message. Plain HTML, the site's style sheet, no script; their
//! words are in `crate::words`.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::summary::Summary;
use crate::store::Pickup;
use crate::words;

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
    caption: &'static str,
    field: &'static words::PickerField,
}

fn respond(status: StatusCode, page: Page<'_>) -> Response {
    let html = crate::html::page(&page);
    // A pickup page is about one moment of one record: never cached.
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

impl Page<'_> {
    /// A page with these words and facts, without a button.
    fn of(words: &words::PageWords, facts: Vec<(&'static str, String)>) -> Self {
        let lines = words.lines.iter().map(|line| (*line).to_owned()).collect();
        Page {
            title: words.title,
            lines,
            facts,
            action: None,
            error: None,
            caption: words::FACTS_CAPTION,
            field: &words::PICKER_FIELD,
        }
    }
}

/// GET of a valid link for a form nobody picked up yet: facts and a button.
/// With `error`, the name typed was not usable: nothing changed.
pub fn confirm(summary: &Summary, action: String, error: Option<&str>) -> Response {
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    respond(status, Page { action: Some(action), error, ..Page::of(&words::CONFIRM_PAGE, summary.facts()) })
}

/// After the button: it is yours now.
pub fn picked_up(summary: &Summary) -> Response {
    respond(StatusCode::OK, Page::of(&words::PICKED_UP_PAGE, summary.facts()))
}

/// Opened (or the button pressed) again after someone picked it up.
pub fn already(summary: &Summary, pickup: &Pickup) -> Response {
    let mut page = Page::of(&words::ALREADY_PAGE, summary.facts());
    if let Some(at) = pickup.picked_up_at {
        page.lines.insert(0, words::already_picked_up(at, pickup.picked_up_by.as_ref().map(|by| by.as_str())));
    }
    respond(StatusCode::OK, page)
}

/// A link that was changed, or not made by us.
pub fn tampered() -> Response {
    respond(StatusCode::FORBIDDEN, Page::of(&words::TAMPERED_PAGE, Vec::new()))
}

/// A link past its end, or a form no longer kept.
pub fn gone() -> Response {
    respond(StatusCode::GONE, Page::of(&words::GONE_PAGE, Vec::new()))
}

/// The store could not be reached: nothing changed, try again.
pub fn unavailable() -> Response {
    respond(StatusCode::SERVICE_UNAVAILABLE, Page::of(&words::UNAVAILABLE_PAGE, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_with_the_button_says_the_words_of_words_rs_and_escapes_all_it_is_given() {
        let page = Page {
            action: Some("/api/pickup/x?e=1&s=2".into()),
            error: Some(words::PICKER_INVALID),
            ..Page::of(&words::CONFIRM_PAGE, vec![(words::REFERENCE, "<b>abc</b>".into())])
        };
        let html = crate::html::page(&page);
        let field = &words::PICKER_FIELD;
        assert!(html.contains(&format!("<title>{}{} · ", field.error_prefix, words::CONFIRM_PAGE.title)), "{html}");
        assert!(html.contains(&format!("<caption class=\"visually-hidden\">{}</caption>", words::FACTS_CAPTION)), "{html}");
        assert!(html.contains(&format!("{} <span class=\"field-optional\">{}</span>", field.label, field.optional)), "{html}");
        assert!(html.contains(&format!("<p class=\"field-error\" id=\"by-error\">{}</p>", words::PICKER_INVALID)), "{html}");
        assert!(html.contains("Dan zien je collega&#39;s wie"), "{html}");
        assert!(html.contains("<td>&#60;b&#62;abc&#60;/b&#62;</td>"), "{html}");
        assert!(html.contains(r#"action="/api/pickup/x?e=1&#38;s=2""#), "{html}");
    }
}
