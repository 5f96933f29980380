//! The error page for browsers without JavaScript: the very form page the
//! user came from (built by zola), rewritten to show their values and our
//! errors. The markup contract is in docs/architecture.md.
//!
//! What we put into the page is rendered from templates
//! (functions/templates/form/) or, for a single value, escaped by
//! `html::escape`: one escaper for all of it. lol_html takes attribute
//! values as raw markup, so they are escaped too.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use lol_html::html_content::{ContentType, Element};
use lol_html::{ElementContentHandlers, RewriteStrSettings, Selector, element, rewrite_str};

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
        let page = self.source(kind, lang).await;
        let notice = Notice::Errors(listed(page.as_deref().unwrap_or(""), lang, errors));
        answer(page, kind, lang, raw, notice, Key::Keep)
    }

    /// The form again, as typed, with a new key and a message to send it
    /// once more: its old key was used before for a different form.
    pub async fn send_again_page(&self, kind: FormKind, lang: Lang, raw: &RawForm, message: &str) -> String {
        answer(self.source(kind, lang).await, kind, lang, raw, Notice::SendAgain(message), Key::Fresh)
    }

    /// The form again, as typed, with the same key and a message to try
    /// again later: it could not be stored just now. The same key makes a
    /// later send that gets through one form, never two.
    pub async fn try_again_page(&self, kind: FormKind, lang: Lang, raw: &RawForm, message: &str) -> String {
        answer(self.source(kind, lang).await, kind, lang, raw, Notice::SendAgain(message), Key::Keep)
    }
}

/// The site's form page rewritten, or the plain page when there is no
/// site page or it cannot be rewritten.
fn answer(page: Option<String>, kind: FormKind, lang: Lang, raw: &RawForm, notice: Notice<'_>, key: Key) -> String {
    page.and_then(|page| {
        let shown = Shown::new(Words::of(lang), &notice).ok()?;
        rewrite(&page, &shown, raw, key).ok()
    })
    .unwrap_or_else(|| plain_page(kind, lang, notice))
}

/// One error as the summary lists it.
struct Listed {
    field: &'static str,
    message: String,
}

/// What the page says on top.
enum Notice<'a> {
    /// Each field's problem, linked to the field.
    Errors(Vec<Listed>),
    /// Nothing is wrong with the fields; the form must be sent once more,
    /// now or in a minute: the message says which.
    SendAgain(&'a str),
}

/// The summary's content (`#error-summary`).
#[derive(Template)]
#[template(path = "form/summary.html")]
struct Summary<'a> {
    title: &'a str,
    notice: &'a Notice<'a>,
}

/// The content of a field's error paragraph (`#{field}-error`).
#[derive(Template)]
#[template(path = "form/field_error.html")]
struct FieldError<'a> {
    prefix: &'a str,
    message: &'a str,
}

/// The page when the site's form page cannot be read.
#[derive(Template)]
#[template(path = "form/plain.html")]
struct PlainPage<'a> {
    lang: &'a str,
    dir: &'a str,
    title: &'a str,
    notice: Notice<'a>,
    send_again_title: &'a str,
    form_page: &'a str,
    back: &'a str,
}

/// The interface words the rewritten page adds, in the page's language.
struct Words<'a> {
    prefix: &'a str,
    summary_title: &'a str,
    send_again_title: &'a str,
}

impl Words<'static> {
    fn of(lang: Lang) -> Self {
        let t = lang.texts();
        Words { prefix: t.error_prefix, summary_title: t.error_summary_title, send_again_title: t.error_send_again_title }
    }
}

/// Every piece of markup the rewrite puts in, rendered before it starts.
struct Shown {
    /// Before the `<title>`'s text.
    title_prefix: String,
    summary: String,
    /// Field name → content of its error paragraph.
    field_errors: HashMap<&'static str, String>,
}

impl Shown {
    fn new(words: Words<'_>, notice: &Notice<'_>) -> Result<Self, askama::Error> {
        let title = match notice {
            Notice::Errors(_) => words.summary_title,
            Notice::SendAgain(_) => words.send_again_title,
        };
        let summary = Summary { title, notice }.render()?;
        let mut field_errors = HashMap::new();
        if let Notice::Errors(listed) = notice {
            for item in listed {
                field_errors.insert(item.field, FieldError { prefix: words.prefix, message: &item.message }.render()?);
            }
        }
        Ok(Shown { title_prefix: escape(words.prefix), summary, field_errors })
    }

