//! Hostile input: every case gets the answer docs/openapi.yaml documents,
//! nothing else, and the server keeps answering everyone else.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::*;
use crate::markup::active_content;
use crate::rawtcp;

/// A valid body for each form; every field the form knows is filled, so
/// one bad value is the only thing wrong with it.
pub fn valid(kind: &str) -> Value {
    let mut body = json!({
        "name": "Sanne de Boer",
        "email": "sanne@example.org",
        "phone": "06 12345678",
        "municipality": "heemskerk",
        "message": "Ik wil graag weten welke hulp er is.",
        "privacy_consent": "yes",
        "lang": "nl",
        "submission_id": uuid::Uuid::new_v4().to_string(),
    });
    let extra = match kind {
        "contact" => json!({}),
        "registration" => json!({"programme": "home-start", "children_ages": "2 en 5"}),
        "referral" => json!({
            "programme": "buurtgezinnen", "referrer_name": "Els Bakker", "referrer_organisation": "Wijkteam",
            "referrer_email": "els@example.org", "referrer_phone": "0251 654321", "parent_consent": "yes",
        }),
        "volunteer" => json!({"programme": "taalhuis"}),
        other => panic!("no such form {other}"),
    };
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    body
}

pub const KINDS: [&str; 4] = ["contact", "registration", "referral", "volunteer"];

fn fields(body: &Value) -> Vec<String> {
    body.as_object().unwrap().keys().cloned().collect()
}

async fn json_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn error_fields(body: &Value) -> BTreeSet<String> {
    body["errors"].as_object().map(|e| e.keys().cloned().collect()).unwrap_or_default()
}

