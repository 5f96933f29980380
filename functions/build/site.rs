//! What the form function takes from the site, read at build time by
//! `build.rs`: the languages (site/config.toml), their interface texts
//! (site/i18n/<lang>.toml) and the form and thank-you pages (front matter
//! in site/content/*.md). Every problem is collected and named with its
//! file, so one failed build lists all that is missing.
//!
//! The library's tests include this file too (src/domain/lang.rs), so the
//! messages a newcomer gets when a language is incomplete are tested.

use std::path::Path;

/// Keys of site/i18n/<lang>.toml that the function uses: its messages,
/// problem answers and confirmation mail, and the facts about the language
/// itself (`lang_name_nl`, `lang_dir`).
pub const FUNCTION_PREFIXES: [&str; 4] = ["error_", "problem_", "mail_", "lang_"];

/// One site language with the texts the function uses.
pub struct Language {
    /// As in site/config.toml (`nl`, `en`, …).
    pub code: String,
    /// The `Lang` variant: the code in UpperCamelCase (`Nl`, `PtBr`).
    pub variant: String,
    /// key → text, for every key in `Site::text_keys`.
    pub texts: Vec<(String, String)>,
}

pub struct Page {
    pub lang: String,
    /// As zola makes it: `/slug/`, or `/lang/slug/`.
    pub path: String,
    pub extra: toml::Table,
}

/// The languages, the default first, then `[languages.*]` in file order
/// (the order `tools/build-admin.mjs` uses too).
pub fn language_codes(site: &Path) -> Result<Vec<String>, String> {
    let file = site.join("config.toml");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let config: toml::Table = toml::from_str(&text).map_err(|e| format!("{} is not valid TOML: {e}", file.display()))?;
    // zola's own default when the key is absent.
    let default = config.get("default_language").and_then(|v| v.as_str()).unwrap_or("en").to_owned();
    let mut others: Vec<String> = match config.get("languages").and_then(|v| v.as_table()) {
        Some(languages) => languages.keys().filter(|code| **code != default).cloned().collect(),
        None => Vec::new(),
    };
    // A TOML table has no order; the file has.
    others.sort_by_key(|code| text.find(&format!("[languages.{code}]")).unwrap_or(usize::MAX));
    Ok([vec![default], others].concat())
}

