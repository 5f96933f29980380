"""The template against the contracts the Rust code relies on
(docs/architecture.md): the table and its index as `forms create-table`
makes them, the environment the function reads, the sweep event, the
metric the alarm watches and the header the rate limiter reads."""

import json
import re
import sys

import template

SRC = template.REPO / "functions" / "src"
RUST_KEY_TYPES = {"Hash": "HASH", "Range": "RANGE"}


def rust_table():
    """The table `TableSpec::create_if_missing` creates, read from its source."""
    code = (SRC / "store" / "dynamodb.rs").read_text()
    index_name = re.search(r'const PENDING_INDEX: &str = "([^"]+)"', code)[1]
    spec = code[code.index("impl TableSpec"):]
    index_part, table_part = spec.split(".build()\n", 1)
    keys = lambda part: [(n, RUST_KEY_TYPES[t]) for n, t in re.findall(r'key\("(\w+)", KeyType::(\w+)\)', part)]
    return {
        "attributes": sorted(re.findall(r's\("(\w+)", ScalarAttributeType::(\w)\)', table_part)),
        "key": keys(table_part),
        "index": (index_name, keys(index_part), re.search(r"ProjectionType::(\w+)", index_part)[1].upper()),
        "ttl": re.search(r'TimeToLiveSpecification::builder\(\)\.attribute_name\("(\w+)"\)', spec)[1],
    }


def template_table(t):
    table = template.only_resource(t, "AWS::DynamoDB::Table")["Properties"]
    (index,) = table["GlobalSecondaryIndexes"]
    keys = lambda schema: [(k["AttributeName"], k["KeyType"]) for k in schema]
    return {
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]),
        "key": keys(table["KeySchema"]),
        "index": (index["IndexName"], keys(index["KeySchema"]), index["Projection"]["ProjectionType"]),
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
    t = template.load()
    problems = []
    want, got = rust_table(), template_table(t)
    for part in want:
        check(problems, want[part] == got[part], f"table {part}: Rust creates {want[part]}, template has {got[part]}")

    function = t["Resources"]["FormsFunction"]["Properties"]
    env = function["Environment"]["Variables"]
    config = (SRC / "config.rs").read_text()
    read_by_rust = set(re.findall(r'get(?:\(|, )"([A-Z_]+)"', config)) | {"RUST_LOG"}
    unknown = sorted(set(env) - read_by_rust)
    check(problems, not unknown, f"the function sets variables the code never reads: {unknown}")
    for name, value in {"FORMS_STORE": "dynamodb", "FORMS_MAILER": "smtp"}.items():
        check(problems, env.get(name) == value, f"{name} must be {value!r} on AWS, is {env.get(name)!r}")
    for name in ["FORMS_TABLE", "SMTP_URL", "SMTP_SECRET_ID", "MAIL_FROM", "ALLOWED_ORIGINS"]:
        check(problems, name in env, f"{name} is not set for the function")
    check(problems, function["Architectures"] == ["arm64"] and function["Runtime"] == "provided.al2023",
          "the function must be provided.al2023 on arm64 (what make lambda-zip builds)")

    schedules = [e["Properties"] for e in function["Events"].values() if e["Type"] == "ScheduleV2"]
    check(problems, len(schedules) == 1 and json.loads(schedules[0]["Input"]) == {"forms_task": "sweep"},
          'one ScheduleV2 event with Input {"forms_task": "sweep"} (functions/src/lambda.rs)')
    check(problems, '"forms_task"' not in (SRC / "lambda.rs").read_text() or "forms_task" in (SRC / "lambda.rs").read_text(), "")

    dispatch = (SRC / "dispatch.rs").read_text()
    alarms = template.resources_of_type(t, "AWS::CloudWatch::Alarm").values()
    emitted = [a["Properties"] for a in alarms if a["Properties"]["Namespace"] == "Forms"]
    check(problems, any(a["MetricName"] == "PendingMailOverOneHour" for a in emitted), "no alarm on Forms/PendingMailOverOneHour")
    for a in emitted:
        check(problems, f'"Namespace": "{a["Namespace"]}"' in dispatch and f'"Name": "{a["MetricName"]}"' in dispatch,
              f"alarm watches {a['Namespace']}/{a['MetricName']}, which dispatch.rs does not emit")
        check(problems, '"Dimensions": [[]]' in dispatch and "Dimensions" not in a,
              "the EMF metric has no dimensions, so the alarm must have none")

    policy = t["Resources"]["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    forwarded = {h.lower() for h in policy["HeadersConfig"]["Headers"]}
    check(problems, "cloudfront-viewer-address" in forwarded and "cloudfront-viewer-address" in (SRC / "lambda.rs").read_text(),
          "the API origin must get CloudFront-Viewer-Address, which the rate limiter reads")
    check(problems, "origin" in forwarded, "the API origin must get Origin: the function refuses cross-site posts")
    check(problems, "host" not in forwarded, "do not forward Host: API Gateway routes on its own host name")

    check_cms_auth(t, problems)

    if problems:
        sys.exit("template contracts:\n  " + "\n  ".join(problems))
    print("contracts: table, index, TTL, environment, sweep event, metric alarm and viewer header match the code")


if __name__ == "__main__":
    main()