async fn post_raw(app: &TestApp, kind: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.http
        .post(app.url(&format!("/api/forms/{kind}")))
        .header("content-type", content_type)
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn still_answers(app: &TestApp) {
    let health = app.http.get(app.url("/api/health")).send().await.expect("the server still answers");
    assert_eq!(health.status(), 200);
    let (status, _) = json_of(app.post_json("contact", &valid("contact")).await).await;
    assert_eq!(status, 201, "and still takes a valid form");
}

/// No header a field could have added, and every mail went only where
/// it should.
fn assert_headers_clean(mail: &Mail, allowed_rcpt: &[&str]) {
    for (name, value) in mail.raw_headers() {
        let lower = name.to_ascii_lowercase();
        assert!(!["bcc", "cc", "x-injected"].contains(&lower.as_str()), "injected header {name}: {value}");
        assert!(!value.contains("attacker.example"), "{name}: {value}");
    }
    for once in ["from", "to", "subject", "message-id", "reply-to", "content-type", "mime-version"] {
        assert!(mail.header_count(once) <= 1, "{once} appears {} times", mail.header_count(once));
    }
    for rcpt in &mail.rcpt_tos {
        assert!(allowed_rcpt.contains(&rcpt.as_str()), "mail went to {rcpt}");
    }
}

const INJECTIONS: [&str; 4] = ["\r\nBcc: evil@attacker.example", "\nX-Injected: yes", "\r\n\r\n<p>forged body</p>", "\0"];

both_stores!(cr_lf_and_nul_in_any_field_never_add_a_header, |store| async move {
    cr_lf_and_nul_in_any_field_never_add_a_header_on(&spawn(store).await).await
});

pub async fn cr_lf_and_nul_in_any_field_never_add_a_header_on(app: &TestApp) {
    let mut accepted = Vec::new();
    for kind in KINDS {
        for field in fields(&valid(kind)) {
            for injection in INJECTIONS {
                let mut body = valid(kind);
                body[&field] = json!(format!("{}{injection}", body[&field].as_str().unwrap()));
                let (status, answer) = json_of(app.post_json(kind, &body).await).await;
                match (field.as_str(), injection) {
                    // The message may hold line breaks; `lang` only picks a language.
                    ("message", i) if i != "\0" => {
                        assert_eq!(status, 201, "{kind}.{field} {i:?}: {answer}")
                    }
                    ("lang", _) => assert_eq!(status, 201, "{kind}.lang {injection:?}: {answer}"),
                    _ => {
                        assert_eq!(status, 422, "{kind}.{field} {injection:?}: {answer}");
                        assert_eq!(error_fields(&answer), BTreeSet::from([field.clone()]), "{kind}.{field}");
                        continue;
                    }
                }
                accepted.push((kind, answer["id"].as_str().unwrap().to_owned()));
            }
        }
    }
    // The same through a browser's url-encoded post.
    let browser = app
        .post_form(
            "contact",
            &[
                ("name", "Jan\r\nBcc: evil@attacker.example"),
                ("email", "jan@example.org"),
                ("message", "Hoi"),
                ("privacy_consent", "on"),
            ],
        )
        .await;
    assert_eq!(browser.status(), 422);

    for (kind, id) in &accepted {
        let mails = app.smtp.wait_for(id, 2).await;
        assert_eq!(mails.len(), 2, "{kind} {id}: coordinator and confirmation");
        for mail in &mails {
            assert_headers_clean(
                mail,
                &[
                    "spreekuur.ijmond@example.org",
                    "homestart.ijmond@example.org",
                    "buurtgezinnen.ijmond@example.org",
                    "taalhuis.ijmond@example.org",
                    "sanne@example.org",
                    "els@example.org",
                ],
            );
        }
    }
    still_answers(app).await;
}

const SCRIPT: &str = r#"<script>alert("xss")</script><img src=x onerror=alert(1)>"' &amp;"#;

both_stores!(html_in_every_text_field_is_text_in_the_html_mail, |store| async move {
    html_in_every_text_field_is_text_in_the_html_mail_on(&spawn(store).await).await
});

pub async fn html_in_every_text_field_is_text_in_the_html_mail_on(app: &TestApp) {
    let free_text = ["name", "message", "children_ages", "referrer_name", "referrer_organisation"];
    for kind in ["registration", "referral"] {
        let mut body = valid(kind);
        for field in free_text {
            if body.get(field).is_some() {
                body[field] = json!(format!("{field} {SCRIPT}"));
            }
        }
        let (status, answer) = json_of(app.post_json(kind, &body).await).await;
        assert_eq!(status, 201, "{answer}");
        let id = answer["id"].as_str().unwrap();
        let mails = app.smtp.wait_for(id, 2).await;
        assert_eq!(mails.len(), 2);
        for mail in &mails {
            let html = mail.html();
            assert_eq!(active_content(&html), Vec::<String>::new(), "{html}");
            assert!(html.contains("&#60;script&#62;alert(&#34;xss&#34;)"), "shown as text: {html}");
            assert!(mail.text().contains(SCRIPT), "the plain part keeps what was typed");
        }
    }
    // Fields that cannot hold markup refuse it.
    for field in [
        "email",
        "phone",
        "municipality",
        "programme",
        "referrer_email",
        "referrer_phone",
        "privacy_consent",
        "parent_consent",
        "submission_id",
    ] {
        let mut body = valid("referral");
        body[field] = json!(SCRIPT);
        let (status, answer) = json_of(app.post_json("referral", &body).await).await;
        assert_eq!((status, error_fields(&answer)), (422, BTreeSet::from([field.to_owned()])), "{field}");
    }
}

/// The page the 422 is built from, to compare what may run on it.
fn source_page(kind: &str, lang: &str) -> String {
    let path = match (kind, lang) {
        ("contact", "nl") => "contact",
        ("contact", _) => "en/contact",
        ("registration", "nl") => "aanmelden",
        ("registration", _) => "en/sign-up",
        ("referral", "nl") => "doorverwijzen",
        ("referral", _) => "en/refer",
        ("volunteer", "nl") => "vrijwilliger-worden",
        _ => "en/volunteer",
    };
    let file = repo_root().join("site/public").join(path).join("index.html");
    let page = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e} (build the site: make site)", file.display()));
    assert!(page.contains(&format!("action=\"/api/forms/{kind}\"")), "{} is the {kind} form", file.display());
    page
}

#[tokio::test]
async fn html_in_every_field_is_text_on_the_error_page() {
    html_in_every_field_is_text_on_the_error_page_on(&spawn(Store::Sqlite).await).await
}