    fn has_error(&self, field: &str) -> bool {
        self.field_errors.contains_key(field)
    }
}

/// The errors in the order their fields appear on the page (GOV.UK style).
fn listed(page: &str, lang: Lang, errors: &FieldErrors) -> Vec<Listed> {
    let mut listed: Vec<_> = errors.iter().collect();
    listed.sort_by_key(|(field, _)| page.find(&format!("id=\"{}\"", field.as_str())).unwrap_or(usize::MAX));
    listed
        .into_iter()
        .map(|(field, problem)| Listed { field: field.as_str(), message: errors.message(field, problem, lang) })
        .collect()
}

fn plain_page(kind: FormKind, lang: Lang, notice: Notice<'_>) -> String {
    let t = lang.texts();
    let page = PlainPage {
        lang: lang.as_str(),
        dir: lang.dir(),
        title: t.error_page_title,
        notice,
        send_again_title: t.error_send_again_title,
        form_page: kind.page_path(lang),
        back: t.error_page_back,
    };
    crate::html::page(&page)
}

/// What happens to the form's idempotency key (`submission_id`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A corrected resend of the same form stays idempotent.
    Keep,
    /// The old key belongs to another form.
    Fresh,
}

type Handler<'h> = (Cow<'static, Selector>, ElementContentHandlers<'h>);

/// Two passes over the page: one shows the errors and puts back what was
/// typed; the second selects the chosen `<option>`s.
fn rewrite(html: &str, shown: &Shown, raw: &RawForm, key: Key) -> Result<String, lol_html::errors::RewritingError> {
    let mut handlers = show_errors(shown);
    handlers.extend(put_back_typed(raw));
    handlers.push(idempotency_key(raw, key));
    let first = rewrite_str(html, settings(handlers))?;
    rewrite_str(&first, settings(select_options(raw)))
}

fn settings(handlers: Vec<Handler<'_>>) -> RewriteStrSettings<'_, 'static> {
    handlers.into_iter().fold(RewriteStrSettings::new(), |s, h| s.append_element_content_handler(h))
}

/// Title, summary, field wrappers, error paragraphs and the controls'
/// `aria-invalid` / `aria-describedby`.
fn show_errors(shown: &Shown) -> Vec<Handler<'_>> {
    let mut handlers = vec![
        element!("title", |el| {
            el.prepend(&shown.title_prefix, ContentType::Html);
            Ok(())
        }),
        element!("#error-summary", |el| {
            el.remove_attribute("hidden");
            el.set_attribute("role", "alert")?;
            el.set_inner_content(&shown.summary, ContentType::Html);
            Ok(())
        }),
        element!("[data-field]", |el| {
            let name = el.get_attribute("data-field").unwrap_or_default();
            if shown.has_error(&name) {
                let class = el.get_attribute("class").unwrap_or_default();
                el.set_attribute("class", format!("{class} field--error").trim())?;
            }
            Ok(())
        }),
        element!("p.field-error[id$='-error']", |el| {
            let id = el.get_attribute("id").unwrap_or_default();
            if let Some(content) = shown.field_errors.get(id.trim_end_matches("-error")) {
                el.remove_attribute("hidden");
                el.set_inner_content(content, ContentType::Html);
            }
            Ok(())
        }),
    ];
    for control in ["input[name]", "textarea[name]", "select[name]"] {
        handlers.push(element!(control, |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            if shown.has_error(&name) {
                mark_invalid(el, &name)?;
            }
            Ok(())
        }));
    }
    handlers
}

fn mark_invalid(el: &mut Element, name: &str) -> Result<(), lol_html::errors::AttributeNameError> {
    let error_id = format!("{name}-error");
    el.set_attribute("aria-invalid", "true")?;
    let describedby = match el.get_attribute("aria-describedby") {
        Some(existing) if existing.split_whitespace().any(|id| id == error_id) => existing,
        Some(existing) => format!("{existing} {error_id}"),
        None => error_id,
    };
    el.set_attribute("aria-describedby", &describedby)
}

/// Text typed by the user, as it goes back into the form.
fn typed<'a>(raw: &'a RawForm, name: &str) -> &'a str {
    raw.get(name).unwrap_or("")
}

