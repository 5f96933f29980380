"""The stack deployed on paper (issue 18): SAM's transform for each
parameter set (sam.py), cfn-lint on what it makes, the template's rules,
and every permission proven with moto's IAM evaluator (permissions.py,
publishing.py). Fails naming each action and ARN that is not allowed.

Usage: rehearsal.py CFN_LINT FORMS_BIN CMS_AUTH_BIN"""

import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import permissions
import publishing
import sam
import template
from resolve import Deployed


def contract(binary):
    return json.loads(subprocess.run([binary, "contract"], check=True, capture_output=True, text=True).stdout)


def lint(cfn_lint, files):
    """cfn-lint on transformed templates: the resources SAM generates too."""
    run = subprocess.run([cfn_lint, *map(str, files)], capture_output=True, text=True)
    return [] if run.returncode == 0 else ["cfn-lint on the transformed templates:\n" + (run.stdout + run.stderr).strip()]


def main():
    started = time.monotonic()
    logging.disable(logging.WARNING)  # the translator's notes on its own metrics
    cfn_lint, *binaries = sys.argv[1:]
    contracts = {Path(b).name: contract(b) for b in binaries}
    makefile = template.INFRA / "lambda" / "Makefile"
    function_binaries = permissions.function_binaries(makefile)
    t = template.load()
    problems, proven = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for name, values in sam.PARAMETER_SETS.items():
            try:
                out = sam.transform(t, values)
            except ValueError as e:
                problems.append(f"[{name}] {e}")
                continue
            path = Path(tmp) / f"{name}.json"
            path.write_text(json.dumps(out, indent=1))
            files.append(path)
            d = Deployed(out, sam.parameters(values, t))
            found = [f"rule {r}" for r in d.broken_rules()]
            found += permissions.check_deploy_role(d)
            fn_problems, fn_proven = permissions.check_functions(d, contracts, function_binaries)
            found += fn_problems + publishing.check(d)
            proven += fn_proven
            problems += [f"[{name}] {p}" for p in found]
        problems += lint(cfn_lint, files)
    if problems:
        sys.exit("stack rehearsal (infra/checks/rehearsal.py):\n  " + "\n  ".join(problems))
    print(f"stack rehearsal: SAM transform + cfn-lint for {len(sam.PARAMETER_SETS)} parameter sets "
          f"({', '.join(sam.PARAMETER_SETS)}); StackDeployRole covers every handler permission, each function's "
          f"role its binary's calls ({proven} checks); publishing roles and workflow jobs as designed "
          f"({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