pub async fn html_in_every_field_is_text_on_the_error_page_on(app: &TestApp) {
    for kind in KINDS {
        for lang in ["nl", "en"] {
            let body = valid(kind);
            let mut form: Vec<(String, String)> = fields(&body)
                .into_iter()
                .filter(|f| f != "lang")
                .map(|f| (f.clone(), format!("{f} {SCRIPT}\"><script>x()</script>")))
                .collect();
            form.push(("lang".into(), lang.into()));
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let response = app.post_form(kind, &pairs).await;
            assert_eq!(response.status(), 422, "{kind} {lang}");
            let page = response.text().await.unwrap();
            assert_eq!(
                active_content(&page),
                active_content(&source_page(kind, lang)),
                "{kind} {lang}: nothing typed became markup"
            );
        }
    }
}

#[tokio::test]
async fn bodies_over_32_kib_are_refused_whatever_the_headers_say() {
    bodies_over_32_kib_are_refused_whatever_the_headers_say_on(&spawn(Store::Sqlite).await).await
}

pub async fn bodies_over_32_kib_are_refused_whatever_the_headers_say_on(app: &TestApp) {
    let form = |len: usize| {
        let base = "name=Jan&email=jan%40example.org&message=Hoi&privacy_consent=on&padding=";
        format!("{base}{}", "a".repeat(len - base.len()))
    };
    // Exactly the limit is fine (an unknown field is ignored); one byte more is not.
    let at_limit = post_raw(app, "contact", "application/x-www-form-urlencoded", form(32 * 1024)).await;
    assert_eq!(at_limit.status(), 201);
    let (status, answer) =
        json_of(post_raw(app, "contact", "application/x-www-form-urlencoded", form(32 * 1024 + 1)).await).await;
    assert_eq!((status, answer["error"].as_str()), (413, Some("payload_too_large")));

    // Chunked, no Content-Length at all: 32 KiB and one byte.
    let mut stream = rawtcp::connect(&app.address).await;
    let head = rawtcp::post_head("/api/forms/contact", "application/x-www-form-urlencoded", &["Transfer-Encoding: chunked"]);
    let mut request = head.into_bytes();
    for _ in 0..32 {
        request.extend_from_slice(format!("400\r\n{}\r\n", "a".repeat(1024)).as_bytes());
    }
    request.extend_from_slice(b"1\r\na\r\n0\r\n\r\n");
    rawtcp::send(&mut stream, &request).await;
    let (status, _) = rawtcp::read_status(&mut stream).await;
    assert_eq!(status, Some(413));

    // Content-Length says small, the body is large: only the announced
    // bytes are the body; the rest is not a valid next request.
    let mut stream = rawtcp::connect(&app.address).await;
    let head = rawtcp::post_head("/api/forms/contact", "application/x-www-form-urlencoded", &["Content-Length: 8"]);
    rawtcp::send(&mut stream, format!("{head}name=Jan{}", "a".repeat(40 * 1024)).as_bytes()).await;
    let (status, answer) = rawtcp::read_status(&mut stream).await;
    assert_eq!(status, Some(422), "the 8 announced bytes are read as the form: {answer}");
    assert!(!answer.contains("HTTP/1.1 5"), "{answer}");

    // Content-Length says huge: refused before the body is read.
    let mut stream = rawtcp::connect(&app.address).await;
    let head = rawtcp::post_head("/api/forms/contact", "application/x-www-form-urlencoded", &["Content-Length: 100000000"]);
    rawtcp::send(&mut stream, format!("{head}name=Jan").as_bytes()).await;
    let (status, _) = rawtcp::read_status(&mut stream).await;
    assert_eq!(status, Some(413));

    still_answers(app).await;
}

#[tokio::test]
async fn a_cut_off_or_trickling_body_does_not_stop_the_server_answering_others() {
    a_cut_off_or_trickling_body_does_not_stop_the_server_answering_others_on(&spawn(Store::Sqlite).await).await
}