/// Values into inputs, checks into boxes and radios, text into textareas.
fn put_back_typed(raw: &RawForm) -> Vec<Handler<'_>> {
    vec![
        element!("input[name]", |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            let kind = el.get_attribute("type").unwrap_or_else(|| "text".into()).to_ascii_lowercase();
            match kind.as_str() {
                "checkbox" | "radio" => {
                    let sent = typed(raw, &name);
                    let value = el.get_attribute("value").unwrap_or_else(|| "on".into());
                    let checked = if kind == "checkbox" { !sent.is_empty() } else { sent == value };
                    if checked {
                        el.set_attribute("checked", "")?;
                    } else {
                        el.remove_attribute("checked");
                    }
                }
                // The honeypot stays empty; `lang` stays the page's own.
                "hidden" | "submit" | "button" | "reset" | "file" | "image" => {}
                _ if name == "website" => {}
                _ => el.set_attribute("value", &escape(typed(raw, &name)))?,
            }
            Ok(())
        }),
        element!("textarea[name]", |el| {
            let name = el.get_attribute("name").unwrap_or_default();
            el.set_inner_content(&escape(typed(raw, &name)), ContentType::Html);
            Ok(())
        }),
    ]
}

/// `submission_id`: the sent key again, or a new one.
fn idempotency_key(raw: &RawForm, key: Key) -> Handler<'_> {
    element!("input[name='submission_id']", move |el| {
        let sent = typed(raw, "submission_id").trim();
        let value = match key {
            Key::Keep if uuid::Uuid::try_parse(sent).is_ok() => sent.to_owned(),
            _ => uuid::Uuid::new_v4().to_string(),
        };
        el.set_attribute("value", &value)?;
        Ok(())
    })
}

