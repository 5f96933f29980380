"""The CloudFront response-headers policies must send exactly the headers the
local server sends (functions/src/security.rs), so what is tested locally
is what ships: SecurityHeadersPolicy for the site and the API, and
EditorSecurityHeadersPolicy for the web editor at /admin/ (the same headers
with EDITOR_CONTENT_SECURITY_POLICY). Exits non-zero and shows the
difference otherwise."""

import re
import sys

import template

SECURITY_RS = template.REPO / "functions" / "src" / "security.rs"


def rust_headers():
    source = SECURITY_RS.read_text()
    # Rust string literals: a backslash at the end of a line drops the
    # newline and the next line's leading whitespace.
    literal = lambda s: re.sub(r"\\\n\s*", "", s)
    consts = {m[1]: literal(m[2]) for m in re.finditer(r'const (\w+): &str = "((?:[^"\\]|\\.)*)";', source, re.S)}
    named = {"CONTENT_SECURITY_POLICY": "content-security-policy",
             "STRICT_TRANSPORT_SECURITY": "strict-transport-security",
             "X_CONTENT_TYPE_OPTIONS": "x-content-type-options",
             "X_FRAME_OPTIONS": "x-frame-options",
             "REFERRER_POLICY": "referrer-policy"}
    headers = {}
    pair = r'\(\s*(?:header::(\w+)|HeaderName::from_static\("([^"]+)"\))\s*,\s*h\((?:"((?:[^"\\]|\\.)*)"|(\w+))\)\s*,?\s*\)'
    for m in re.finditer(pair, source, re.S):
        name = named[m[1]] if m[1] else m[2].lower()
        headers[name] = literal(m[3]) if m[3] is not None else consts[m[4]]
    if len(headers) < 5 or "EDITOR_CONTENT_SECURITY_POLICY" not in consts:
        raise SystemExit(f"could not read the headers from {SECURITY_RS}; has its shape changed?")
    editor = {**headers, "content-security-policy": consts["EDITOR_CONTENT_SECURITY_POLICY"]}
    return {"SecurityHeadersPolicy": headers, "EditorSecurityHeadersPolicy": editor}


def cloudfront_headers(policy):
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config.get("SecurityHeadersConfig", {})
    headers = {}
    if "ContentSecurityPolicy" in security:
        headers["content-security-policy"] = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        headers["strict-transport-security"] = value
    if "ContentTypeOptions" in security:
        headers["x-content-type-options"] = "nosniff"
    if "FrameOptions" in security:
        headers["x-frame-options"] = security["FrameOptions"]["FrameOption"]
    if "ReferrerPolicy" in security:
        headers["referrer-policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers[item["Header"].lower()] = item["Value"]
    not_overriding = [k for k, v in security.items() if isinstance(v, dict) and v.get("Override") is not True]
    if not_overriding:
        raise SystemExit(f"set Override: true on {not_overriding}, or the origin's value could win")
    return headers


def main():
    expected = rust_headers()
    policies = template.resources_of_type(template.load(), "AWS::CloudFront::ResponseHeadersPolicy")
    if set(policies) != set(expected):
        raise SystemExit(f"expected the response-headers policies {sorted(expected)} in template.yaml, found {sorted(policies)}")
    problems = []
    for policy, local in expected.items():
        edge = cloudfront_headers(policies[policy])
        for name in sorted(set(local) | set(edge)):
            if local.get(name) != edge.get(name):
                problems.append(f"  {policy} {name}:\n    security.rs:   {local.get(name)!r}\n    template.yaml: {edge.get(name)!r}")
    if problems:
        print("Security headers differ between functions/src/security.rs and infra/template.yaml:")
        print("\n".join(problems))
        sys.exit(1)
    print(f"security headers: CloudFront's {len(expected)} policies send the same headers as security.rs")


if __name__ == "__main__":
    main()
