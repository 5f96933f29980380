//! Two things from the site, built into the binary:
//!
//! - The function's own interface texts (error messages, problem answers,
//!   confirmation mail) from `site/i18n/<lang>.toml`, the one source the
//!   site's templates read too. Every key that starts with `error_`,
//!   `problem_` or `mail_` becomes a field of `Texts`; a language file that
//!   lacks one fails the build and names the file and the key.
//! - The site's form pages, for Lambda, where the error page for browsers
//!   without JavaScript cannot read them from disk. Without a built site
//!   (`make site`), the binary falls back to a plain error page; the local
//!   server always reads the pages from `SITE_DIR`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The languages the function answers in, in the order of `Lang`
/// (functions/src/domain/lang.rs checks that order in a test).
const LANGS: [&str; 6] = ["nl", "en", "tr", "ar", "pl", "uk"];
const FUNCTION_PREFIXES: [&str; 3] = ["error_", "problem_", "mail_"];

/// Each form page's path in Dutch; every other language uses the English
/// slug under /<lang>/ (site/README.md: a translation takes the English
/// page's slug).
const FORM_PAGES: [(&str, &str); 4] = [
    ("/contact/", "contact"),
    ("/aanmelden/", "sign-up"),
    ("/doorverwijzen/", "refer"),
    ("/vrijwilliger-worden/", "volunteer"),
];

fn main() {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site");
    texts(&site.join("i18n"));
    pages(&site.join("public"));
}

fn out(name: &str) -> PathBuf {
    Path::new(&std::env::var("OUT_DIR").unwrap()).join(name)
}

fn load(dir: &Path, lang: &str) -> toml::Table {
    let file = dir.join(format!("{lang}.toml"));
    println!("cargo:rerun-if-changed={}", file.display());
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "{}: {e}. Every language the forms accept needs its interface texts.",
            file.display()
        )
    });
    text.parse()
        .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", file.display()))
}

fn texts(dir: &Path) {
    let tables: Vec<toml::Table> = LANGS.iter().map(|lang| load(dir, lang)).collect();
    // The Dutch file decides which keys exist, in its order.
    let keys: Vec<&String> = tables[0]
        .keys()
        .filter(|k| FUNCTION_PREFIXES.iter().any(|p| k.starts_with(p)))
        .collect();
    let mut code = String::from(
        "/// The form function's texts in one language, from site/i18n/<lang>.toml.\npub struct Texts {\n",
    );
    for key in &keys {
        writeln!(code, "    pub {key}: &'static str,").unwrap();
    }
    code.push_str("}\n\npub const CODES: [&str; 6] = [");
    for lang in LANGS {
        write!(code, "{lang:?}, ").unwrap();
    }
    code.push_str("];\n\npub static TEXTS: [Texts; 6] = [\n");
    let mut missing = Vec::new();
    for (lang, table) in LANGS.iter().zip(&tables) {
        code.push_str("    Texts {\n");
        for key in &keys {
            match table.get(key.as_str()).and_then(|v| v.as_str()) {
                Some(text) => writeln!(code, "        {key}: {text:?},").unwrap(),
                None => missing.push(format!(
                    "site/i18n/{lang}.toml has no text for `{key}` (see nl.toml)"
                )),
            }
        }
        code.push_str("    },\n");
    }
    code.push_str("];\n");
    assert!(
        missing.is_empty(),
        "The form function's texts are incomplete:\n{}",
        missing.join("\n")
    );
    std::fs::write(out("texts.rs"), code).unwrap();
}

fn pages(public: &Path) {
    println!("cargo:rerun-if-changed={}", public.display());
    let mut paths: Vec<String> = FORM_PAGES.iter().map(|(nl, _)| (*nl).to_owned()).collect();
    for lang in &LANGS[1..] {
        paths.extend(
            FORM_PAGES
                .iter()
                .map(|(_, slug)| format!("/{lang}/{slug}/")),
        );
    }
    let mut code = String::from("pub static PAGES: &[(&str, &str)] = &[\n");
    for page in paths {
        let file = public.join(page.trim_start_matches('/')).join("index.html");
        println!("cargo:rerun-if-changed={}", file.display());
        if file.is_file() {
            writeln!(
                code,
                "    ({page:?}, include_str!({:?})),",
                file.canonicalize().unwrap()
            )
            .unwrap();
        }
    }
    code.push_str("];\n");
    std::fs::write(out("embedded_pages.rs"), code).unwrap();
}