pub async fn a_cut_off_or_trickling_body_does_not_stop_the_server_answering_others_on(app: &TestApp) {
    let sanne = forms::domain::EmailAddress::parse("sanne@example.org").unwrap();
    let before = app.app.submissions().find_by_email(&sanne).await.unwrap().len();
    let body = serde_json::to_vec(&valid("contact")).unwrap();
    let (half, rest) = body.split_at(body.len() / 2);
    let length = format!("Content-Length: {}", body.len());

    // Half a body, then the client hangs up: nothing is stored.
    let mut quitter = rawtcp::connect(&app.address).await;
    rawtcp::send(&mut quitter, rawtcp::post_head("/api/forms/contact", "application/json", &[&length]).as_bytes()).await;
    rawtcp::send(&mut quitter, half).await;
    tokio::io::AsyncWriteExt::shutdown(&mut quitter).await.unwrap();
    let (status, answer) = rawtcp::read_status(&mut quitter).await;
    assert_eq!(status, Some(400), "documented: a body that ends early is a bad request: {answer}");

    // Many clients that send half a request head and wait.
    let mut idle = Vec::new();
    for _ in 0..200 {
        let mut stream = rawtcp::connect(&app.address).await;
        rawtcp::send(&mut stream, b"POST /api/forms/contact HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-").await;
        idle.push(stream);
    }

    // One that trickles a valid body, a few bytes at a time, and pauses
    // half-way until everyone else has been answered.
    let mut trickler = rawtcp::connect(&app.address).await;
    rawtcp::send(&mut trickler, rawtcp::post_head("/api/forms/contact", "application/json", &[&length]).as_bytes()).await;
    for piece in half.chunks(7) {
        rawtcp::send(&mut trickler, piece).await;
        tokio::task::yield_now().await;
    }

    still_answers(app).await;

    for piece in rest.chunks(7) {
        rawtcp::send(&mut trickler, piece).await;
    }
    let (status, answer) = rawtcp::read_status(&mut trickler).await;
    assert_eq!(status, Some(201), "a slow but complete form is taken: {answer}");
    drop(idle);

    let stored = app.app.submissions().find_by_email(&sanne).await.unwrap();
    assert_eq!(stored.len(), before + 2, "the trickled form and still_answers' form; not the cut-off one");
}

#[tokio::test]
async fn only_form_and_json_bodies_are_read() {
    only_form_and_json_bodies_are_read_on(&spawn(Store::Sqlite).await).await
}

pub async fn only_form_and_json_bodies_are_read_on(app: &TestApp) {
    let json_body = serde_json::to_string(&valid("contact")).unwrap();
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json-patch+json",
        "application/jsonx",
        "text/html",
        "",
        "application/x-www-form-urlencodedx",
    ] {
        let (status, answer) = json_of(post_raw(app, "contact", content_type, json_body.clone()).await).await;
        assert_eq!((status, answer["error"].as_str()), (415, Some("unsupported_media_type")), "{content_type:?}");
    }
    let none = app
        .http
        .post(app.url("/api/forms/contact"))
        .header("accept", "application/json")
        .body(json_body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 415, "no content type at all");
    // Parameters and letter case do not matter.
    let (status, _) = json_of(post_raw(app, "contact", "Application/JSON; charset=utf-8", json_body).await).await;
    assert_eq!(status, 201);
    let form = "name=Jan&email=jan%40example.org&message=Hoi&privacy_consent=on";
    let (status, _) = json_of(post_raw(app, "contact", "application/x-www-form-urlencoded; charset=UTF-8", form).await).await;
    assert_eq!(status, 201);
    still_answers(app).await;
}

#[tokio::test]
async fn invalid_utf8_is_a_bad_field_in_a_form_and_a_bad_request_in_json() {
    invalid_utf8_is_a_bad_field_in_a_form_and_a_bad_request_in_json_on(&spawn(Store::Sqlite).await).await
}

