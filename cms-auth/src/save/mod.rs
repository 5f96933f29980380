//! The minimal save: Decap sends whole files, written by its own
//! serialisers (TOML without comments and in its own order, Markdown with
//! its own bullets and blank lines), for every language of an entry, also
//! the ones the editor never touched. Here each file is put next to the
//! one in the repository and only what the editor changed is taken over:
//! a changed value is set in the original TOML (comments, order and
//! quoting stay), a changed paragraph replaces only that paragraph, and a
//! file whose meaning did not change is not written at all.

mod markdown;
mod toml;

pub use markdown::merge_body;
pub use toml::patch_toml;

/// What to do with one file the editor saved.
#[derive(Debug, PartialEq, Eq)]
pub enum Merge {
    /// Same meaning as the file in the repository: leave it alone.
    Unchanged,
    /// Write these bytes.
    Write(Vec<u8>),
}

/// `current` is the file in the repository (None: a new file), `proposed`
/// what the editor's browser sent.
pub fn merge(path: &str, current: Option<&[u8]>, proposed: &[u8]) -> Merge {
    let Some(current) = current else {
        return Merge::Write(proposed.to_vec());
    };
    if current == proposed {
        return Merge::Unchanged;
    }
    let merged = match (std::str::from_utf8(current), std::str::from_utf8(proposed)) {
        (Ok(old), Ok(new)) if path.ends_with(".md") => merge_page(old, new),
        (Ok(old), Ok(new)) if path.ends_with(".toml") => patch_toml(old, new).ok(),
        _ => None,
    };
    // A file we cannot read as TOML or front matter is taken as sent.
    let merged = merged.map(String::into_bytes).unwrap_or_else(|| proposed.to_vec());
    if merged == current { Merge::Unchanged } else { Merge::Write(merged) }
}

/// A page: `+++` TOML front matter `+++`, then Markdown.
fn merge_page(old: &str, new: &str) -> Option<String> {
    let old_parts = split_page(old)?;
    let new_parts = split_page(new)?;
    let front = patch_toml(old_parts.front, new_parts.front).ok()?;
    let mut body = merge_body(old_parts.body, new_parts.body);
    if old.ends_with('\n') && !body.is_empty() && !body.ends_with('\n') {
        body.push('\n');
    }
    Some(format!("{}{front}{}{body}", old_parts.open, old_parts.close))
}

struct Page<'a> {
    /// `+++` and its line end.
    open: &'a str,
    front: &'a str,
    /// The closing `+++` line, with its line end.
    close: &'a str,
    body: &'a str,
}

fn split_page(text: &str) -> Option<Page<'_>> {
    let open_len = if text.starts_with("+++\r\n") {
        5
    } else if text.starts_with("+++\n") {
        4
    } else {
        return None;
    };
    let rest = &text[open_len..];
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let close_start = open_len + offset;
            let body_start = close_start + line.len();
            return Some(Page {
                open: &text[..open_len],
                front: &text[open_len..close_start],
                close: &text[close_start..body_start],
                body: &text[body_start..],
            });
        }
        offset += line.len();
    }
    None
}

/// Index pairs of a longest common subsequence of `a` and `b`, items
/// matched by `same`: what both merges keep of the file as it was.
fn common_pairs<T>(a: &[T], b: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let mut table = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = if same(&a[i], &b[j]) { table[i + 1][j + 1] + 1 } else { table[i + 1][j].max(table[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if same(&a[i], &b[j]) {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "+++\ntitle = \"Contact\"\n# Shown in search results.\ndescription = \"Zo bereik je ons.\"\n[extra]\nsource_hash = \"abc\"\n+++\nBel ons of mail ons.\n\n* Maandag\n* Dinsdag\n\nTot ziens.\n";

    #[test]
    fn a_page_decap_rewrote_without_changing_anything_is_not_written() {
        // Decap's own serialisation: other key order, no comment, `-` bullets, loose list.
        let decap = "+++\ndescription = \"Zo bereik je ons.\"\ntitle = \"Contact\"\n\n[extra]\nsource_hash = \"abc\"\n+++\n\nBel ons of mail ons.\n\n- Maandag\n- Dinsdag\n\nTot ziens.";
        assert_eq!(merge("site/content/contact.tr.md", Some(PAGE.as_bytes()), decap.as_bytes()), Merge::Unchanged);
    }

    #[test]
    fn a_new_title_changes_the_title_line_only() {
        let decap = "+++\ndescription = \"Zo bereik je ons.\"\ntitle = \"Neem contact op\"\n[extra]\nsource_hash = \"abc\"\n+++\nBel ons of mail ons.\n\n- Maandag\n- Dinsdag\n\nTot ziens.\n";
        let Merge::Write(out) = merge("site/content/contact.md", Some(PAGE.as_bytes()), decap.as_bytes()) else { panic!() };
        assert_eq!(String::from_utf8(out).unwrap(), PAGE.replace("title = \"Contact\"", "title = \"Neem contact op\""));
    }

    #[test]
    fn a_changed_paragraph_replaces_that_paragraph_only() {
        let decap = "+++\ntitle = \"Contact\"\ndescription = \"Zo bereik je ons.\"\n[extra]\nsource_hash = \"abc\"\n+++\nBel ons of mail ons.\n\n- Maandag\n- Dinsdag\n\nTot morgen.\n";
        let Merge::Write(out) = merge("site/content/contact.md", Some(PAGE.as_bytes()), decap.as_bytes()) else { panic!() };
        assert_eq!(String::from_utf8(out).unwrap(), PAGE.replace("Tot ziens.", "Tot morgen."));
    }

    #[test]
    fn new_files_and_pictures_are_written_as_sent() {
        assert_eq!(merge("site/content/berichten/a.md", None, b"+++\n+++\n"), Merge::Write(b"+++\n+++\n".to_vec()));
        assert_eq!(merge("site/static/afbeeldingen/a.png", Some(b"\x89PNG1"), b"\x89PNG2"), Merge::Write(b"\x89PNG2".to_vec()));
        assert_eq!(merge("site/static/afbeeldingen/a.png", Some(b"\x89PNG1"), b"\x89PNG1"), Merge::Unchanged);
    }

    #[test]
    fn a_file_that_does_not_parse_is_taken_as_sent() {
        let broken = "+++\ntitle = \n+++\nx\n";
        assert_eq!(merge("site/content/a.md", Some(broken.as_bytes()), PAGE.as_bytes()), Merge::Write(PAGE.as_bytes().to_vec()));
    }
}
