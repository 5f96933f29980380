//! Reads the form and thank-you page paths from the site's content (one
//! source: `site/content/*.md`, a page with `extra.form` or
//! `extra.thank_you` in its front matter), and builds the form pages into
//! the binary for Lambda, where the error page for browsers without
//! JavaScript cannot read them from disk. A new language adds its pages
//! to the content; nothing here changes. Without a built site
//! (`make site`), the binary falls back to a plain error page; the local
//! server always reads the pages from `SITE_DIR`.

use std::path::Path;

/// `default_language` in site/config.toml: its pages have no prefix.
const DEFAULT_LANG: &str = "nl";

struct Page {
    lang: String,
    path: String,
    extra: toml::Table,
}

fn main() {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site");
    let content = site.join("content");
    println!("cargo:rerun-if-changed={}", content.display());
    let pages = content_pages(&content);

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
        out.push_str(&format!("    ({kind:?}, {lang:?}, {path:?}),\n"));
    }
    out.push_str("];\n/// (language, path) of the thank-you page.\npub static THANK_YOU_PAGES: &[(&str, &str)] = &[\n");
    for (lang, path) in &thanks {
        out.push_str(&format!("    ({lang:?}, {path:?}),\n"));
    }
    out.push_str("];\n");
    write("site_paths.rs", &out);

    let public = site.join("public");
    println!("cargo:rerun-if-changed={}", public.display());
    let mut embedded = String::from("pub static PAGES: &[(&str, &str)] = &[\n");
    for (_, _, path) in &forms {
        let file = public.join(path.trim_start_matches('/')).join("index.html");
        println!("cargo:rerun-if-changed={}", file.display());
        if file.is_file() {
            embedded.push_str(&format!("    ({path:?}, include_str!({:?})),\n", file.canonicalize().unwrap()));
        }
    }
    embedded.push_str("];\n");
    write("embedded_pages.rs", &embedded);
}

/// Every page in content/ (top level: the form pages live there), with
/// its language and its path as zola makes it: `/slug/`, or `/lang/slug/`.
fn content_pages(content: &Path) -> Vec<Page> {
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(content).expect("site/content") {
        let file = entry.unwrap().path();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md") else {
            continue;
        };
        if stem.starts_with('_') {
            continue;
        }
        println!("cargo:rerun-if-changed={}", file.display());
        let (stem, lang) = match stem.rsplit_once('.') {
            Some((stem, lang)) => (stem, lang),
            None => (stem, DEFAULT_LANG),
        };
        let text = std::fs::read_to_string(&file).unwrap();
        let front = text
            .strip_prefix("+++")
            .and_then(|rest| rest.split_once("\n+++"))
            .map(|(front, _)| front)
            .unwrap_or_else(|| panic!("{}: no +++ front matter", file.display()));
        let front: toml::Table = toml::from_str(front).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let slug = front.get("slug").and_then(|v| v.as_str()).unwrap_or(stem);
        let path = if lang == DEFAULT_LANG { format!("/{slug}/") } else { format!("/{lang}/{slug}/") };
        let extra = front.get("extra").and_then(|v| v.as_table()).cloned().unwrap_or_default();
        pages.push(Page { lang: lang.to_owned(), path, extra });
    }
    pages
}

fn write(name: &str, text: &str) {
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join(name);
    std::fs::write(dest, text).unwrap();
}