pub async fn invalid_utf8_is_a_bad_field_in_a_form_and_a_bad_request_in_json_on(app: &TestApp) {
    let rest = b"&email=jan%40example.org&message=Hoi&privacy_consent=on".to_vec();
    for name in [&b"name=%FF%FE"[..], b"name=\xC3\x28", b"name=%C0%AF", b"name=\xED\xA0\x80"] {
        let body = [name, &rest].concat();
        let (status, answer) = json_of(post_raw(app, "contact", "application/x-www-form-urlencoded", body).await).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["errors"], json!({"name": "Stuur dit veld één keer mee, als tekst"}), "{name:?}");
    }
    for body in [&b"{\"name\": \"\xFF\"}"[..], br#"{"name": "\ud800"}"#, b"\xEF\xBB\xBF{}", b"{\"name\xC3\x28\": \"x\"}"] {
        let (status, answer) = json_of(post_raw(app, "contact", "application/json", body.to_vec()).await).await;
        assert_eq!((status, answer["error"].as_str()), (400, Some("bad_request")), "{}", String::from_utf8_lossy(body));
    }
    still_answers(app).await;
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_refused_precisely() {
    json_of_the_wrong_shape_is_refused_precisely_on(&spawn(Store::Sqlite).await).await
}

pub async fn json_of_the_wrong_shape_is_refused_precisely_on(app: &TestApp) {
    let malformed = "Stuur dit veld één keer mee, als tekst";
    let cases = [
        ("name", json!(5), Some(malformed)),
        ("name", json!(["Jan"]), Some(malformed)),
        ("name", json!({"first": "Jan"}), Some(malformed)),
        ("name", json!(null), Some("Vul je naam in")),
        ("phone", json!(612345678), Some(malformed)),
        ("privacy_consent", json!(true), None),
        ("privacy_consent", json!(false), Some("Zet een vinkje om akkoord te gaan dat we je gegevens gebruiken om je te helpen")),
        ("privacy_consent", json!(1), Some(malformed)),
        ("submission_id", json!(1234), Some(malformed)),
        ("unknown_field", json!({"deep": [1, 2, 3]}), None),
    ];
    for (field, value, error) in cases {
        let mut body = valid("contact");
        body[field] = value.clone();
        let (status, answer) = json_of(app.post_json("contact", &body).await).await;
        match error {
            None => assert_eq!(status, 201, "{field}={value}: {answer}"),
            Some(message) => {
                assert_eq!(status, 422, "{field}={value}");
                assert_eq!(answer["errors"], json!({field: message}), "{field}={value}");
            }
        }
    }
    // A key sent twice, even with the same value, is not guessed at.
    let twice = r#"{"name":"Jan","email":"jan@example.org","email":"jan@example.org","message":"Hoi","privacy_consent":"yes"}"#;
    let (status, answer) = json_of(post_raw(app, "contact", "application/json", twice).await).await;
    assert_eq!((status, answer["errors"].clone()), (422, json!({"email": malformed})));
    let twice = "name=Jan&name=Piet&email=jan%40example.org&message=Hoi&privacy_consent=on";
    let (status, answer) = json_of(post_raw(app, "contact", "application/x-www-form-urlencoded", twice).await).await;
    assert_eq!((status, answer["errors"].clone()), (422, json!({"name": malformed})));

    // Not an object, not JSON, or nested beyond reason: 400, never a crash.
    let deep = format!("{{\"name\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    for body in ["[]", "\"name\"", "1", "null", "", "{", "{\"name\": 1e999999}", "{} {}", deep.as_str()] {
        let (status, answer) = json_of(post_raw(app, "contact", "application/json", body.to_owned()).await).await;
        assert_eq!((status, answer["error"].as_str()), (400, Some("bad_request")), "{}", &body[..body.len().min(40)]);
    }
    still_answers(app).await;
}

both_stores!(very_long_lines_are_kept_or_refused_but_never_break_a_mail, |store| async move {
    very_long_lines_are_kept_or_refused_but_never_break_a_mail_on(&spawn(store).await).await
});

