#!/usr/bin/env python3
"""Which kind of publish a change needs: `site` or `stack`.

    tools/publish-plan.py BASE HEAD [--github-output FILE] [--repo DIR]

`site`: build the site, sync it to the bucket, invalidate CloudFront
(texts, news, pictures, spreekuur dates, addresses still to be confirmed).
`stack`: `sam deploy` (in the publish workflow's approved environment),
then the site. A change to the workflow itself (.github/) is neither: it
runs as changed. Needed when what runs on AWS changes:
  * code and infrastructure: functions/, cms-auth/, infra/, Cargo.toml/.lock,
    mk/infra.mk and mk/publish.mk (how the two functions are built);
  * who gets which form and when it is followed up: the [mailboxes],
    [[regions]], [routing] and [follow_up] tables of
    site/data/directory.toml, compared as data (a comment or a spreekuur
    date is not a routing change);
  * the form pages, which the form function carries a copy of for browsers
    without JavaScript (functions/build.rs FORM_PAGES): their content files
    in every language, the templates and site/config.toml.
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
ROUTING_TABLES = ("mailboxes", "regions", "routing", "follow_up")
STACK_PREFIXES = ("functions/", "cms-auth/", "infra/")
STACK_FILES = ("Cargo.toml", "Cargo.lock", "mk/infra.mk", "mk/publish.mk")
FORM_PAGE_SHARED = ("site/templates/",)
FORM_PAGE_FILES = ("site/config.toml",)


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


def form_page_names(repo, head):
    """Content file names of the form pages: the Dutch pages whose front
    matter has `form` or `thank_you = true` under [extra], as
    functions/build.rs finds them (`contact` for site/content/contact.md)."""
    names = set()
    for path in git(repo, "ls-tree", "-r", "--name-only", head, "site/content/").stdout.splitlines():
        if not re.fullmatch(r"site/content/[^/.]+\.md", path):
            continue
        front = re.match(r"\+\+\+\n(.*?)\n\+\+\+", file_at(repo, head, path) or "", re.S)
        try:
            extra = tomllib.loads(front[1]).get("extra", {}) if front else {}
        except tomllib.TOMLDecodeError:
            continue
        if "form" in extra or extra.get("thank_you") is True:
            names.add(Path(path).stem)
    return names


def routing(text):
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, TypeError):
        return None
    return {table: data.get(table) for table in ROUTING_TABLES}


def plan(repo, base, head):
    if not known_commit(repo, base):
        return "stack", [f"no earlier deploy to compare with ({base or 'none given'}): deploy everything"]
    changed = [p for p in git(repo, "diff", "--name-only", "--no-renames", base, head).stdout.splitlines() if p]
    reasons = []
    form_pages = form_page_names(repo, head)
    form_page_file = re.compile(r"site/content/(%s)(\.[a-z-]+)?\.md$" % "|".join(map(re.escape, sorted(form_pages))) if form_pages else r"$^")
    for path in changed:
        if path.startswith(STACK_PREFIXES) or path in STACK_FILES:
            reasons.append(f"{path}: code or infrastructure")
        elif path.startswith(FORM_PAGE_SHARED) or path in FORM_PAGE_FILES or form_page_file.match(path):
            reasons.append(f"{path}: the form function carries a copy of the form pages")
        elif path == DIRECTORY:
            before, after = routing(file_at(repo, base, path)), routing(file_at(repo, head, path))
            if before is None or after is None or before != after:
                tables = [t for t in ROUTING_TABLES if before is None or after is None or before[t] != after[t]]
                reasons.append(f"{path}: routing changed ({', '.join('[' + t + ']' for t in tables)})")
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
