"""Reads infra/template.yaml with cfn-lint's loader (it knows !Sub, !Ref, ...)."""

from pathlib import Path

from cfnlint.decode import cfn_yaml

INFRA = Path(__file__).resolve().parent.parent
REPO = INFRA.parent
TEMPLATE = INFRA / "template.yaml"


def load():
    return cfn_yaml.load(str(TEMPLATE))


def resources_of_type(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def only_resource(template, kind):
    found = resources_of_type(template, kind)
    if len(found) != 1:
        raise SystemExit(f"expected one {kind} in {TEMPLATE.name}, found {len(found)}")
    return next(iter(found.values()))
