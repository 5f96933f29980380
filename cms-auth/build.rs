//! The path policy's one source: the editor's collections in
//! site/admin/config.yml (what Decap may show and save) and the languages
//! of site/config.toml (the names of translated files). Both become
//! constants in `$OUT_DIR/collections.rs`, so the server allows exactly
//! what the editor offers, and a new collection needs no Rust change.

use std::fmt::Write as _;
use std::path::PathBuf;

use yaml_rust2::{Yaml, YamlLoader};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("..");
    let config_yml = root.join("site/admin/config.yml");
    let config_toml = root.join("site/config.toml");
    println!("cargo:rerun-if-changed={}", config_yml.display());
    println!("cargo:rerun-if-changed={}", config_toml.display());

    let languages = languages(&std::fs::read_to_string(&config_toml).expect("read site/config.toml"));
    let text = std::fs::read_to_string(&config_yml).expect("read site/admin/config.yml");
    let docs = YamlLoader::load_from_str(&text).expect("site/admin/config.yml is YAML");
    let config = &docs[0];

    let mut out = String::new();
    let list = |items: &[String]| items.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
    writeln!(out, "/// The site's languages, the default (untranslated file names) first.").unwrap();
    writeln!(out, "pub const LANGUAGES: &[&str] = &[{}];", list(&languages)).unwrap();
    let media = text_of(&config["media_folder"], "media_folder");
    writeln!(out, "/// Where pictures and files uploaded in the editor go.").unwrap();
    writeln!(out, "pub const MEDIA_FOLDER: &str = {media:?};").unwrap();
    writeln!(out, "/// The editor's collections, as site/admin/config.yml names them.").unwrap();
    writeln!(out, "pub const COLLECTIONS: &[Collection] = &[").unwrap();
    for collection in config["collections"].as_vec().expect("config.yml has collections") {
        let name = text_of(&collection["name"], "collection name");
        if let Some(folder) = collection["folder"].as_str() {
            let extension = collection["extension"].as_str().unwrap_or("md");
            let flag = |key: &str| collection[key].as_bool().unwrap_or(false);
            let locales = match &collection["i18n"] {
                Yaml::Boolean(true) => languages.clone(),
                Yaml::Hash(_) => match collection["i18n"]["locales"].as_vec() {
                    Some(l) => l.iter().map(|v| text_of(v, "i18n locale")).collect(),
                    None => languages.clone(),
                },
                _ => vec![languages[0].clone()],
            };
            for locale in &locales {
                assert!(languages.contains(locale), "collection {name}: locale {locale} is not a language of site/config.toml");
            }
            writeln!(
                out,
                "    Collection {{ name: {name:?}, kind: Kind::Folder {{ folder: {folder:?}, extension: {extension:?}, \
                 create: {}, delete: {}, locales: &[{}] }} }},",
                flag("create"),
                flag("delete"),
                list(&locales)
            )
            .unwrap();
        } else if let Some(files) = collection["files"].as_vec() {
            let paths: Vec<String> = files.iter().map(|f| text_of(&f["file"], "file")).collect();
            writeln!(out, "    Collection {{ name: {name:?}, kind: Kind::Files {{ paths: &[{}] }} }},", list(&paths)).unwrap();
        } else {
            panic!("collection {name} has neither folder nor files");
        }
    }
    writeln!(out, "];").unwrap();
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("collections.rs");
    std::fs::write(dest, out).unwrap();
}

fn text_of(value: &Yaml, what: &str) -> String {
    value.as_str().unwrap_or_else(|| panic!("site/admin/config.yml: {what} must be text")).to_owned()
}

/// `default_language`, then every `[languages.*]` table in file order.
fn languages(config: &str) -> Vec<String> {
    let table: toml::Table = toml::from_str(config).expect("site/config.toml is TOML");
    let default = table["default_language"].as_str().expect("default_language").to_owned();
    let mut all = vec![default.clone()];
    if let Some(languages) = table.get("languages").and_then(|l| l.as_table()) {
        all.extend(languages.keys().filter(|k| **k != default).cloned());
    }
    all
}