/// `pt-BR` → `PtBr`; `None` if the code cannot name a Rust variant.
pub fn variant(code: &str) -> Option<String> {
    let ok = code.split('-').all(|part| part.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then(|| {
        code.split('-')
            .map(|part| {
                let lower = part.to_ascii_lowercase();
                lower[..1].to_ascii_uppercase() + &lower[1..]
            })
            .collect()
    })
}

/// Each language of site/config.toml with its function texts. The default
/// language's file decides which keys exist; every other file must have
/// them all.
pub fn languages(site: &Path) -> Result<(Vec<String>, Vec<Language>), Vec<String>> {
    let codes = language_codes(site).map_err(|e| vec![e])?;
    let mut problems = Vec::new();
    let mut tables = Vec::new();
    for code in &codes {
        match load_texts(site, code) {
            Ok(table) => tables.push((code, table)),
            Err(problem) => problems.push(problem),
        }
    }
    let Some((default, default_table)) = tables.first().filter(|(code, _)| **code == codes[0]) else {
        return Err(problems);
    };
    let keys: Vec<String> =
        default_table.keys().filter(|k| FUNCTION_PREFIXES.iter().any(|p| k.starts_with(p))).cloned().collect();
    let mut languages = Vec::new();
    for (code, table) in &tables {
        let mut texts = Vec::new();
        for key in &keys {
            match table.get(key).and_then(|v| v.as_str()) {
                Some(text) => texts.push((key.clone(), text.to_owned())),
                None => problems
                    .push(format!("site/i18n/{code}.toml has no text for `{key}`: add it (site/i18n/{default}.toml has it)")),
            }
        }
        problems.extend(language_facts(code, table));
        match variant(code) {
            Some(variant) => languages.push(Language { code: (*code).clone(), variant, texts }),
            None => problems.push(format!(
                "site/config.toml: the language code `{code}` must be letters and digits, parts joined by `-` (like `pt-BR`)"
            )),
        }
    }
    problems.extend(same_dutch_names(&languages));
    if problems.is_empty() { Ok((keys, languages)) } else { Err(problems) }
}

/// A file copied from nl.toml and not yet changed still says "Nederlands".
fn same_dutch_names(languages: &[Language]) -> Vec<String> {
    let name = |l: &Language| l.texts.iter().find(|(k, _)| k == "lang_name_nl").map(|(_, v)| v.clone());
    let mut problems = Vec::new();
    for (i, later) in languages.iter().enumerate() {
        let Some(earlier) = languages[..i].iter().find(|e| name(e).is_some() && name(e) == name(later)) else {
            continue;
        };
        problems.push(format!(
            "site/i18n/{}.toml: `lang_name_nl` is \"{}\", as in site/i18n/{}.toml; write this language's name in Dutch",
            later.code,
            name(later).unwrap_or_default(),
            earlier.code
        ));
    }
    problems
}

fn load_texts(site: &Path, code: &str) -> Result<toml::Table, String> {
    let file = site.join("i18n").join(format!("{code}.toml"));
    let text = std::fs::read_to_string(&file).map_err(|e| {
        format!(
            "site/config.toml has the language `{code}`, but site/i18n/{code}.toml cannot be read ({e}). \
             Every site language needs its interface texts: copy site/i18n/nl.toml to site/i18n/{code}.toml and translate it."
        )
    })?;
    toml::from_str(&text).map_err(|e| format!("site/i18n/{code}.toml is not valid TOML: {e}"))
}

/// `lang_dir` is a direction, not a text; `lang_name_nl` is not a copy.
fn language_facts(code: &str, table: &toml::Table) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(dir) = table.get("lang_dir").and_then(|v| v.as_str()).filter(|d| !matches!(*d, "ltr" | "rtl")) {
        problems.push(format!(
            "site/i18n/{code}.toml: `lang_dir` is \"{dir}\"; write \"ltr\" (left to right) or \"rtl\" (right to left, as Arabic)"
        ));
    }
    problems
}

