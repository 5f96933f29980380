#!/usr/bin/env python3
"""How easy the site is to read, per page and language (issue 20).

    tools/readability.py [--check-only] [--markdown] [--site DIR]

1. Checks every "In het kort" block (`[[extra.easy_read]]` in a page's
   front matter, shown as <section class="easy-read">): at most five
   sentences, each one sentence of at most ten words with a pictogram
   from static/pictos/. Problems are told in Dutch, for the editors, with
   the file and the sentence. This part needs only site/content and runs
   before publishing too (tools/check-site.py).
2. Then, on the built site (site/public, from `make site`), the same
   blocks as they came out of the templates, and per page and language:
   sentences, words, the average sentence length (words per sentence) and
   the share of long words in the page's main text (what "Lees voor"
   reads: <main> without the controls, the translation notice and the
   form's fields).

A word is a run of letters and digits (Home-Start, e-mail and 15:00 are
one word each). A sentence ends at . ! ? ؟ or … followed by a space, and
at the end of each heading, paragraph, list item and table row. A word is
long when it has more letters than LONG_WORD_LETTERS says for the
language: 6 in Dutch, as in LIX (Björnsson's readability index). The
translations say the same as the Dutch pages with words of another
average length (Turkish adds endings, Polish and Ukrainian inflect; short
vowels are not written in Arabic), so each language's limit is 6 times
its average word length over the Dutch one, rounded, measured on this
site's own pages when the limits were set (letters per word: nl 4.7, en 4.6, tr
6.2, ar 4.7, pl 5.5, uk 5.5; the report prints them again). A long word
then marks about the same part of the same text in every language.

Exit 1 when a block breaks the limits; the figures are reported, never
judged (a page about a form has other words than a news item).
--markdown prints the table of the main pages for the README.
"""

import argparse
import re
import sys
import tomllib
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGS = ["nl", "en", "tr", "ar", "pl", "uk"]
MAX_SENTENCES = 5
MAX_WORDS = 10
# More letters than this makes a word long (see the docstring for why).
LONG_WORD_LETTERS = {"nl": 6, "en": 6, "tr": 8, "ar": 6, "pl": 7, "uk": 7}
# The pages of the README table: (name, Dutch path, path in the others).
MAIN_PAGES = [
    ("home", "/", "/{lang}/"),
    ("Home-Start", "/home-start/", "/{lang}/home-start/"),
    ("Buurtgezinnen", "/buurtgezinnen/", "/{lang}/buurtgezinnen/"),
    ("Taalhuis", "/bibliotheek-taalhuis/", "/{lang}/library/"),
    ("spreekuur", "/spreekuur/", "/{lang}/drop-in-hour/"),
    ("contact", "/contact/", "/{lang}/contact/"),
    ("sign up", "/aanmelden/", "/{lang}/sign-up/"),
]

SENTENCE_END = re.compile(r"(?<=[.!?؟…])[\"'”’»)]*\s+")
JOINERS = "'’-"  # inside a word: l'eau, сім’я, Home-Start
NUMBER_JOINERS = ":.,"  # inside a number: 15:00, 1.000


def is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def words(text: str) -> list[str]:
    """Words in order; joiners count only between two word characters."""
    found, current = [], ""
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if is_word_char(ch):
            current += ch
        elif current and nxt and is_word_char(nxt) and (
            ch in JOINERS or (ch in NUMBER_JOINERS and current[-1].isdigit() and nxt.isdigit())
        ):
            current += ch
        elif current:
            found.append(current)
            current = ""
    if current:
        found.append(current)
    return found


def letters(word: str) -> int:
    return sum(1 for ch in word if unicodedata.category(ch)[0] == "L")


def sentences(block: str) -> list[str]:
    return [s for s in (part.strip() for part in SENTENCE_END.split(block.strip())) if words(s)]


# --- 1. the blocks in the front matter -------------------------------------

def page_lang(path: Path) -> str:
    m = re.match(r"^.+\.([a-z]{2})\.md$", path.name)
    return m.group(1) if m and m.group(1) in LANGS else "nl"


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^\+\+\+\r?\n(.*?)\r?\n\+\+\+", text, re.S)
    return tomllib.loads(m.group(1)) if m else {}


