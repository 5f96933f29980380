//! The error page for browsers without JavaScript: the very form page the
//! user came from (built by zola), rewritten to show their values and our
//! errors. The markup contract is in docs/architecture.md.

use std::collections::HashMap;
use std::sync::Arc;

use lol_html::html_content::{ContentType, Element};
use lol_html::{RewriteStrSettings, element, rewrite_str};

use crate::domain::{Field, FieldErrors, FormKind, Lang, RawForm};
use crate::html::escape;
use crate::site_data::{SiteData, page_key};

/// The built form pages: as the site publishes them now (`SiteData`: the
/// served folder locally, the site's address on Lambda), else the copies
/// built into the binary, else a plain page.
pub struct FormPages {
    site: Arc<SiteData>,
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_pages.rs"));
}

impl FormPages {
    pub fn new(site: Arc<SiteData>) -> Self {
        Self { site }
    }

    async fn source(&self, kind: FormKind, lang: Lang) -> Option<String> {
        let path = kind.page_path(lang);
        match self.site.read(&page_key(path)).await {
            Some(html) => Some(html.to_string()),
            None => embedded::PAGES.iter().find(|(p, _)| *p == path).map(|(_, html)| (*html).to_owned()),
        }
    }

    /// The form page with errors and values, or a plain page listing the
    /// errors if the site's page is not available.
    pub async fn error_page(&self, kind: FormKind, lang: Lang, errors: &FieldErrors, raw: &RawForm) -> String {
        self.source(kind, lang)
            .await
            .and_then(|html| {
                let summary = summary_html(&html, lang, errors);
                rewrite(&html, lang, errors, raw, &summary, Key::Keep).ok()
            })
            .unwrap_or_else(|| fallback_page(kind, lang, errors))
    }

    /// The form again, as typed, with a new key and a message to send it
    /// once more: its old key was used before for a different form.
    pub async fn send_again_page(&self, kind: FormKind, lang: Lang, raw: &RawForm, message: &str) -> String {
        self.form_again(kind, lang, raw, message, Key::Fresh).await
    }

    /// The form again, as typed, with the same key and a message to try
    /// again later: it could not be stored just now. The same key makes a
    /// later send that gets through one form, never two.
    pub async fn try_again_page(&self, kind: FormKind, lang: Lang, raw: &RawForm, message: &str) -> String {
        self.form_again(kind, lang, raw, message, Key::Keep).await
    }

    async fn form_again(&self, kind: FormKind, lang: Lang, raw: &RawForm, message: &str, key: Key) -> String {
        let summary = format!(
            "<h2 class=\"error-summary__title\">{}</h2><p>{}</p>",
            escape(lang.texts().error_send_again_title),
            escape(message)
        );
        self.source(kind, lang)
            .await
            .and_then(|html| rewrite(&html, lang, &FieldErrors::default(), raw, &summary, key).ok())
            .unwrap_or_else(|| fallback_page(kind, lang, &FieldErrors::default()).replace("<ul></ul>", &summary))
    }
}

/// Text typed by the user, as it goes back into the form.
fn typed<'a>(raw: &'a RawForm, name: &str) -> &'a str {
    raw.get(name).unwrap_or("")
}

/// What happens to the form's idempotency key (`submission_id`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A corrected resend of the same form stays idempotent.
    Keep,
    /// The old key belongs to another form.
    Fresh,
}

