//! How the function makes HTML: askama templates (functions/templates/)
//! for every page and every piece it puts into a page, and askama's
//! escaper for a single value put in by hand (pages.rs). One escaper for
//! all of it.

use askama::Template;

/// Text made safe to stand in markup, text or attribute value alike.
pub fn escape(text: &str) -> String {
    match askama::filters::escape(text, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

/// A whole page. Our templates hold only text, so rendering does not
/// fail; should it ever, the answer still says something went wrong.
pub fn page(template: &impl Template) -> String {
    template.render().unwrap_or_else(|error| {
        tracing::error!(%error, "a page template did not render");
        FAILED.to_owned()
    })
}

const FAILED: &str = include_str!("../templates/failed.html");

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_quotes_become_text() {
        assert_eq!(super::escape(r#"<b title='y'>"&"</b>"#), "&#60;b title=&#39;y&#39;&#62;&#34;&#38;&#34;&#60;/b&#62;");
    }
}
