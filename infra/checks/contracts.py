"""The template against what the function binary says it expects: the table
and its indexes as `forms create-table` makes them, the environment it reads,
the sweep event, the metrics the alarms watch, the origin secret header and
the viewer header, and the time budgets (Lambda and API Gateway timeouts).

No Rust source is read: the binary prints its contract (`forms contract`).

Usage: contracts.py FORMS_BIN"""

import json
import re
import subprocess
import sys

import template


def contract(forms_bin):
    out = subprocess.run([forms_bin, "contract"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def template_table(t):
    table = template.only_resource(t, "AWS::DynamoDB::Table")["Properties"]
    keys = lambda schema: [[k["AttributeName"], k["KeyType"]] for k in schema]
    return {
        "attributes": sorted([a["AttributeName"], a["AttributeType"]] for a in table["AttributeDefinitions"]),
        "key": keys(table["KeySchema"]),
        "indexes": sorted(
            ({"name": i["IndexName"], "key": keys(i["KeySchema"]), "projection": i["Projection"]["ProjectionType"]}
             for i in table["GlobalSecondaryIndexes"]),
            key=lambda i: i["name"]),
        "ttl": table["TimeToLiveSpecification"]["AttributeName"] if table["TimeToLiveSpecification"]["Enabled"] else None,
    }


def check(problems, ok, message):
    if not ok:
        problems.append(message)


def check_cms_auth(t, problems):
    """The editor's sign-in function (cms-auth/) against its code: the
    variables it reads, the route, and CloudFront passing its cookie."""
    src = template.REPO / "cms-auth" / "src"
    resources = t["Resources"]
    function = resources["CmsAuthFunction"]["Properties"]
    env = function["Environment"]["Variables"]
    read = set(re.findall(r'get\("([A-Z_]+)"\)', (src / "config.rs").read_text())) | {"RUST_LOG"}
    check(problems, set(env) <= read, f"cms-auth gets variables its code never reads: {sorted(set(env) - read)}")
    for name in ["SITE_URL", "CMS_OAUTH_SECRET_ID"]:
        check(problems, name in env, f"{name} is not set for cms-auth")
    routes = src.joinpath("routes.rs").read_text() + src.joinpath("handshake.rs").read_text()
    check(problems, resources["CmsAuthApiRoute"]["Properties"]["RouteKey"] == "GET /api/cms/{proxy+}"
          and '"/api/cms/' in routes, "the API route GET /api/cms/{proxy+} must match cms-auth's routes")
    behaviours = resources["SiteDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
    patterns = [b["PathPattern"] for b in behaviours]
    check(problems, "/api/cms/*" in patterns and patterns.index("/api/cms/*") < patterns.index("/api/*"),
          "CloudFront needs a /api/cms/* behaviour listed before /api/*")
    cookie = re.search(r'pub const COOKIE: &str = "([^"]+)"', (src / "state.rs").read_text())[1]
    config = resources["CmsAuthOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    check(problems, config["CookiesConfig"].get("Cookies") == [cookie],
          f"the /api/cms/* origin request policy must forward exactly the cookie {cookie!r} (state.rs)")
    check(problems, config["QueryStringsConfig"]["QueryStringBehavior"] == "all",
          "the sign-in reads code, state and scope from the query string")


def main():
    c = contract(sys.argv[1])
    t = template.load()
    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)

    want = dict(c["table"], attributes=sorted(c["table"]["attributes"]),
                indexes=sorted(c["table"]["indexes"], key=lambda i: i["name"]))
    got = template_table(t)
    for part in want:
        check(want[part] == got[part], f"table {part}: the function creates {want[part]}, the template has {got[part]}")

    function = t["Resources"]["FormsFunction"]["Properties"]
    env = function["Environment"]["Variables"]
    unknown = sorted(set(env) - set(c["environment"]["read"]))
    check(not unknown, f"the function sets variables the binary never reads: {unknown}")
    for name, value in c["environment"]["on_aws"].items():
        check(env.get(name) == value, f"{name} must be {value!r} on AWS, is {env.get(name)!r}")
    for name in c["environment"]["required_on_lambda"]:
        check(name in env, f"{name} is not set for the function")
    check(function["Architectures"] == ["arm64"] and function["Runtime"] == "provided.al2023",
          "the function must be provided.al2023 on arm64 (what make lambda-zip builds)")

    budgets = c["budgets_ms"]
    check(function["Timeout"] * 1000 == budgets["lambda_timeout"],
          f"function Timeout {function['Timeout']} s, the binary's budgets expect {budgets['lambda_timeout']} ms")
    integration = t["Resources"]["FormsApiIntegration"]["Properties"]
    check(integration["TimeoutInMillis"] == budgets["api_gateway_timeout"],
          f"API Gateway TimeoutInMillis {integration['TimeoutInMillis']}, the binary expects {budgets['api_gateway_timeout']}")

    schedules = [e["Properties"] for e in function["Events"].values() if e["Type"] == "ScheduleV2"]
    check(len(schedules) == 1 and json.loads(schedules[0]["Input"]) == c["lambda"]["sweep_event"],
          f"one ScheduleV2 event with Input {json.dumps(c['lambda']['sweep_event'])}")

    metrics = c["metrics"]
    alarms = template.resources_of_type(t, "AWS::CloudWatch::Alarm").values()
    watched = [a["Properties"] for a in alarms if a["Properties"]["Namespace"] == metrics["namespace"]]
    check(any(a["MetricName"] == "PendingMailOverOneHour" for a in watched), "no alarm on Forms/PendingMailOverOneHour")
    for a in watched:
        check(a["MetricName"] in metrics["names"],
              f"alarm watches {a['Namespace']}/{a['MetricName']}, which the function does not write ({metrics['names']})")
        check(a.get("Dimensions", []) == metrics["dimensions"], f"the metrics have no dimensions; alarm on {a['MetricName']} has some")

    distribution = template.only_resource(t, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]
    (api_origin,) = [o for o in distribution["Origins"] if "CustomOriginConfig" in o]
    sent = {h["HeaderName"].lower(): h["HeaderValue"] for h in api_origin.get("OriginCustomHeaders", [])}
    header = c["lambda"]["origin_verify_header"]
    check(header in sent, f"CloudFront must send {header} to the API origin (the function refuses requests without it)")
    check(sent.get(header) == env.get("ORIGIN_SECRET"),
          f"CloudFront's {header} value and the function's ORIGIN_SECRET must be the same expression")

    policy = t["Resources"]["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    forwarded = {h.lower() for h in policy["HeadersConfig"]["Headers"]}
    check(c["lambda"]["viewer_address_header"] in forwarded,
          "the API origin must get CloudFront-Viewer-Address, which the rate limiter reads")
    check("origin" in forwarded, "the API origin must get Origin: the function refuses cross-site posts")
    check("host" not in forwarded, "do not forward Host: API Gateway routes on its own host name")

    # Pickup links are GET (the page) then POST (the button) on /api/pickup/,
    # with the signature in the query string: never cached, query passed on.
    api = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    check(len(api) == 1 and {"GET", "POST"} <= set(api[0]["AllowedMethods"]),
          "/api/* must pass GET and POST to the API (pickup pages and their button)")
    check(len(api) == 1 and api[0]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
          "/api/* must use Managed-CachingDisabled: a pickup page is never served from a cache")
    check(policy["QueryStringsConfig"]["QueryStringBehavior"] == "all",
          "the API origin must get the query string: the pickup link's signature is in it")

    check_cms_auth(t, problems)

    if problems:
        sys.exit("template contracts:\n  " + "\n  ".join(problems))
    print("contracts (from `forms contract`): table, indexes, TTL, environment, timeouts, sweep event, metric alarms, "
          "origin secret header, viewer header and the uncached /api/* match the template")


if __name__ == "__main__":
    main()