fn rewrite(
    html: &str,
    lang: Lang,
    errors: &FieldErrors,
    raw: &RawForm,
    summary: &str,
    key: Key,
) -> Result<String, lol_html::errors::RewritingError> {
    let messages: HashMap<&str, String> = errors.messages(lang).into_iter().collect();
    let prefix = lang.texts().error_prefix;

    let mark_control = |el: &mut Element, name: &str| {
        if messages.contains_key(name) {
            el.set_attribute("aria-invalid", "true").ok();
            let describedby = match el.get_attribute("aria-describedby") {
                Some(existing) if !existing.split_whitespace().any(|id| id == format!("{name}-error")) => {
                    format!("{existing} {name}-error")
                }
                Some(existing) => existing,
                None => format!("{name}-error"),
            };
            el.set_attribute("aria-describedby", &describedby).ok();
        }
    };

    let handlers = vec![
        element!("title", |el| {
            el.prepend(prefix, ContentType::Text);
            Ok(())
        }),
        element!("#error-summary", |el| {
            el.remove_attribute("hidden");
            el.set_attribute("role", "alert").ok();
            el.set_inner_content(summary, ContentType::Html);
            Ok(())
        }),
        element!("[data-field]", |el| {
            let name = el.get_attribute("data-field").unwrap_or_default();
            if messages.contains_key(name.as_str()) {
                let class = el.get_attribute("class").unwrap_or_default();
                el.set_attribute("class", format!("{class} field--error").trim()).ok();
            }
            Ok(())
        }),
        element!("p.field-error[id$='-error']", |el| {
            let id = el.get_attribute("id").unwrap_or_default();
            let name = id.trim_end_matches("-error");
            if let Some(message) = messages.get(name) {
                el.remove_attribute("hidden");
                el.set_inner_content(&format!("<span class=\"visually-hidden\">{prefix}</span>"), ContentType::Html);
                el.append(message, ContentType::Text);
            }
            Ok(())
        }),
        element!("input[name]", |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            let kind = el.get_attribute("type").unwrap_or_else(|| "text".into()).to_ascii_lowercase();
            match kind.as_str() {
                "checkbox" | "radio" => {
                    let value = el.get_attribute("value").unwrap_or_else(|| "on".into());
                    let sent = typed(raw, &name);
                    let checked = if kind == "checkbox" { !sent.is_empty() } else { sent == value };
                    if checked {
                        el.set_attribute("checked", "").ok();
                    } else {
                        el.remove_attribute("checked");
                    }
                }
                // The honeypot stays empty; `lang` stays the page's own.
                "hidden" | "submit" | "button" | "reset" | "file" | "image" => {}
                _ if name == "website" => {}
                _ => {
                    el.set_attribute("value", typed(raw, &name)).ok();
                }
            }
            mark_control(el, &name);
            Ok(())
        }),
        element!("input[name='submission_id']", |el| {
            let sent = typed(raw, "submission_id").trim();
            let value = match key {
                Key::Keep if uuid::Uuid::try_parse(sent).is_ok() => sent.to_owned(),
                _ => uuid::Uuid::new_v4().to_string(),
            };
            el.set_attribute("value", &value).ok();
            Ok(())
        }),
        element!("textarea[name]", |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            el.set_inner_content(typed(raw, &name), ContentType::Text);
            mark_control(el, &name);
            Ok(())
        }),
        element!("select[name]", |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            mark_control(el, &name);
            Ok(())
        }),
    ];
    let settings = handlers.into_iter().fold(RewriteStrSettings::new(), |s, h| s.append_element_content_handler(h));
    let first = rewrite_str(html, settings)?;
    select_options(&first, raw)
}

/// `<option>`s need their `<select>`'s name, which a streaming handler
/// does not see: a second pass per select keeps it simple.
fn select_options(html: &str, raw: &RawForm) -> Result<String, lol_html::errors::RewritingError> {
    let handlers = Field::ALL
        .iter()
        .map(|field| {
            let sent = typed(raw, field.as_str()).to_owned();
            element!(format!("select[name='{}'] option", field.as_str()), move |el| {
                if el.get_attribute("value").is_some_and(|v| v == sent) {
                    el.set_attribute("selected", "").ok();
                } else {
                    el.remove_attribute("selected");
                }
                Ok(())
            })
        })
        .fold(RewriteStrSettings::new(), |s, h| s.append_element_content_handler(h));
    rewrite_str(html, handlers)
}

/// GOV.UK-style summary: a heading and a link to each field, in the
/// order the fields appear on the page.
fn summary_html(page: &str, lang: Lang, errors: &FieldErrors) -> String {
    let mut html = format!(
        "<h2 class=\"error-summary__title\">{}</h2><ul class=\"error-summary__list\">",
        escape(lang.texts().error_summary_title)
    );
    let mut listed: Vec<_> = errors.iter().collect();
    listed.sort_by_key(|(field, _)| page.find(&format!("id=\"{}\"", field.as_str())).unwrap_or(usize::MAX));
    for (field, problem) in listed {
        html.push_str(&format!("<li><a href=\"#{}\">{}</a></li>", field.as_str(), escape(&errors.message(field, problem, lang))));
    }
    html.push_str("</ul>");
    html
}

