//! What in a page or mail could run or load something: the test for
//! "typed HTML stays text". Parsed with lol_html (an HTML tokenizer), so
//! markup inside a quoted attribute value does not count, as in a browser.

use std::cell::RefCell;

use lol_html::{RewriteStrSettings, element, rewrite_str};

/// Elements and attributes that execute or load: `<script>`, `<img>`,
/// `<iframe>`, `on…=` handlers, `javascript:` links.
pub fn active_content(html: &str) -> Vec<String> {
    let found = RefCell::new(Vec::new());
    let settings = RewriteStrSettings::new().append_element_content_handler(element!("*", |el| {
        let name = el.tag_name();
        if matches!(name.as_str(), "script" | "img" | "iframe" | "object" | "embed" | "svg" | "style" | "base") {
            found.borrow_mut().push(format!("<{name}> {:?}", el.get_attribute("src")));
        }
        for attr in el.attributes() {
            let value = attr.value().to_ascii_lowercase();
            if attr.name().starts_with("on") || value.trim_start().starts_with("javascript:") {
                found.borrow_mut().push(format!("<{name} {}={:?}>", attr.name(), attr.value()));
            }
        }
        Ok(())
    }));
    rewrite_str(html, settings).expect("html tokenizes");
    found.into_inner()
}