def check_sources(site: Path) -> list[str]:
    problems = []
    pictos = {p.stem for p in (site / "static" / "pictos").glob("*.svg")}
    for path in sorted((site / "content").rglob("*.md")):
        rel = path.relative_to(site.parent) if site.parent in path.parents else path
        try:
            items = front_matter(path).get("extra", {}).get("easy_read", [])
        except tomllib.TOMLDecodeError:
            continue  # tools/check-site.py and zola name the broken front matter
        if not items:
            continue
        where = f'{rel}, "In het kort"'
        if len(items) > MAX_SENTENCES:
            problems.append(f"{where}: {len(items)} zinnen. Houd het bij hoogstens {MAX_SENTENCES}: de belangrijkste eerst.")
        for n, item in enumerate(items, 1):
            text = str(item.get("text", "")).strip()
            icon = str(item.get("icon", ""))
            if not text:
                problems.append(f"{where}, zin {n}: de tekst is leeg. Schrijf één korte zin of haal de regel weg.")
                continue
            parts = sentences(text)
            if len(parts) > 1:
                problems.append(f"{where}, zin {n}: \"{text}\" is meer dan één zin. Maak er één zin van, of zet de tweede zin in een eigen regel.")
            count = len(words(text))
            if count > MAX_WORDS:
                problems.append(f"{where}, zin {n}: \"{text}\" heeft {count} woorden. Gebruik hoogstens {MAX_WORDS} woorden: zeg één ding per zin.")
            if icon not in pictos:
                known = ", ".join(sorted(pictos))
                problems.append(f"{where}, zin {n}: het plaatje \"{icon}\" bestaat niet. Kies een van: {known}.")
    return problems


# --- 2. the built pages ----------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "tr", "caption", "figcaption", "blockquote"}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def text(self) -> str:
        out = []
        for child in self.children:
            if isinstance(child, str):
                out.append(child)
            elif not skipped(child) and child.tag != "svg":
                out.append(" " if child.tag == "br" else child.text())
                if child.tag in ("td", "th"):
                    out.append(", ")
        return re.sub(r"\s+", " ", "".join(out)).strip().rstrip(",").strip()


def skipped(node: Node) -> bool:
    """What read-aloud.js leaves out (its SKIP selector)."""
    return ("data-read-aloud" in node.attrs or "hidden" in node.attrs or node.attrs.get("aria-hidden") == "true"
            or "translation-notice" in node.classes() or node.tag in ("script", "style", "template"))


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.open = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.open)
        self.open.children.append(node)
        if tag not in VOID:
            self.open = node

    def handle_startendtag(self, tag, attrs):
        self.open.children.append(Node(tag, dict(attrs), self.open))

    def handle_endtag(self, tag):
        node = self.open
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.open = node.parent

    def handle_data(self, data):
        self.open.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    return builder.root


def main_blocks(root: Node) -> list[str]:
    main = next((n for n in root.walk() if n.tag == "main"), None)
    if main is None:
        return []
    found = []
    for node in main.walk():
        if node.tag not in BLOCKS:
            continue
        up = list(node.ancestors())
        if skipped(node) or any(skipped(a) for a in up):
            continue
        if any(a.tag == "form" for a in up) and not any("what-next" in a.classes() for a in up):
            continue
        if any(a.tag in BLOCKS for a in up[: up.index(main)]):
            continue  # read with the block around it
        text = node.text()
        if text:
            found.append(text)
    return found


def figures(blocks: list[str], lang: str) -> dict:
    all_sentences = [s for b in blocks for s in sentences(b)]
    all_words = [w for s in all_sentences for w in words(s)]
    long = [w for w in all_words if letters(w) > LONG_WORD_LETTERS[lang]]
    return {
        "sentences": len(all_sentences),
        "words": len(all_words),
        "words_per_sentence": len(all_words) / len(all_sentences) if all_sentences else 0.0,
        "long_share": len(long) / len(all_words) if all_words else 0.0,
        "letters_per_word": sum(letters(w) for w in all_words) / len(all_words) if all_words else 0.0,
    }