fn fallback_page(kind: FormKind, lang: Lang, errors: &FieldErrors) -> String {
    let title = escape(lang.texts().error_page_title);
    let back = escape(lang.texts().error_page_back);
    let mut items = String::new();
    for (field, problem) in errors.iter() {
        items.push_str(&format!("<li>{}</li>", escape(&errors.message(field, problem, lang))));
    }
    format!(
        "<!doctype html><html lang=\"{lang}\"{dir}><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><main><h1>{title}</h1><ul>{items}</ul><p><a href=\"{page}\">{back}</a></p></main></body></html>",
        lang = lang.as_str(),
        dir = if lang == Lang::Ar { " dir=\"rtl\"" } else { "" },
        page = kind.page_path(lang),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Parsed, parse};

    const PAGE: &str = r#"<!doctype html><html lang="nl"><head><title>Contact</title></head><body>
<div id="error-summary" class="error-summary" tabindex="-1" hidden></div>
<form method="post" action="/api/forms/contact" novalidate>
<input type="hidden" name="lang" value="nl"><input type="hidden" name="submission_id" value="">
<div class="hp"><input type="text" id="website" name="website" tabindex="-1" autocomplete="off"></div>
<div class="field" data-field="name"><label for="name">Naam</label><p class="field-error" id="name-error" hidden></p><input type="text" id="name" name="name" aria-describedby="name-hint"></div>
<div class="field" data-field="email"><p class="field-error" id="email-error" hidden></p><input type="email" id="email" name="email"></div>
<div class="field" data-field="municipality"><select id="municipality" name="municipality"><option value="">Kies</option><option value="heemskerk">Heemskerk</option></select></div>
<div class="field" data-field="message"><p class="field-error" id="message-error" hidden></p><textarea id="message" name="message"></textarea></div>
<div class="field" data-field="privacy_consent"><p class="field-error" id="privacy_consent-error" hidden></p><input type="checkbox" id="privacy_consent" name="privacy_consent" value="yes"></div>
</form></body></html>"#;

    fn render(body: &str) -> String {
        let raw = RawForm::from_urlencoded(body.as_bytes());
        let Parsed::Invalid { errors, lang } = parse(FormKind::Contact, &raw) else { panic!("expected errors") };
        rewrite(PAGE, lang, &errors, &raw, &summary_html(PAGE, lang, &errors), Key::Keep).unwrap()
    }

    #[test]
    fn shows_the_errors_and_keeps_what_was_typed() {
        let html = render("name=Sanne&email=niet-goed&municipality=heemskerk&message=Hallo%0Ahier");
        assert!(html.contains("<title>Fout: Contact</title>"), "{html}");
        assert!(html.contains(r##"<a href="#email">"##), "{html}");
        assert!(html.contains(r#"value="Sanne""#));
        assert!(html.contains(r#"value="niet-goed""#));
        assert!(html.contains(">Hallo\nhier</textarea>"));
        assert!(html.contains(r#"<option value="heemskerk" selected="">"#), "{html}");
        assert!(html.contains(r#"aria-invalid="true" aria-describedby="email-error""#), "{html}");
        assert!(html.contains(r#"class="field field--error" data-field="email""#), "{html}");
        assert!(!html.contains(r#"class="field field--error" data-field="name""#));
        assert!(html.contains("Vul een e-mailadres in zoals naam@voorbeeld.nl"));
    }

    #[test]
    fn typed_html_stays_text() {
        let html =
            render("name=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22+onfocus%3D%22x&message=%3C%2Ftextarea%3E%3Cimg+src%3Dx%3E");
        // Quotes are escaped inside the attribute; markup in a textarea is text.
        assert!(html.contains(r#"value="<script>alert(1)</script>&quot; onfocus=&quot;x""#), "{html}");
        assert!(
            html.contains("<textarea id=\"message\" name=\"message\">&lt;/textarea&gt;&lt;img src=x&gt;</textarea>"),
            "{html}"
        );
        assert!(!html.contains("<img src=x>"), "{html}");
    }

    #[test]
    fn a_fresh_idempotency_key_replaces_a_missing_one() {
        let html = render("name=");
        let key = html.split(r#"name="submission_id" value=""#).nth(1).unwrap().split('"').next().unwrap();
        assert!(uuid::Uuid::try_parse(key).is_ok(), "{key}");
    }

    #[test]
    fn a_form_to_send_again_keeps_what_was_typed_under_a_new_key() {
        let key = "0190a0b0-0000-7000-8000-000000000001";
        let raw = RawForm::from_urlencoded(format!("name=Sanne&message=Hallo&submission_id={key}").as_bytes());
        let summary = "<p>Send it once more</p>";
        let html = rewrite(PAGE, Lang::En, &FieldErrors::default(), &raw, summary, Key::Fresh).unwrap();
        assert!(html.contains(r#"value="Sanne""#), "{html}");
        assert!(html.contains(summary) && !html.contains("hidden></div>"), "{html}");
        let new_key = html.split(r#"name="submission_id" value=""#).nth(1).unwrap().split('"').next().unwrap();
        assert!(uuid::Uuid::try_parse(new_key).is_ok() && new_key != key, "{new_key}");
    }

    #[test]
    fn the_summary_lists_the_errors_in_page_order() {
        // A page that asks for the message first (as the referral page asks
        // for the referrer first): the summary follows the page.
        let message = r#"<div class="field" data-field="message"><p class="field-error" id="message-error" hidden></p><textarea id="message" name="message"></textarea></div>"#;
        let page = PAGE
            .replace(message, "")
            .replace(r#"<div class="field" data-field="name">"#, &format!(r#"{message}<div class="field" data-field="name">"#));
        let raw = RawForm::from_urlencoded(b"lang=nl");
        let Parsed::Invalid { errors, lang } = parse(FormKind::Contact, &raw) else { panic!("expected errors") };
        let html = rewrite(&page, lang, &errors, &raw, &summary_html(&page, lang, &errors), Key::Keep).unwrap();
        let at = |field: &str| html.find(&format!(r##"<li><a href="#{field}">"##)).unwrap_or_else(|| panic!("{field}: {html}"));
        assert!(at("message") < at("name") && at("name") < at("privacy_consent"), "{html}");
    }
}
