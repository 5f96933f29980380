//! Builds what the function takes from the site into the binary (the
//! reading is in build/site.rs; every problem found fails the build and
//! names its file):
//!
//! - `Lang`, one variant per language of site/config.toml, and `Texts`:
//!   every key of `site/i18n/<lang>.toml` that starts with `error_`,
//!   `problem_`, `mail_` or `lang_`, the one source the site's templates
//!   read too. A new language is a section in config.toml, its i18n file
//!   and its pages: nothing in Rust changes.
//! - The form and thank-you page paths (a page with `extra.form` or
//!   `extra.thank_you` in its front matter in `site/content/*.md`).
//! - The built form pages, for Lambda, where the error page for browsers
//!   without JavaScript cannot read them from disk. Without a built site
//!   (`make site`), the binary falls back to a plain error page; the local
//!   server always reads the pages from `SITE_DIR`.

#[path = "build/site.rs"]
mod site;

use std::fmt::Write as _;
use std::path::Path;

use site::Language;

fn main() {
    let site_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site");
    println!("cargo:rerun-if-changed=build/site.rs");
    println!("cargo:rerun-if-changed={}", site_dir.join("config.toml").display());
    println!("cargo:rerun-if-changed={}", site_dir.join("i18n").display());
    let (keys, languages) = site::languages(&site_dir)
        .unwrap_or_else(|problems| panic!("The form function's languages are incomplete:\n{}", problems.join("\n")));
    for language in &languages {
        println!("cargo:rerun-if-changed={}", site_dir.join(format!("i18n/{}.toml", language.code)).display());
    }
    write("lang.rs", &lang_enum(&languages));
    write("texts.rs", &texts(&keys, &languages));

    let content = site_dir.join("content");
    println!("cargo:rerun-if-changed={}", content.display());
    let pages = site::content_pages(&content, &languages[0].code).unwrap_or_else(|e| panic!("{e}"));
    let mut forms: Vec<(String, String, String)> = Vec::new();
    let mut thanks: Vec<(String, String)> = Vec::new();
    for page in &pages {
        if let Some(kind) = page.extra.get("form").and_then(|v| v.as_str()) {
            forms.push((kind.to_owned(), page.lang.clone(), page.path.clone()));
        }
        if page.extra.get("thank_you").and_then(|v| v.as_bool()) == Some(true) {
            thanks.push((page.lang.clone(), page.path.clone()));
        }
    }
    forms.sort();
    thanks.sort();
    for (_, lang, _) in &forms {
        assert!(
            thanks.iter().any(|(l, _)| l == lang),
            "site/content: language `{lang}` has a form page but no thank-you page (a page with `thank_you = true` under [extra])"
        );
    }

    let mut out =
        String::from("/// (form kind, language, path) of every form page.\npub static FORM_PAGES: &[(&str, &str, &str)] = &[\n");
    for (kind, lang, path) in &forms {
        writeln!(out, "    ({kind:?}, {lang:?}, {path:?}),").unwrap();
    }
    out.push_str("];\n/// (language, path) of the thank-you page.\npub static THANK_YOU_PAGES: &[(&str, &str)] = &[\n");
    for (lang, path) in &thanks {
        writeln!(out, "    ({lang:?}, {path:?}),").unwrap();
    }
    out.push_str("];\n");
    write("site_paths.rs", &out);

    let public = site_dir.join("public");
    println!("cargo:rerun-if-changed={}", public.display());
    let mut embedded = String::from("pub static PAGES: &[(&str, &str)] = &[\n");
    for (_, _, path) in &forms {
        let file = public.join(path.trim_start_matches('/')).join("index.html");
        println!("cargo:rerun-if-changed={}", file.display());
        if file.is_file() {
            writeln!(embedded, "    ({path:?}, include_str!({:?})),", file.canonicalize().unwrap()).unwrap();
        }
    }
    embedded.push_str("];\n");
    write("embedded_pages.rs", &embedded);
}

/// `Lang`, its variants in the order of site/config.toml (the default
/// first, and the default of `Lang`).
fn lang_enum(languages: &[Language]) -> String {
    let mut code = String::from(
        "/// A language of the site (site/config.toml); the first is its default.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]\n\
         pub enum Lang {\n    #[default]\n",
    );
    for language in languages {
        writeln!(code, "    #[serde(rename = {:?})]\n    {},", language.code, language.variant).unwrap();
    }
    let all: Vec<String> = languages.iter().map(|l| format!("Lang::{}", l.variant)).collect();
    writeln!(
        code,
        "}}\n\nimpl Lang {{\n    /// Every language, in the order of `TEXTS`.\n    pub const ALL: [Lang; {}] = [{}];\n\n    \
         /// The code, as in site/config.toml and the `lang` field.\n    pub fn as_str(self) -> &'static str {{\n        match self {{",
        languages.len(),
        all.join(", ")
    )
    .unwrap();
    for language in languages {
        writeln!(code, "            Lang::{} => {:?},", language.variant, language.code).unwrap();
    }
    code.push_str("        }\n    }\n}\n");
    code
}

/// `Texts` and one instance per language, in the order of `Lang::ALL`.
fn texts(keys: &[String], languages: &[Language]) -> String {
    let mut code =
        String::from("/// The form function's texts in one language, from site/i18n/<lang>.toml.\npub struct Texts {\n");
    for key in keys {
        writeln!(code, "    pub {key}: &'static str,").unwrap();
    }
    writeln!(code, "}}\n\npub static TEXTS: [Texts; {}] = [", languages.len()).unwrap();
    for language in languages {
        code.push_str("    Texts {\n");
        for (key, text) in &language.texts {
            writeln!(code, "        {key}: {text:?},").unwrap();
        }
        code.push_str("    },\n");
    }
    code.push_str("];\n");
    code
}

fn write(name: &str, text: &str) {
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join(name);
    std::fs::write(dest, text).unwrap();
}