def check_built(path: str, root: Node) -> list[str]:
    problems = []
    for section in (n for n in root.walk() if n.tag == "section" and "easy-read" in n.classes()):
        items = [n for n in section.walk() if n.tag == "li"]
        if not 1 <= len(items) <= MAX_SENTENCES:
            problems.append(f"{path}: the easy-read block has {len(items)} sentences (1 to {MAX_SENTENCES})")
        for item in items:
            text = item.text()
            images = [n for n in item.walk() if n.tag == "img"]
            if len(images) != 1 or not images[0].attrs.get("src", "").startswith("/pictos/") or not images[0].attrs.get("alt"):
                problems.append(f"{path}: \"{text}\" needs one pictogram from /pictos/ with a text alternative")
            if len(sentences(text)) != 1 or len(words(text)) > MAX_WORDS:
                problems.append(f"{path}: \"{text}\" is not one sentence of at most {MAX_WORDS} words")
    return problems


def built_pages(public: Path):
    for file in sorted(public.rglob("*.html")):
        rel = file.relative_to(public)
        if rel.parts[0] == "admin":
            continue  # the web editor, not a public page
        path = "/" + str(rel.parent).replace(".", "").strip("/") + "/" if file.name == "index.html" else "/" + str(rel)
        path = path.replace("//", "/")
        html = file.read_text(encoding="utf-8")
        lang = re.search(r'<html lang="([a-z]{2})"', html).group(1)
        yield path, lang, parse(html)


def markdown_table(rows: dict) -> str:
    head = "| page | " + " | ".join(LANGS) + " |"
    lines = [head, "|---|" + "---:|" * len(LANGS)]
    for name, nl_path, other in MAIN_PAGES:
        cells = []
        for lang in LANGS:
            f = rows.get(nl_path if lang == "nl" else other.format(lang=lang))
            cells.append(f"{f['words_per_sentence']:.1f} · {100 * f['long_share']:.0f} %" if f else "–")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the zola site folder (default: site/)")
    parser.add_argument("--check-only", action="store_true", help="check the blocks in the front matter, no figures")
    parser.add_argument("--markdown", action="store_true", help="print the README table of the main pages")
    args = parser.parse_args()

    problems = check_sources(args.site)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"\n\"In het kort\": {len(problems)} probleem/problemen. Elk blok heeft hoogstens {MAX_SENTENCES} zinnen "
              f"van hoogstens {MAX_WORDS} woorden, elk met een plaatje.", file=sys.stderr)
        return 1
    if args.check_only:
        print("\"In het kort\": elk blok binnen de grenzen.")
        return 0

    public = args.site / "public"
    if not (public / "index.html").exists():
        print(f"{public} is not built: run `make site` first", file=sys.stderr)
        return 2
    rows, built_problems, blocks_seen = {}, [], 0
    for path, lang, root in built_pages(public):
        built_problems += check_built(path, root)
        blocks_seen += sum(1 for n in root.walk() if n.tag == "section" and "easy-read" in n.classes())
        rows[path] = {"lang": lang, **figures(main_blocks(root), lang)}
    if built_problems:
        print("\n".join(built_problems), file=sys.stderr)
        return 1
    if args.markdown:
        print(markdown_table(rows))
        return 0

    print(f"{'page':<44} {'lang':<4} {'sentences':>9} {'words':>6} {'words/sentence':>14} {'long words':>10}")
    for path, f in rows.items():
        print(f"{path:<44} {f['lang']:<4} {f['sentences']:>9} {f['words']:>6} {f['words_per_sentence']:>14.1f} {100 * f['long_share']:>9.0f}%")
    for lang in LANGS:
        mine = [f for f in rows.values() if f["lang"] == lang and f["words"]]
        total_words = sum(f["words"] for f in mine)
        total_sentences = sum(f["sentences"] for f in mine)
        long = sum(f["long_share"] * f["words"] for f in mine)
        letters_avg = sum(f["letters_per_word"] * f["words"] for f in mine) / total_words
        print(f"all {lang}: {len(mine)} pages, {total_words / total_sentences:.1f} words per sentence, "
              f"{100 * long / total_words:.0f}% long words (over {LONG_WORD_LETTERS[lang]} letters), "
              f"{letters_avg:.2f} letters per word")
    print(f"\"In het kort\": {blocks_seen} blocks, each at most {MAX_SENTENCES} sentences of at most {MAX_WORDS} words.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