/// `<option>`s need their `<select>`'s name, which a streaming handler
/// does not see: a handler per field that may be a select.
fn select_options(raw: &RawForm) -> Vec<Handler<'_>> {
    Field::ALL
        .iter()
        .map(|field| {
            let sent = typed(raw, field.as_str()).to_owned();
            element!(format!("select[name='{}'] option", field.as_str()), move |el| {
                if el.get_attribute("value").is_some_and(|v| v == sent) {
                    el.set_attribute("selected", "")?;
                } else {
                    el.remove_attribute("selected");
                }
                Ok(())
            })
        })
        .collect()
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

    fn invalid(body: &str) -> (RawForm, Lang, FieldErrors) {
        let raw = RawForm::from_urlencoded(body.as_bytes());
        let Parsed::Invalid { errors, lang } = parse(FormKind::Contact, &raw) else { panic!("expected errors") };
        (raw, lang, errors)
    }

    /// The page rewritten for this post, with the words of its language
    /// or the ones given.
    fn render_with(page: &str, words: Option<Words<'_>>, body: &str) -> String {
        let (raw, lang, errors) = invalid(body);
        let words = words.unwrap_or_else(|| Words::of(lang));
        let shown = Shown::new(words, &Notice::Errors(listed(page, lang, &errors))).unwrap();
        rewrite(page, &shown, &raw, Key::Keep).unwrap()
    }

    fn render(body: &str) -> String {
        render_with(PAGE, None, body)
    }

    fn new_key(html: &str) -> &str {
        html.split(r#"name="submission_id" value=""#).nth(1).unwrap().split('"').next().unwrap()
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
        assert!(html.contains(r#"aria-describedby="name-hint""#) && !html.contains("name-hint name-error"), "{html}");
        assert!(html.contains(r#"class="field field--error" data-field="email""#), "{html}");
        assert!(!html.contains(r#"class="field field--error" data-field="name""#));
        assert!(html.contains(
            r#"<p class="field-error" id="email-error"><span class="visually-hidden">Fout: </span>Vul een e-mailadres in zoals naam@voorbeeld.nl"#
        ));
    }

    #[test]
    fn typed_html_stays_text() {
        let html =
            render("name=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22+onfocus%3D%22x&message=%3C%2Ftextarea%3E%3Cimg+src%3Dx%3E");
        // Everything typed goes back through the one escaper, in attributes and text alike.
        assert!(html.contains(r#"value="&#60;script&#62;alert(1)&#60;/script&#62;&#34; onfocus=&#34;x""#), "{html}");
        assert!(
            html.contains("<textarea id=\"message\" name=\"message\">&#60;/textarea&#62;&#60;img src=x&#62;</textarea>"),
            "{html}"
        );
        assert!(!html.contains("<img src=x>") && !html.contains("<script>"), "{html}");
    }

    #[test]
    fn an_entity_typed_comes_back_as_typed() {
        // lol_html writes attribute values as given: unescaped, a browser
        // would show `&` where the user typed `&amp;`.
        let html = render("name=Tom+%26amp%3B+Jerry&message=a+%26lt%3B+b");
        assert!(html.contains(r#"value="Tom &#38;amp; Jerry""#), "{html}");
        assert!(html.contains(">a &#38;lt; b</textarea>"), "{html}");
    }

    #[test]
    fn the_translated_words_are_text_too() {
        let words = Words { prefix: "<b>Fout</b>: ", summary_title: "<i>Mis</i>", send_again_title: "" };
        let html = render_with(PAGE, Some(words), "name=");
        assert!(!html.contains("<b>") && !html.contains("<i>"), "{html}");
        assert!(html.contains("<title>&#60;b&#62;Fout&#60;/b&#62;: Contact</title>"), "{html}");
        assert!(html.contains(r#"<span class="visually-hidden">&#60;b&#62;Fout&#60;/b&#62;: </span>"#), "{html}");
        assert!(html.contains(r#"<h2 class="error-summary__title">&#60;i&#62;Mis&#60;/i&#62;</h2>"#), "{html}");
    }

    #[test]
    fn a_fresh_idempotency_key_replaces_a_missing_one() {
        let html = render("name=");
        assert!(uuid::Uuid::try_parse(new_key(&html)).is_ok(), "{html}");
    }

    #[test]
    fn a_form_to_send_again_keeps_what_was_typed_under_a_new_key() {
        let key = "0190a0b0-0000-7000-8000-000000000001";
        let raw = RawForm::from_urlencoded(format!("name=Sanne&message=Hallo&submission_id={key}").as_bytes());
        let shown = Shown::new(Words::of(Lang::En), &Notice::SendAgain("Send it <once> more")).unwrap();
        let html = rewrite(PAGE, &shown, &raw, Key::Fresh).unwrap();
        assert!(html.contains(r#"value="Sanne""#), "{html}");
        assert!(
            html.contains(r#"role="alert"><h2 class="error-summary__title">Send the form once more</h2><p>Send it &#60;once&#62; more</p></div>"#),
            "{html}"
        );
        assert!(uuid::Uuid::try_parse(new_key(&html)).is_ok() && new_key(&html) != key, "{html}");
    }

    #[test]
    fn the_summary_lists_the_errors_in_page_order() {
        // A page that asks for the message first (as the referral page asks
        // for the referrer first): the summary follows the page.
        let message = r#"<div class="field" data-field="message"><p class="field-error" id="message-error" hidden></p><textarea id="message" name="message"></textarea></div>"#;
        let page = PAGE
            .replace(message, "")
            .replace(r#"<div class="field" data-field="name">"#, &format!(r#"{message}<div class="field" data-field="name">"#));
        let html = render_with(&page, None, "lang=nl");
        let at = |field: &str| html.find(&format!(r##"<li><a href="#{field}">"##)).unwrap_or_else(|| panic!("{field}: {html}"));
        assert!(at("message") < at("name") && at("name") < at("privacy_consent"), "{html}");
    }

    #[test]
    fn without_the_site_page_a_plain_page_lists_the_errors_and_links_back() {
        let (raw, lang, errors) = invalid("lang=ar&name=%3Cb%3E");
        // No page from the site and none built in: what `answer` makes of no page.
        let notice = Notice::Errors(listed("", lang, &errors));
        let html = answer(None, FormKind::Contact, lang, &raw, notice, Key::Keep);
        let t = Lang::Ar.texts();
        assert!(html.contains(r#"<html lang="ar" dir="rtl">"#), "{html}");
        assert!(html.contains(&format!("<li>{}</li>", t.error_missing_message)), "{html}");
        assert!(
            html.contains(&format!(r#"<a href="{}">{}</a>"#, FormKind::Contact.page_path(lang), t.error_page_back)),
            "{html}"
        );

        let html = answer(None, FormKind::Contact, lang, &raw, Notice::SendAgain("<again>"), Key::Fresh);
        assert!(html.contains(&format!("<h2>{}</h2>\n<p>&#60;again&#62;</p>", t.error_send_again_title)), "{html}");
        assert!(!html.contains("<ul>"), "{html}");
    }
}
