//! The one HTML escaper for text we put into markup ourselves (the error
//! summary, the plain fallback pages): askama's, as in the mail templates.

pub fn escape(text: &str) -> String {
    match askama::filters::escape(text, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_quotes_become_text() {
        assert_eq!(super::escape(r#"<b title='y'>"&"</b>"#), "&#60;b title=&#39;y&#39;&#62;&#34;&#38;&#34;&#60;/b&#62;");
    }
}