/// Every page in content/ (top level: the form pages live there).
pub fn content_pages(content: &Path, default_lang: &str) -> Result<Vec<Page>, String> {
    let mut pages = Vec::new();
    let entries = std::fs::read_dir(content).map_err(|e| format!("{}: {e}", content.display()))?;
    for entry in entries {
        let file = entry.map_err(|e| format!("{}: {e}", content.display()))?.path();
        let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".md") else {
            continue;
        };
        if stem.starts_with('_') {
            continue;
        }
        let (stem, lang) = stem.rsplit_once('.').unwrap_or((stem, default_lang));
        let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let front = text
            .strip_prefix("+++")
            .and_then(|rest| rest.split_once("\n+++"))
            .map(|(front, _)| front)
            .ok_or_else(|| format!("{}: no +++ front matter", file.display()))?;
        let front: toml::Table = toml::from_str(front).map_err(|e| format!("{}: {e}", file.display()))?;
        let slug = front.get("slug").and_then(|v| v.as_str()).unwrap_or(stem);
        let path = if lang == default_lang { format!("/{slug}/") } else { format!("/{lang}/{slug}/") };
        let extra = front.get("extra").and_then(|v| v.as_table()).cloned().unwrap_or_default();
        pages.push(Page { lang: lang.to_owned(), path, extra });
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn site_copy() -> (tempfile::TempDir, PathBuf) {
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site");
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("i18n")).unwrap();
        std::fs::copy(real.join("config.toml"), site.join("config.toml")).unwrap();
        for entry in std::fs::read_dir(real.join("i18n")).unwrap() {
            let file = entry.unwrap().path();
            std::fs::copy(&file, site.join("i18n").join(file.file_name().unwrap())).unwrap();
        }
        (dir, site)
    }

    fn add_language(site: &Path, code: &str) {
        let mut config = std::fs::read_to_string(site.join("config.toml")).unwrap();
        config = config.replacen("\n[extra]", &format!("\n[languages.{code}]\ntitle = \"x\"\n\n[extra]"), 1);
        std::fs::write(site.join("config.toml"), config).unwrap();
    }

    #[test]
    fn the_languages_are_those_of_the_site_config_default_first() {
        let (_dir, site) = site_copy();
        let codes = language_codes(&site).unwrap();
        assert_eq!(codes[0], "nl");
        assert!(codes.contains(&"ar".to_owned()) && codes.contains(&"uk".to_owned()), "{codes:?}");
    }

    #[test]
    fn form_pages_are_found_by_their_front_matter_with_zolas_paths() {
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../site/content");
        let pages = content_pages(&content, "nl").unwrap();
        let form = |kind: &str, lang: &str| {
            pages.iter().find(|p| p.lang == lang && p.extra.get("form").and_then(|v| v.as_str()) == Some(kind)).map(|p| &p.path)
        };
        assert_eq!(form("registration", "nl").unwrap(), "/aanmelden/");
        assert_eq!(form("registration", "tr").unwrap(), "/tr/sign-up/");
        assert!(pages.iter().any(|p| p.path == "/ar/thank-you/" && p.extra.get("thank_you").is_some()));
    }

    #[test]
    fn a_new_language_without_its_i18n_file_names_the_file_to_add() {
        let (_dir, site) = site_copy();
        add_language(&site, "de");
        let problems = languages(&site).err().expect("the build must fail");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("site/i18n/de.toml"), "{problems:?}");
        assert!(problems[0].contains("copy site/i18n/nl.toml"), "{problems:?}");
    }

    #[test]
    fn a_new_language_with_its_i18n_file_needs_no_code() {
        let (_dir, site) = site_copy();
        add_language(&site, "pt-BR");
        let english = std::fs::read_to_string(site.join("i18n/en.toml")).unwrap();
        std::fs::write(site.join("i18n/pt-BR.toml"), english.replace("\"Engels\"", "\"Braziliaans-Portugees\"")).unwrap();
        let (_, languages) = languages(&site).unwrap_or_else(|p| panic!("{p:?}"));
        let added = languages.last().unwrap();
        assert_eq!((added.code.as_str(), added.variant.as_str()), ("pt-BR", "PtBr"));
    }

    #[test]
    fn a_copied_file_that_still_names_another_language_is_named() {
        let (_dir, site) = site_copy();
        add_language(&site, "de");
        std::fs::copy(site.join("i18n/nl.toml"), site.join("i18n/de.toml")).unwrap();
        let problems = languages(&site).err().expect("the build must fail");
        assert_eq!(
            problems,
            ["site/i18n/de.toml: `lang_name_nl` is \"Nederlands\", as in site/i18n/nl.toml; write this language's name in Dutch"]
        );
    }

    #[test]
    fn a_missing_text_or_a_wrong_direction_is_named_with_its_file_and_key() {
        let (_dir, site) = site_copy();
        let file = site.join("i18n/tr.toml");
        let text = std::fs::read_to_string(&file).unwrap();
        let text: String = text.lines().filter(|l| !l.starts_with("error_prefix")).map(|l| format!("{l}\n")).collect();
        std::fs::write(&file, text.replace("lang_dir = \"ltr\"", "lang_dir = \"left\"")).unwrap();
        let problems = languages(&site).err().expect("the build must fail");
        assert!(problems.iter().any(|p| p.contains("site/i18n/tr.toml has no text for `error_prefix`")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("site/i18n/tr.toml: `lang_dir` is \"left\"")), "{problems:?}");
    }
}
