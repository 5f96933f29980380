//! What an editor may read and write: the files the editor's collections
//! name (site/admin/config.yml, built in by build.rs), the media folder,
//! and nothing else. Every path from a browser is parsed here before any
//! adapter sees it; a refused request reaches no repository.

include!(concat!(env!("OUT_DIR"), "/collections.rs"));

/// One collection of site/admin/config.yml.
#[derive(Debug)]
pub struct Collection {
    pub name: &'static str,
    pub kind: Kind,
}

#[derive(Debug)]
pub enum Kind {
    /// One file per entry in `folder` (no subfolders): `slug.ext` in the
    /// default language, `slug.<lang>.ext` for each other locale.
    Folder { folder: &'static str, extension: &'static str, create: bool, delete: bool, locales: &'static [&'static str] },
    /// Fixed files, changed but never created or deleted.
    Files { paths: &'static [&'static str] },
}

/// Largest picture or file an editor may upload.
pub const MEDIA_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest text an entry file may have (the longest page is about 10 kB).
pub const ENTRY_MAX_BYTES: usize = 256 * 1024;
/// Uploads the site can show safely. No SVG: it can carry script, and the
/// media folder is served from the site's own origin.
pub const MEDIA_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "gif", "avif", "pdf"];

/// A path inside the repository that passed [`RepoPath::parse`]: relative,
/// `/`-separated, no empty, `.` or `..` segment, plain characters only.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoPath(String);

impl RepoPath {
    pub fn parse(raw: &str) -> Result<Self, Refusal> {
        let bad = || Refusal::BadPath(shorten(raw));
        if raw.is_empty() || raw.len() > 200 || raw.starts_with('/') {
            return Err(bad());
        }
        for segment in raw.split('/') {
            if segment.is_empty() || segment == "." || segment == ".." {
                return Err(bad());
            }
            let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
            if !segment.chars().all(plain) || segment.starts_with('.') {
                return Err(bad());
            }
        }
        Ok(RepoPath(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    fn parent(&self) -> &str {
        self.0.rsplit_once('/').map_or("", |(dir, _)| dir)
    }
}

impl std::fmt::Display for RepoPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a request wants to do with a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    /// Write a file; `exists` says whether it is in the repository now.
    Write {
        exists: bool,
    },
    Delete,
}

/// Where an allowed path belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Entry,
    Media,
}

impl Area {
    pub fn max_bytes(self) -> usize {
        match self {
            Area::Entry => ENTRY_MAX_BYTES,
            Area::Media => MEDIA_MAX_BYTES,
        }
    }
}

/// Why a request is refused, in words for the editor (Decap shows them).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("\"{0}\" is geen geldig bestand. Kies een pagina, bericht of afbeelding in de editor.")]
    BadPath(String),
    #[error("De editor mag {0} niet lezen of veranderen: alleen teksten, datums en afbeeldingen van de site.")]
    Outside(String),
    #[error("In deze verzameling kun je geen nieuwe bestanden maken ({0}).")]
    NoCreate(String),
    #[error("In deze verzameling kun je niets verwijderen ({0}).")]
    NoDelete(String),
    #[error("{path} is te groot: {size} bytes, de grens is {limit} bytes. Maak het bestand kleiner en probeer het opnieuw.")]
    TooLarge { path: String, size: usize, limit: usize },
    #[error("Alleen de tak \"{0}\" kan worden aangepast.")]
    OtherBranch(String),
    #[error("Alleen de repository van deze site kan worden aangepast.")]
    OtherRepository,
    #[error("{0}")]
    BadRequest(String),
}

impl Refusal {
    /// A short label for logs: never the editor's text, only the kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::BadPath(_) => "bad_path",
            Refusal::Outside(_) => "outside_content",
            Refusal::NoCreate(_) => "no_create",
            Refusal::NoDelete(_) => "no_delete",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::OtherBranch(_) => "other_branch",
            Refusal::OtherRepository => "other_repository",
            Refusal::BadRequest(_) => "bad_request",
        }
    }
}

fn shorten(raw: &str) -> String {
    let cut: String = raw.chars().filter(|c| !c.is_control()).take(80).collect();
    if cut.len() < raw.len() { format!("{cut}…") } else { cut }
}

/// May `access` happen to `path`? Returns the area it belongs to.
pub fn check(path: &RepoPath, access: Access) -> Result<Area, Refusal> {
    let outside = || Refusal::Outside(path.to_string());
    if path.parent() == MEDIA_FOLDER {
        let extension = path.file_name().rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        return match extension {
            Some(e) if MEDIA_EXTENSIONS.contains(&e.as_str()) => Ok(Area::Media),
            _ => Err(outside()),
        };
    }
    for collection in COLLECTIONS {
        match &collection.kind {
            Kind::Files { paths } if paths.contains(&path.as_str()) => {
                return match access {
                    Access::Read | Access::Write { exists: true } => Ok(Area::Entry),
                    Access::Write { exists: false } => Err(Refusal::NoCreate(path.to_string())),
                    Access::Delete => Err(Refusal::NoDelete(path.to_string())),
                };
            }
            Kind::Folder { folder, extension, create, delete, locales } if path.parent() == *folder => {
                if !entry_name(path.file_name(), extension, locales) {
                    continue;
                }
                return match access {
                    Access::Read | Access::Write { exists: true } => Ok(Area::Entry),
                    Access::Write { exists: false } if *create => Ok(Area::Entry),
                    Access::Write { exists: false } => Err(Refusal::NoCreate(path.to_string())),
                    Access::Delete if *delete => Ok(Area::Entry),
                    Access::Delete => Err(Refusal::NoDelete(path.to_string())),
                };
            }
            _ => {}
        }
    }
    Err(outside())
}

