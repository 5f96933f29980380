//! The HTTP-level property test (lighter than the unit-level one in
//! src/mail/props.rs): random field values and random bytes never get a
//! 5xx or an answer outside the documented ones.

use forms::domain::{Lang, thank_you_path};
use proptest::prelude::*;
use serde_json::Value;

use crate::helpers::*;
use crate::hostile::{KINDS, valid};

fn value() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z0-9 @.<>&\"'\r\n\0-]{0,30}", Just("<script>x()</script>".to_owned())]
}

#[test]
fn random_posts_get_only_documented_answers() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = runtime.block_on(spawn(Store::Sqlite));
    let config = ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() };
    proptest!(config, |(kind in prop::sample::select(KINDS.to_vec()), field in 0usize..12, text in value(), as_browser in any::<bool>(), bytes in prop::collection::vec(any::<u8>(), 0..200))| {
        let mut body = valid(kind);
        let names: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
        let name = names[field % names.len()].clone();
        body[&name] = Value::String(text);
        let statuses = runtime.block_on(async {
            let post = if as_browser {
                let fields: Vec<(String, String)> = body.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
                let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let response = app.post_form(kind, &pairs).await;
                // A 303 leads to a thank-you page (of whatever language `lang` turned out to be).
                let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
                (response.status().as_u16(), location)
            } else {
                (app.post_json(kind, &body).await.status().as_u16(), None)
            };
            let raw = app.http.post(app.url(&format!("/api/forms/{kind}"))).header("content-type", "application/json").body(bytes).send().await.unwrap().status().as_u16();
            (post, raw)
        });
        let ((status, location), raw) = statuses;
        let documented_post: &[u16] = if as_browser { &[303, 422] } else { &[201, 422] };
        prop_assert!(documented_post.contains(&status), "{kind}.{name}: {status}");
        let thank_you: Vec<&str> = Lang::ALL.iter().map(|l| thank_you_path(*l)).collect();
        prop_assert_eq!(status == 303, location.as_deref().is_some_and(|l| thank_you.contains(&l)), "{:?}", location);
        prop_assert!([400, 422, 201].contains(&raw), "random bytes: {raw}");
    });
    let health = runtime.block_on(async { app.http.get(app.url("/api/health")).send().await.unwrap().status() });
    assert_eq!(health, 200);
}