pub async fn very_long_lines_are_kept_or_refused_but_never_break_a_mail_on(app: &TestApp) {
    let mut body = valid("contact");
    let line = "ë".repeat(5000);
    body["message"] = json!(line);
    body["name"] = json!("N".repeat(100));
    let (status, answer) = json_of(app.post_json("contact", &body).await).await;
    assert_eq!(status, 201, "{answer}");
    let mails = app.smtp.wait_for(answer["id"].as_str().unwrap(), 2).await;
    let coordinator = mails.iter().find(|m| m.message_id().contains(".coordinator@")).unwrap();
    assert!(coordinator.text().contains(&line), "the 5,000-character line arrives whole");
    for mail in &mails {
        let longest = mail.raw.split(|b| *b == b'\n').map(<[u8]>::len).max().unwrap();
        assert!(longest <= 998, "SMTP allows 998 characters a line; got {longest}");
    }

    for (field, value, max) in
        [("message", "x".repeat(5001), 5000), ("name", "é".repeat(101), 100), ("children_ages", "1".repeat(101), 100)]
    {
        let mut body = valid("registration");
        body[field] = json!(value);
        let (status, answer) = json_of(app.post_json("registration", &body).await).await;
        assert_eq!(status, 422);
        assert_eq!(answer["errors"], json!({field: format!("Gebruik maximaal {max} tekens")}));
    }
    // A field name of 30,000 characters is just an unknown field.
    let mut body = valid("contact");
    body["k".repeat(30_000)] = json!("v");
    assert_eq!(app.post_json("contact", &body).await.status(), 201);
    still_answers(app).await;
}

both_stores!(lookalike_and_international_addresses_get_the_documented_answer, |store| async move {
    lookalike_and_international_addresses_get_the_documented_answer_on(&spawn(store).await).await
});

pub async fn lookalike_and_international_addresses_get_the_documented_answer_on(app: &TestApp) {
    let lookalike = "Controleer het e-mailadres: er staan letters uit verschillende alfabetten in";
    let invalid = "Vul een e-mailadres in zoals naam@voorbeeld.nl";
    for (field, address, message) in [
        ("email", "jan@exаmple.org", lookalike),             // Cyrillic а
        ("email", "jan@αpple.example", lookalike),           // Greek α
        ("referrer_email", "els@gооgle.example", lookalike), // two Cyrillic о
        ("email", "jаn@example.org", invalid),               // Cyrillic in the local part
        ("email", "jan＠example.org", invalid),              // full-width @
        ("email", "jan@example.org.", invalid),
    ] {
        let mut body = valid("referral");
        body[field] = json!(address);
        let (status, answer) = json_of(app.post_json("referral", &body).await).await;
        assert_eq!((status, answer["errors"].clone()), (422, json!({field: message})), "{address}");
    }
    // A real internationalised domain is taken, and mailed in its ASCII form.
    for (address, ascii) in
        [("info@bücher.example", "info@xn--bcher-kva.example"), ("post@пример.рф", "post@xn--e1afmkfd.xn--p1ai")]
    {
        let mut body = valid("contact");
        body["email"] = json!(address);
        let (status, answer) = json_of(app.post_json("contact", &body).await).await;
        assert_eq!(status, 201, "{address}: {answer}");
        let mails = app.smtp.wait_for(answer["id"].as_str().unwrap(), 2).await;
        let confirmation = mails.iter().find(|m| m.message_id().contains(".confirmation@")).unwrap();
        assert_eq!(confirmation.rcpt_tos, vec![ascii]);
        let coordinator = mails.iter().find(|m| m.message_id().contains(".coordinator@")).unwrap();
        assert_eq!(coordinator.reply_to().unwrap().1, ascii);
    }
}

both_stores!(a_filled_honeypot_never_stores_or_mails_whatever_else_is_sent, |store| async move {
    a_filled_honeypot_never_stores_or_mails_whatever_else_is_sent_on(&spawn(store).await).await
});

