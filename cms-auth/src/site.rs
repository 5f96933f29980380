//! Where a saved file shows on the site, so `/admin/` can link to the
//! changed page once it is live. The rules are zola's: `path` in the front
//! matter wins; otherwise the language, the section folder and the slug
//! (`slug`, or the file name).

use crate::policy::{LANGUAGES, default_language};

/// The page that shows the spreekuur dates and the other data.
pub const DATA_PAGE: &str = "/spreekuur/";

pub fn page_for(path: &str, content: &[u8]) -> Option<String> {
    if path == "site/data/directory.toml" {
        return Some(DATA_PAGE.into());
    }
    let rest = path.strip_prefix("site/content/")?.strip_suffix(".md")?;
    let (section, name) = rest.rsplit_once('/').unwrap_or(("", rest));
    let (stem, lang) = match name.rsplit_once('.') {
        Some((stem, lang)) if LANGUAGES.contains(&lang) => (stem, lang),
        _ => (name, default_language()),
    };
    let front = front_matter(content);
    if let Some(own) = front.as_ref().and_then(|f| f.get("path")).and_then(|v| v.as_str()) {
        return Some(format!("/{}/", own.trim_matches('/')).replace("//", "/"));
    }
    let mut url = String::from("/");
    if lang != default_language() {
        url.push_str(lang);
        url.push('/');
    }
    if !section.is_empty() {
        url.push_str(section);
        url.push('/');
    }
    if stem != "_index" {
        let slug = front.as_ref().and_then(|f| f.get("slug")).and_then(|v| v.as_str()).unwrap_or(stem);
        url.push_str(slug);
        url.push('/');
    }
    Some(url)
}

fn front_matter(content: &[u8]) -> Option<toml_edit::DocumentMut> {
    let text = std::str::from_utf8(content).ok()?;
    let rest = text.strip_prefix("+++")?.trim_start_matches(['\r', '\n']);
    let end = rest.find("\n+++")?;
    rest[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::page_for;

    #[test]
    fn pages_are_where_zola_puts_them() {
        assert_eq!(page_for("site/content/contact.md", b"+++\ntitle = \"x\"\n+++\n").as_deref(), Some("/contact/"));
        assert_eq!(
            page_for("site/content/spreekuur.en.md", b"+++\nslug = \"drop-in-hour\"\n+++\n").as_deref(),
            Some("/en/drop-in-hour/")
        );
        assert_eq!(page_for("site/content/_index.md", b"+++\n+++\n").as_deref(), Some("/"));
        assert_eq!(page_for("site/content/_index.tr.md", b"+++\n+++\n").as_deref(), Some("/tr/"));
        let news = b"+++\ntitle = \"x\"\npath = \"nieuws/samen-spreekuur\"\n+++\ntext";
        assert_eq!(
            page_for("site/content/berichten/2023-11-30-samen-spreekuur.md", news).as_deref(),
            Some("/nieuws/samen-spreekuur/")
        );
        assert_eq!(page_for("site/data/directory.toml", b"").as_deref(), Some("/spreekuur/"));
        assert_eq!(page_for("site/static/afbeeldingen/a.png", b""), None);
    }
}
