//! Property tests: whatever a client sends, parsing never panics, and a
//! form that passes yields mail with only our headers, no over-long line,
//! and an HTML part in which every typed character is text.

use std::cell::RefCell;

use lol_html::{RewriteStrSettings, element, rewrite_str};
use proptest::prelude::*;

use crate::budgets::LEASE;
use crate::directory::Directory;
use crate::domain::{FormKind, Parsed, RawForm, parse};
use crate::mail::Composer;
use crate::store::Record;

/// A form that passes, so that random changes to it still often pass.
fn base(kind: FormKind) -> Vec<(&'static str, &'static str)> {
    let mut fields = vec![
        ("name", "Sanne de Boer"),
        ("email", "sanne@example.org"),
        ("phone", "06 12345678"),
        ("municipality", "heemskerk"),
        ("message", "Hallo"),
        ("privacy_consent", "yes"),
        ("lang", "nl"),
    ];
    fields.extend(match kind {
        FormKind::Contact => vec![],
        FormKind::Registration => vec![("programme", "home-start"), ("children_ages", "3")],
        FormKind::Referral => vec![
            ("programme", "taalhuis"),
            ("referrer_name", "Els"),
            ("referrer_organisation", "School"),
            ("referrer_email", "els@example.org"),
            ("referrer_phone", "0251 123456"),
            ("parent_consent", "on"),
        ],
        FormKind::Volunteer => vec![("programme", "buurtgezinnen")],
    });
    fields
}

/// Values a hostile or careless client might send.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 @.+<>&;\"'=/\\\\\r\n\t\0\u{85}\u{2028}-]{0,60}",
        "[a-z]{1,8}@[a-zà-ÿа-я]{1,8}\\.[a-z]{2,4}",
        prop::sample::select(vec![
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
            "x\r\nBcc: evil@example.com",
            "=?utf-8?q?=0D=0ABcc:_x@example.com?=",
            "jan@exаmple.org",
            "info@bücher.example",
            "&lt;b&gt;",
            "]]><!--",
            "yes",
            "en",
            "unsure",
        ])
        .prop_map(str::to_owned),
        ("[^\r\n]{0,20}", 0usize..1200).prop_map(|(s, n)| s.repeat(n.min(5000 / (s.len() + 1)))),
    ]
}

fn form() -> impl Strategy<Value = (FormKind, Vec<(String, String)>)> {
    (
        prop::sample::select(FormKind::ALL.to_vec()),
        prop::collection::vec(prop::option::weighted(0.15, value()), 14),
        any::<bool>(),
    )
        .prop_map(|(kind, changes, drop_changed)| {
            let mut fields: Vec<(String, String)> = base(kind).into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
            for (i, change) in changes.into_iter().enumerate() {
                let Some(v) = change else { continue };
                if i < fields.len() {
                    if drop_changed && v.is_empty() {
                        fields.remove(i);
                    } else {
                        fields[i].1 = v;
                    }
                } else {
                    let extra = ["submission_id", "website", "children_ages", "referrer_phone", "unknown"];
                    fields.push((extra[i % extra.len()].to_owned(), v));
                }
            }
            (kind, fields)
        })
}

/// The pickup link the coordinator's mail is composed with.
const LINK: &str = "https://steun.example.org/api/pickup/7d1c0a52-0000-4000-8000-000000000000";

const HEADERS: [&str; 9] =
    ["from", "to", "reply-to", "subject", "message-id", "date", "mime-version", "content-type", "content-transfer-encoding"];
// `bdi` and `dir`: the confirmation isolates the name and reference, and
// an Arabic one reads right to left.
const ELEMENTS: [&str; 16] =
    ["html", "head", "meta", "title", "body", "h1", "h2", "p", "table", "tr", "th", "td", "br", "ul", "li", "bdi"];
const ATTRIBUTES: [&str; 6] = ["lang", "dir", "charset", "style", "role", "scope"];

fn check_mail(bytes: &[u8]) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(bytes);
    for line in text.split("\r\n") {
        prop_assert!(line.len() <= 998, "line of {} bytes", line.len());
    }
    let head = &text[..text.find("\r\n\r\n").unwrap()];
    let mut seen = Vec::new();
    for line in head.split("\r\n").filter(|l| !l.starts_with([' ', '\t'])) {
        let name = line.split(':').next().unwrap().to_ascii_lowercase();
        prop_assert!(HEADERS.contains(&name.as_str()), "unexpected header {line:?}");
        prop_assert!(!seen.contains(&name), "header twice: {name}");
        seen.push(name);
    }
    let parsed = mail_parser::MessageParser::default().parse(bytes).unwrap();
    let html = parsed.body_html(0).unwrap();
    let bad = RefCell::new(Vec::new());
    let links = RefCell::new(0);
    let settings = RewriteStrSettings::new().append_element_content_handler(element!("*", |el| {
        let name = el.tag_name();
        // Our own "Ik pak dit op" button, once, to our own address.
        if name == "a" && el.get_attribute("href").as_deref() == Some(LINK) {
            *links.borrow_mut() += 1;
            return Ok(());
        }
        if !ELEMENTS.contains(&name.as_str()) {
            bad.borrow_mut().push(name.clone());
        }
        for attr in el.attributes() {
            if !ATTRIBUTES.contains(&attr.name().as_str()) {
                bad.borrow_mut().push(format!("{name} {}", attr.name()));
            }
        }
        Ok(())
    }));
    rewrite_str(&html, settings).unwrap();
    prop_assert!(bad.borrow().is_empty(), "markup from user text: {:?}", bad.borrow());
    prop_assert!(*links.borrow() <= 1, "one pickup button at most");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_form_parses_without_panic_and_mails_only_safe_content((kind, fields) in form()) {
        let raw_json = RawForm::from_json(&serde_json::to_vec(&fields.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>()).unwrap());
        let raw_form = RawForm::from_urlencoded(serde_urlencoded::to_string(&fields).unwrap().as_bytes());
        for raw in [raw_json.unwrap(), raw_form] {
            let Parsed::Valid { submission, key } = parse(kind, &raw) else { continue };
            let routed_to = Directory::builtin().unwrap().route(&submission).clone();
            let id = key.unwrap_or_else(uuid::Uuid::now_v7);
            let record = Record::new(id, *submission, routed_to, time::OffsetDateTime::now_utc(), time::Duration::days(365), time::Duration::try_from(LEASE).unwrap());
            let composer = Composer::new("Steun voor gezinnen <noreply@example.org>".parse().unwrap(), 4);
            let mut mails = vec![composer.coordinator(&record, LINK).expect("a valid form always composes")];
            if record.wants_confirmation() {
                mails.push(composer.confirmation(&record).expect("a valid form always composes"));
            }
            for mail in mails {
                check_mail(&mail.message.formatted())?;
            }
        }
    }

    #[test]
    fn any_bytes_as_a_body_never_panic(body in prop::collection::vec(any::<u8>(), 0..400), kind in prop::sample::select(FormKind::ALL.to_vec())) {
        let _ = parse(kind, &RawForm::from_urlencoded(&body));
        if let Ok(raw) = RawForm::from_json(&body) {
            let _ = parse(kind, &raw);
        }
    }
}