pub async fn a_filled_honeypot_never_stores_or_mails_whatever_else_is_sent_on(app: &TestApp) {
    let bot = format!("bot-{}@example.org", uuid::Uuid::new_v4().simple());
    let mut ids = Vec::new();
    for website in [json!("https://spam.example"), json!(42), json!(["x"])] {
        let mut body = valid("registration");
        body["email"] = json!(bot);
        body["website"] = website;
        let (status, answer) = json_of(app.post_json("registration", &body).await).await;
        assert_eq!(status, 201, "a bot is answered as if all went well");
        assert_eq!(answer, json!({"id": body["submission_id"], "status": "received"}), "its own key, as a stored form");
        ids.push(answer["id"].as_str().unwrap().to_owned());
    }
    // Even with every other field wrong, a bot learns nothing from a 422.
    let (status, answer) = json_of(app.post_json("contact", &json!({"website": "x", "email": "nope"})).await).await;
    assert_eq!(status, 201);
    ids.push(answer["id"].as_str().unwrap().to_owned());
    // The honeypot sent twice (once empty) is still a bot.
    let twice = format!("name=Bot&email={bot}&message=Hoi&privacy_consent=on&website=&website=x");
    let browser = app
        .http
        .post(app.url("/api/forms/contact"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(twice)
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 303);
    assert_eq!(browser.headers()["location"], "/bedankt/");
    // Spaces only: a person whose browser filled nothing visible.
    let mut person = valid("contact");
    person["website"] = json!("   ");
    let (status, answer) = json_of(app.post_json("contact", &person).await).await;
    assert_eq!(status, 201);
    let person = answer["id"].as_str().unwrap().to_owned();

    still_answers(app).await; // gives the sweeper time to send anything it wrongly holds
    let email = forms::domain::EmailAddress::parse(&bot).unwrap();
    assert!(app.app.submissions().find_by_email(&email).await.unwrap().is_empty(), "nothing stored");
    for id in &ids {
        assert!(app.app.submissions().get(id.parse().unwrap()).await.unwrap().is_none(), "nothing stored under {id}");
        assert!(app.smtp.about(id).is_empty(), "nothing mailed about {id}");
    }
    // The person was kept and mailed: the lookups above can find what is there.
    assert!(app.app.submissions().get(person.parse().unwrap()).await.unwrap().is_some());
    assert_eq!(app.smtp.wait_for(&person, 2).await.len(), 2);
    assert!(app.smtp.all().iter().all(|m| !m.rcpt_tos.contains(&bot)));
}

#[tokio::test]
async fn a_flood_from_one_client_is_slowed_and_others_are_not() {
    let app = spawn_with(Store::Sqlite, Options::default().with("RATE_LIMIT_PER_MINUTE", "5")).await;
    let mut posts = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (http, url) = (app.http.clone(), app.url("/api/forms/contact"));
        posts.spawn(async move {
            http.post(url).header("accept", "application/json").json(&json!({"name": "x"})).send().await.unwrap()
        });
    }
    let statuses = posts.join_all().await;
    let mut refused = 0;
    for response in statuses {
        match response.status().as_u16() {
            422 => {}
            429 => {
                refused += 1;
                let wait: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=60).contains(&wait), "{wait}");
                assert_eq!(response.json::<Value>().await.unwrap()["error"], "too_many_requests");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused, 35, "5 a minute, and not one more");
    // Oversized bodies from the flooder are refused before they are read.
    let big = post_raw(&app, "contact", "application/json", vec![b' '; 64 * 1024]).await;
    assert_eq!(big.status(), 429);
    // Another address on the same machine is another client.
    let other = reqwest::Client::builder().local_address("127.0.0.2".parse::<std::net::IpAddr>().unwrap()).build().unwrap();
    let response = other
        .post(app.url("/api/forms/contact"))
        .header("accept", "application/json")
        .json(&valid("contact"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(app.http.get(app.url("/api/health")).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn unknown_forms_are_404_and_other_methods_405() {
    unknown_forms_are_404_and_other_methods_405_on(&spawn(Store::Sqlite).await).await
}

pub async fn unknown_forms_are_404_and_other_methods_405_on(app: &TestApp) {
    let body = serde_json::to_string(&valid("contact")).unwrap();
    for path in [
        "/api/forms/newsletter",
        "/api/forms/Contact",
        "/api/forms/contact%00",
        "/api/forms/",
        "/api/forms/contact/extra",
        "/api/form/contact",
        "/api/forms/..%2Fcontact",
    ] {
        let response =
            app.http.post(app.url(path)).header("content-type", "application/json").body(body.clone()).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    for method in ["GET", "PUT", "DELETE", "PATCH", "HEAD", "TRACE"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        for kind in KINDS {
            let response = app.http.request(method.clone(), app.url(&format!("/api/forms/{kind}"))).send().await.unwrap();
            assert_eq!(response.status(), 405, "{method} {kind}");
        }
    }
    still_answers(app).await;
}