/// A folder the editor may list: a collection's folder or the media folder.
pub fn check_folder(folder: &str) -> Result<RepoPath, Refusal> {
    let path = RepoPath::parse(folder.trim_end_matches('/'))?;
    let listed = path.as_str() == MEDIA_FOLDER
        || COLLECTIONS.iter().any(|c| matches!(c.kind, Kind::Folder { folder, .. } if folder == path.as_str()));
    if listed { Ok(path) } else { Err(Refusal::Outside(path.to_string())) }
}

/// `slug.ext` or `slug.<locale>.ext` for a locale other than the default.
fn entry_name(name: &str, extension: &str, locales: &[&str]) -> bool {
    let Some(stem) = name.strip_suffix(extension).and_then(|s| s.strip_suffix('.')) else {
        return false;
    };
    let slug_ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    match stem.split_once('.') {
        None => slug_ok(stem),
        Some((slug, locale)) => slug_ok(slug) && locales.iter().skip(1).any(|l| *l == locale) && locale != LANGUAGES[0],
    }
}

/// The default language (files without a language in their name).
pub fn default_language() -> &'static str {
    LANGUAGES[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> RepoPath {
        RepoPath::parse(p).unwrap()
    }

    const WRITE_EXISTING: Access = Access::Write { exists: true };
    const CREATE: Access = Access::Write { exists: false };

    #[test]
    fn the_collections_come_from_the_editors_config() {
        let names: Vec<&str> = COLLECTIONS.iter().map(|c| c.name).collect();
        assert!(names.contains(&"paginas") && names.contains(&"berichten") && names.contains(&"gegevens"), "{names:?}");
        assert_eq!(LANGUAGES[0], "nl");
        assert!(LANGUAGES.contains(&"en") && LANGUAGES.contains(&"uk"));
        assert_eq!(MEDIA_FOLDER, "site/static/afbeeldingen");
    }

    #[test]
    fn content_data_and_media_are_allowed() {
        assert_eq!(check(&path("site/content/home-start.md"), WRITE_EXISTING), Ok(Area::Entry));
        assert_eq!(check(&path("site/content/home-start.tr.md"), WRITE_EXISTING), Ok(Area::Entry));
        assert_eq!(check(&path("site/content/_index.md"), Access::Read), Ok(Area::Entry));
        assert_eq!(check(&path("site/data/directory.toml"), WRITE_EXISTING), Ok(Area::Entry));
        assert_eq!(check(&path("site/content/berichten/2027-01-02-nieuw.md"), CREATE), Ok(Area::Entry));
        assert_eq!(check(&path("site/content/berichten/2027-01-02-nieuw.en.md"), Access::Delete), Ok(Area::Entry));
        assert_eq!(check(&path("site/static/afbeeldingen/spreekuur.jpg"), CREATE), Ok(Area::Media));
    }

    #[test]
    fn everything_else_is_refused() {
        for p in [
            ".github/workflows/publish.yml",
            "infra/template.yaml",
            "functions/src/main.rs",
            "tools/check-site.py",
            "Makefile",
            "cms-auth/src/policy.rs",
            "site/admin/config.yml",
            "site/templates/base.html",
            "site/config.toml",
            "site/static/afbeeldingen/script.svg",
            "site/static/afbeeldingen/page.html",
            "site/content/berichten/_index.md.bak",
            "site/content/home-start.xx.md",
            "site/content/sub/page.md",
            "site/data/other.toml",
        ] {
            let refused = RepoPath::parse(p).and_then(|path| check(&path, WRITE_EXISTING));
            assert!(matches!(refused, Err(Refusal::Outside(_) | Refusal::BadPath(_))), "{p}: {refused:?}");
        }
        for p in [
            "../etc/passwd",
            "site/content/../../Makefile",
            "/etc/passwd",
            "site//content/a.md",
            "site/content/./a.md",
            "site/content/a b.md",
            "site\\content\\a.md",
            "site/content/.hidden.md",
            "",
        ] {
            assert!(matches!(RepoPath::parse(p), Err(Refusal::BadPath(_))), "{p}");
        }
    }

    #[test]
    fn pages_and_data_cannot_be_made_or_removed_news_can() {
        assert!(matches!(check(&path("site/content/nieuw.md"), CREATE), Err(Refusal::NoCreate(_))));
        assert!(matches!(check(&path("site/content/contact.md"), Access::Delete), Err(Refusal::NoDelete(_))));
        assert!(matches!(check(&path("site/data/directory.toml"), Access::Delete), Err(Refusal::NoDelete(_))));
        // News is Dutch and English only (its collection's locales).
        assert!(check(&path("site/content/berichten/a.en.md"), CREATE).is_ok());
        assert!(matches!(check(&path("site/content/berichten/a.tr.md"), CREATE), Err(Refusal::Outside(_))));
    }

    #[test]
    fn only_listed_folders_can_be_listed() {
        assert!(check_folder("site/content").is_ok());
        assert!(check_folder("site/content/berichten/").is_ok());
        assert!(check_folder("site/static/afbeeldingen").is_ok());
        assert!(check_folder("site").is_err());
        assert!(check_folder(".github").is_err());
        assert!(check_folder("site/content/..").is_err());
    }
}
