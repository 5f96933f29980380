"""The template against what the function binary says it expects: the table
and its indexes as `forms create-table` makes them, the environment it reads,
the sweep event, the metrics the alarms watch, the origin secret header and
the viewer header, and the time budgets (Lambda and API Gateway timeouts).

The editor's server is checked the same way (`cms-auth contract`).
No Rust source is read: each binary prints its own contract.

Usage: contracts.py FORMS_BIN CMS_AUTH_BIN"""

import json
import subprocess
import sys
from pathlib import Path

import template


def contract(binary):
    out = subprocess.run([binary, "contract"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def template_table(t):
    table = t["Resources"]["SubmissionsTable"]["Properties"]
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


def check_cms_auth(t, cms, problems):
    """The editor's server (cms-auth/) against `cms-auth contract`: the
    variables it reads and their values on AWS, its routes, its time
    budgets, the origin secret, and CloudFront passing what it reads."""
    resources = t["Resources"]
    function = resources["CmsAuthFunction"]["Properties"]
    env = function["Environment"]["Variables"]
    read = set(cms["environment"]["read"])
    check(problems, set(env) <= read, f"cms-auth gets variables it never reads: {sorted(set(env) - read)}")
    for name in cms["environment"]["required_on_aws"]:
        check(problems, name in env, f"{name} is not set for cms-auth")
    for name, value in cms["environment"]["on_aws"].items():
        check(problems, env.get(name) == value, f"cms-auth needs {name}={value!r} on AWS, has {env.get(name)!r}")
    forms_env = resources["FormsFunction"]["Properties"]["Environment"]["Variables"]
    check(problems, env.get("ORIGIN_SECRET") == forms_env.get("ORIGIN_SECRET"),
          "cms-auth's ORIGIN_SECRET must be the value CloudFront sends to the api origin (as the form function's)")
    budgets = cms["budgets_ms"]
    check(problems, function["Timeout"] * 1000 == budgets["lambda_timeout"],
          f"cms-auth Timeout {function['Timeout']} s, the binary expects {budgets['lambda_timeout']} ms")
    integration = resources["CmsAuthApiIntegration"]["Properties"]
    check(problems, integration["TimeoutInMillis"] == budgets["api_gateway_timeout"],
          f"cms-auth integration TimeoutInMillis {integration['TimeoutInMillis']}, the binary expects {budgets['api_gateway_timeout']}")
    prefix = cms["route_prefix"]
    methods = {r["method"] for r in cms["routes"]}
    check(problems, resources["CmsAuthApiRoute"]["Properties"]["RouteKey"] == f"ANY {prefix}{{proxy+}}"
          and all(r["path"].startswith(prefix) for r in cms["routes"]),
          f"the API route must be ANY {prefix}{{proxy+}} and hold every cms-auth route: {cms['routes']}")
    behaviours = resources["SiteDistribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
    patterns = [b["PathPattern"] for b in behaviours]
    own = f"{prefix}*"
    check(problems, own in patterns and patterns.index(own) < patterns.index("/api/*"),
          f"CloudFront needs a {own} behaviour listed before /api/*")
    if own in patterns:
        behaviour = behaviours[patterns.index(own)]
        check(problems, methods <= set(behaviour["AllowedMethods"]),
              f"the {own} behaviour must allow {sorted(methods)}")
        check(problems, behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
              f"the {own} behaviour must use Managed-CachingDisabled: sessions and links are never cached")
    config = resources["CmsAuthOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    check(problems, config["CookiesConfig"].get("Cookies") == [cms["cookie"]],
          f"the {own} origin request policy must forward exactly the cookie {cms['cookie']!r}")
    check(problems, config["QueryStringsConfig"]["QueryStringBehavior"] == "all",
          "the editor's server reads the link and the commit from the query string")
    headers = {h.lower() for h in config["HeadersConfig"].get("Headers", [])}
    needed = {"origin", "sec-fetch-site", "cloudfront-viewer-address", *cms["webhook_headers"]}
    check(problems, needed <= headers, f"the {own} origin request policy must forward {sorted(needed - headers)}")
    check(problems, "host" not in headers, "do not forward Host: API Gateway routes on its own host name")
    table = resources["CmsTable"]["Properties"]
    check(problems, [k["AttributeName"] for k in table["KeySchema"]] == [cms["table"]["key"]],
          f"CmsTable's key must be {cms['table']['key']!r} (cms-auth/src/store)")
    check(problems, table["TimeToLiveSpecification"] == {"AttributeName": cms["table"]["ttl"], "Enabled": True},
          f"CmsTable must expire items on {cms['table']['ttl']!r}")


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
        check(env.get(name) not in (None, ""), f"{name} is not set for the function: the Lambda refuses to start without it")
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

    for name in metrics["alarmed"]:
        check(any(a["MetricName"] == name for a in watched), f"the function writes {metrics['namespace']}/{name}, no alarm watches it")

    # SES's bounce and complaint reports: the identity's configuration set
    # publishes them to a topic that the function is subscribed to.
    feedback = c["lambda"]["ses_feedback"]
    subscribed = [e["Properties"]["Topic"] for e in function["Events"].values() if e["Type"] == "SNS"]
    identity = template.only_resource(t, "AWS::SES::EmailIdentity")["Properties"]
    config_set = identity.get("ConfigurationSetAttributes", {}).get("ConfigurationSetName")
    destinations = [d["Properties"] for d in template.resources_of_type(t, "AWS::SES::ConfigurationSetEventDestination").values()]
    feeding = [d for d in destinations if d["ConfigurationSetName"] == config_set
               and d["EventDestination"].get("Enabled") and "SnsDestination" in d["EventDestination"]]
    check(any(sorted(d["EventDestination"]["MatchingEventTypes"]) == sorted(feedback["event_types"])
              and d["EventDestination"]["SnsDestination"]["TopicARN"] in subscribed for d in feeding),
          f"the mail identity's configuration set must publish {feedback['event_types']} to an SNS topic the function "
          f"is subscribed to (an SNS event of FormsFunction); it takes them ({feedback['event_source']})")

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

    # What the function reads from the published site (SITE_DATA): the
    # distribution's own address, and every key in what `make site` builds.
    site_data = c["site_data"]
    value = env.get(site_data["variable"])
    check(isinstance(value, dict) and str(value.get("Fn::Sub", "")).startswith("https://${SiteDistribution.DomainName}"),
          f"{site_data['variable']} must be the distribution's address, https://${{SiteDistribution.DomainName}}: {value!r}")
    built = Path(__file__).resolve().parents[2] / "site" / "public"
    missing = [key for key in site_data["keys"] if not (built / key).is_file()]
    check(not missing, f"the function reads these from the published site, but `make site` does not build them: {missing}")

    check_cms_auth(t, contract(sys.argv[2]), problems)

    if problems:
        sys.exit("template contracts:\n  " + "\n  ".join(problems))
    print("contracts (from `forms contract` and `cms-auth contract`): table, indexes, TTL, environment, timeouts, "
          "sweep event, metric alarms, SES bounce and complaint events to the function, origin secret header, viewer "
          "header, the uncached /api/*, the site data it reads, and the editor's server's variables, routes, budgets, "
          "origin secret, cookie and headers match the template")


if __name__ == "__main__":
    main()
