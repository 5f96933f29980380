"""Does a set of IAM policies allow an action on an ARN? moto's policy
evaluator (moto.iam.access_control) decides; this module only feeds it:
actions compared case-insensitively (as IAM does), an explicit Deny wins,
and what the evaluator cannot judge (NotResource) is refused, not guessed.

Also the IAM catalogue cfn-lint ships (every action and, per action, the
ARN formats it applies to; none means it takes only "*")."""

import copy
import functools
import json
import re
from pathlib import Path

from moto.iam.access_control import IAMPolicy, PermissionResult


def _lower_actions(statement):
    s = copy.deepcopy(statement)
    for key in ("Action", "NotAction"):
        if key in s:
            s[key] = [a.lower() for a in ([s[key]] if isinstance(s[key], str) else s[key])]
    if "NotResource" in s:
        raise ValueError(f"NotResource is not judged by the evaluator: {json.dumps(statement)}")
    return s


def _statements(doc):
    st = doc["Statement"]
    return st if isinstance(st, list) else [st]


class Policies:
    """The identity policies of one principal."""

    def __init__(self, documents):
        self.documents = [dict(d, Statement=[_lower_actions(s) for s in _statements(d)]) for d in documents]
        self._evaluators = [IAMPolicy({"policy_document": json.dumps(d)}) for d in self.documents]

    def allows(self, action, resource):
        results = [e.is_action_permitted(action.lower(), resource) for e in self._evaluators]
        return PermissionResult.DENIED not in results and PermissionResult.PERMITTED in results

    def action_patterns(self):
        """Every Action pattern of an Allow statement (NotAction: all)."""
        patterns = set()
        for d in self.documents:
            for s in d["Statement"]:
                if s["Effect"] == "Allow":
                    patterns.update(s.get("Action", ["*"]) if "NotAction" not in s else ["*"])
        return patterns


@functools.lru_cache(maxsize=1)
def catalogue():
    import cfnlint

    path = Path(cfnlint.__file__).parent / "data" / "AdditionalSpecs" / "Policies.json"
    return json.loads(path.read_text())


def action_info(action):
    """(known, ARN regexes): known is False for a name IAM does not have;
    no regexes means the action takes only Resource "*"."""
    service, _, name = action.partition(":")
    spec = catalogue().get(service.lower())
    info = spec and spec["Actions"].get(name.lower())
    if info is None:
        return False, []
    kinds = {k.lower(): v for k, v in spec.get("Resources", {}).items()}
    formats = []
    for kind in info.get("Resources", []):
        for f in kinds.get(kind.lower(), {}).get("ARNFormats", []):
            formats.append(re.sub(r"\\\$\\\{[^}]*\\\}", "[^:]*", re.escape(f)).replace(r"\.\*", ".*"))
    return True, formats


def all_actions():
    for service, spec in catalogue().items():
        for name in spec["Actions"]:
            yield f"{service}:{name}"


def expand(pattern):
    """The catalogue's actions a policy's action pattern covers."""
    rx = re.compile("^" + re.escape(pattern.lower()).replace(r"\*", ".*").replace(r"\?", ".") + "$")
    return sorted(a for a in all_actions() if rx.match(a))
