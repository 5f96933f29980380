//! Markdown, block by block: the text is cut into its top-level blocks
//! (paragraphs, headings, lists, …); blocks that mean the same in both
//! versions keep the repository's text, the others take the editor's.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

struct Block {
    range: Range<usize>,
    /// What the block means, without how it is written: list markers,
    /// loose or tight lists, line breaks inside a paragraph, escapes.
    meaning: String,
}

pub fn merge_body(old: &str, new: &str) -> String {
    let (a, b) = (blocks(old), blocks(new));
    if a.iter().map(|x| &x.meaning).eq(b.iter().map(|x| &x.meaning)) {
        return old.to_owned();
    }
    // Each output block with where it comes from: (from the old text?, index).
    let mut out: Vec<(bool, usize)> = Vec::new();
    let mut next_new = 0;
    for (kept_old, kept_new) in common(&a, &b) {
        // The editor's blocks before the next kept one; old blocks not kept were changed or removed.
        out.extend((next_new..kept_new).map(|k| (false, k)));
        out.push((true, kept_old));
        next_new = kept_new + 1;
    }
    out.extend((next_new..b.len()).map(|k| (false, k)));

    let mut result = String::new();
    match out.first() {
        Some(&(true, 0)) => result.push_str(&old[..a[0].range.start]),
        Some(&(false, 0)) => result.push_str(&new[..b[0].range.start]),
        _ => {}
    }
    for (n, &(from_old, k)) in out.iter().enumerate() {
        if n > 0 {
            match (out[n - 1], from_old) {
                ((true, prev), true) if prev + 1 == k => result.push_str(&old[a[prev].range.end..a[k].range.start]),
                ((false, prev), false) if prev + 1 == k => result.push_str(&new[b[prev].range.end..b[k].range.start]),
                // Blocks that were not neighbours: one blank line between them.
                _ => {
                    while !result.ends_with("\n\n") {
                        result.push('\n');
                    }
                }
            }
        }
        result.push_str(if from_old { &old[a[k].range.clone()] } else { &new[b[k].range.clone()] });
    }
    match out.last() {
        Some(&(true, k)) if k + 1 == a.len() => result.push_str(&old[a[k].range.end..]),
        Some(&(false, k)) if k + 1 == b.len() => result.push_str(&new[b[k].range.end..]),
        _ => {}
    }
    result
}

/// Index pairs of the longest common sequence of blocks with the same meaning.
fn common(a: &[Block], b: &[Block]) -> Vec<(usize, usize)> {
    super::common_pairs(a, b, |x, y| x.meaning == y.meaning)
}

fn blocks(text: &str) -> Vec<Block> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut blocks = Vec::new();
    let (mut depth, mut in_item) = (0usize, 0usize);
    let mut current: Option<(usize, String)> = None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        let meaning = &mut current.get_or_insert_with(|| (range.start, String::new())).1;
        match &event {
            Event::Start(tag) => {
                depth += 1;
                in_item += usize::from(matches!(tag, Tag::Item));
                describe_start(tag, in_item > 0, meaning);
            }
            Event::End(tag) => {
                depth -= 1;
                if !(matches!(tag, TagEnd::Paragraph) && in_item > 0) {
                    meaning.push_str("</>");
                }
                in_item -= usize::from(matches!(tag, TagEnd::Item));
            }
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => push_text(meaning, t),
            Event::SoftBreak => push_text(meaning, " "),
            Event::HardBreak => meaning.push_str("<br>"),
            Event::Rule => meaning.push_str("<hr>"),
            other => meaning.push_str(&format!("{other:?}")),
        }
        if depth == 0 {
            let (start, meaning) = current.take().expect("a block was started");
            blocks.push(Block { range: start..range.end, meaning });
        }
    }
    blocks
}

fn describe_start(tag: &Tag, in_item: bool, out: &mut String) {
    match tag {
        // Loose and tight lists mean the same to a reader.
        Tag::Paragraph if in_item => {}
        Tag::List(Some(first)) => out.push_str(&format!("<ol {first}>")),
        Tag::List(None) => out.push_str("<ul>"),
        Tag::Heading { level, .. } => out.push_str(&format!("<{level}>")),
        Tag::Link { dest_url, title, .. } => out.push_str(&format!("<a {dest_url} {title}>")),
        Tag::Image { dest_url, title, .. } => out.push_str(&format!("<img {dest_url} {title}>")),
        Tag::CodeBlock(_) => out.push_str("<pre>"),
        other => out.push_str(&format!("<{other:?}>")),
    }
}

/// Text with its runs of white space as one space.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_written_differently_is_kept_as_it_was() {
        let old = "Intro *klemtoon*.\n\n* een\n* twee\n\n## Kop\n\nSlot\nop twee regels.\n";
        let new = "Intro _klemtoon_.\n\n- een\n\n- twee\n\n## Kop\n\nSlot op twee regels.";
        assert_eq!(merge_body(old, new), old);
    }

    #[test]
    fn one_changed_block_changes_only_that_block() {
        let old = "Eerste.\n\n* een\n* twee\n\nLaatste.\n";
        let new = "Eerste, anders.\n\n- een\n- twee\n\nLaatste.\n";
        assert_eq!(merge_body(old, new), "Eerste, anders.\n\n* een\n* twee\n\nLaatste.\n");
    }

    #[test]
    fn added_and_removed_blocks() {
        let old = "A.\n\nB.\n\nC.\n";
        assert_eq!(merge_body(old, "A.\n\nNieuw.\n\nB.\n\nC.\n"), "A.\n\nNieuw.\n\nB.\n\nC.\n");
        assert_eq!(merge_body(old, "A.\n\nC.\n"), "A.\n\nC.\n");
        assert_eq!(merge_body(old, "A.\n\nB.\n\nC.\n\nD."), "A.\n\nB.\n\nC.\n\nD.");
        assert_eq!(merge_body("", "Nieuw."), "Nieuw.");
        assert_eq!(merge_body(old, ""), "");
    }
}
