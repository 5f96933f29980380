"""Runs checkov on the template offline and fails on any failed check, on a
skip without a written reason, and on a skip checkov no longer needs (so the
list of exceptions in the template stays exactly the list of exceptions)."""

import json
import subprocess
import sys

import template


def declared_skips(t):
    skips = {}
    for name, resource in t["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            skips[(skip["id"], name)] = (skip.get("comment") or "").strip()
    return skips


def main():
    checkov = sys.argv[1]
    run = subprocess.run(
        [checkov, "--file", str(template.TEMPLATE), "--framework", "cloudformation",
         "--skip-download", "--output", "json"],
        capture_output=True, text=True, check=False)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        sys.exit(f"checkov gave no report (exit {run.returncode}):\n{run.stderr[-3000:]}")
    results = report["results"]
    if report["summary"]["parsing_errors"] or not report["summary"]["resource_count"]:
        sys.exit(f"checkov could not read the template: {report['summary']}")
    problems = [f"FAILED {c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]]
    skips = declared_skips(template.load())
    used = {(c["check_id"], c["resource"].split(".", 1)[1]) for c in results["skipped_checks"]}
    for (check, resource), reason in sorted(skips.items()):
        if len(reason) < 20:
            problems.append(f"skip {check} on {resource} needs a reason in its comment")
        if (check, resource) not in used:
            problems.append(f"skip {check} on {resource} is not needed any more: remove it")
    if problems:
        sys.exit("checkov:\n  " + "\n  ".join(problems))
    summary = report["summary"]
    print(f"checkov: {summary['passed']} passed, {summary['failed']} failed, "
          f"{summary['skipped']} skipped (each with its reason in the template)")


if __name__ == "__main__":
    main()
