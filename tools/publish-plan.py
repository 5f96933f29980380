#!/usr/bin/env python3
"""Which kind of publish a change needs: `site` or `stack`.

    tools/publish-plan.py BASE HEAD [--github-output FILE] [--repo DIR]

`site`: build the site, sync it to the bucket, invalidate CloudFront
(texts, news, pictures, spreekuur dates, coordinators' addresses and who
receives which form, the form pages in every language, templates). The
form function reads the routing (data/directory.toml) and the form pages
from the published site while it runs (functions/src/site_data.rs), so
none of that waits for a stack deploy or a reviewer.
`stack`: `sam deploy` (in the publish workflow's approved environment),
then the site. A change to the workflow itself (.github/) is neither: it
runs as changed. Needed only when what is built into a function changes:
  * code and infrastructure: functions/, cms-auth/, infra/, Cargo.toml/.lock,
    mk/infra.mk and mk/publish.mk (how the two functions are built);
  * when a form is followed up: the [follow_up] table of
    site/data/directory.toml (built in, so a confirmation's promise and the
    follow-up's rule change together), compared as data;
  * the function's own texts: the `error_`, `problem_` and `mail_` keys of
    site/i18n/*.toml (functions/build.rs), compared as data;
  * the languages in site/config.toml (`default_language` and the
    `[languages.*]` codes in order: functions/build.rs makes `Lang` of them);
  * where the form and thank-you pages are: in the front matter of the
    top-level content pages, `slug`, `extra.form` and `extra.thank_you`
    (functions/build.rs FORM_PAGES), compared as data, and a form page in
    a new language.
BASE is the commit the stack was last deployed from; when it is unknown
(empty, all zeros, not in the history) the answer is `stack`.
Prints the plan on the first line, then one reason per line."""

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

DIRECTORY = "site/data/directory.toml"
STACK_PREFIXES = ("functions/", "cms-auth/", "infra/")
STACK_FILES = ("Cargo.toml", "Cargo.lock", "mk/infra.mk", "mk/publish.mk")
I18N = re.compile(r"site/i18n/[^/]+\.toml$")
FUNCTION_TEXT_PREFIXES = ("error_", "problem_", "mail_")
CONFIG = "site/config.toml"
TOP_LEVEL_PAGE = re.compile(r"site/content/([^/._][^/.]*)(?:\.([a-z-]+))?\.md$")


def git(repo, *args, check=True):
    run = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and run.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {run.stderr.strip()}")
    return run


def known_commit(repo, rev):
    return bool(rev) and set(rev) != {"0"} and git(repo, "cat-file", "-e", f"{rev}^{{commit}}", check=False).returncode == 0


def file_at(repo, rev, path):
    run = git(repo, "show", f"{rev}:{path}", check=False)
    return run.stdout if run.returncode == 0 else None


def toml_at(repo, rev, path):
    try:
        return tomllib.loads(file_at(repo, rev, path) or "")
    except tomllib.TOMLDecodeError:
        return None


def function_texts(repo, rev, path):
    """The keys of an i18n file that functions/build.rs builds in."""
    data = toml_at(repo, rev, path)
    return None if data is None else {k: v for k, v in data.items() if k.startswith(FUNCTION_TEXT_PREFIXES)}


def languages(repo, rev):
    """What functions/build.rs reads from site/config.toml."""
    text = file_at(repo, rev, CONFIG) or ""
    data = toml_at(repo, rev, CONFIG)
    if data is None:
        return "unreadable"
    codes = sorted(data.get("languages", {}), key=lambda code: text.find(f"[languages.{code}]"))
    return (data.get("default_language"), codes)


def page_place(repo, rev, path):
    """Where a top-level page says it is, for functions/build.rs: its slug
    and whether it is a form or thank-you page; None when not one of them."""
    front = re.match(r"\+\+\+\n(.*?)\n\+\+\+", file_at(repo, rev, path) or "", re.S)
    try:
        data = tomllib.loads(front[1]) if front else {}
    except tomllib.TOMLDecodeError:
        return "unreadable"
    extra = data.get("extra", {})
    if "form" not in extra and extra.get("thank_you") is not True:
        return None
    return (data.get("slug"), extra.get("form"), extra.get("thank_you"))


def follow_up(repo, rev):
    data = toml_at(repo, rev, DIRECTORY)
    return "unreadable" if data is None else data.get("follow_up")


def plan(repo, base, head):
    if not known_commit(repo, base):
        return "stack", [f"no earlier deploy to compare with ({base or 'none given'}): deploy everything"]
    changed = [p for p in git(repo, "diff", "--name-only", "--no-renames", base, head).stdout.splitlines() if p]
    reasons = []
    for path in changed:
        if path.startswith(STACK_PREFIXES) or path in STACK_FILES:
            reasons.append(f"{path}: code or infrastructure")
        elif I18N.match(path) and function_texts(repo, base, path) != function_texts(repo, head, path):
            reasons.append(f"{path}: the form function's own texts (error_, problem_, mail_) changed")
        elif path == CONFIG and languages(repo, base) != languages(repo, head):
            reasons.append(f"{path}: the languages changed (the form function is built with them)")
        elif TOP_LEVEL_PAGE.match(path) and page_place(repo, base, path) != page_place(repo, head, path):
            reasons.append(f"{path}: where a form or thank-you page is changed (slug, extra.form, extra.thank_you)")
        elif path == DIRECTORY and follow_up(repo, base) != follow_up(repo, head):
            reasons.append(f"{path}: [follow_up] changed (the form function is built with it)")
    return ("stack", reasons) if reasons else ("site", [f"{len(changed)} changed file(s), none needs the stack"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("head")
    parser.add_argument("--github-output", help="append plan=... to this file (GitHub Actions' $GITHUB_OUTPUT)")
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    kind, reasons = plan(args.repo, args.base, args.head)
    print(kind)
    for reason in reasons:
        print(f"  {reason}")
    if args.github_output:
        with open(args.github_output, "a", encoding="utf-8") as out:
            out.write(f"plan={kind}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
