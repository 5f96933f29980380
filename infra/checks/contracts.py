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
    names = dict(re.findall(r'const (\w+_INDEX): &str = "([^"]+)"', code))
    spec = code[code.index("impl TableSpec"):]
    keys = lambda part: [(n, RUST_KEY_TYPES[t]) for n, t in re.findall(r'key\("(\w+)", KeyType::(\w+)\)', part)]
    blocks = re.findall(r"GlobalSecondaryIndex::builder\(\)\s*\.index_name\((\w+)\)(.*?)\.build\(\)", spec, re.S)
    table_part = spec[spec.index("create_table()"):]
    return {
        "attributes": sorted(re.findall(r's\("(\w+)", ScalarAttributeType::(\w)\)', table_part)),
        "key": keys(table_part),
        "indexes": sorted((names[c], keys(body), re.search(r"ProjectionType::(\w+)", body)[1].upper()) for c, body in blocks),
        "ttl": re.search(r'TimeToLiveSpecification::builder\(\)\.attribute_name\("(\w+)"\)', spec)[1],
    }


def template_table(t):
    table = template.only_resource(t, "AWS::DynamoDB::Table")["Properties"]
    keys = lambda schema: [(k["AttributeName"], k["KeyType"]) for k in schema]
    return {
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]),
        "key": keys(table["KeySchema"]),
        "indexes": sorted((i["IndexName"], keys(i["KeySchema"]), i["Projection"]["ProjectionType"])
                          for i in table["GlobalSecondaryIndexes"]),
        "ttl": table["TimeToLiveSpecification"]["AttributeName"] if table["TimeToLiveSpecification"]["Enabled"] else None,
    }


def check(problems, ok, message):
    if not ok:
        problems.append(message)


def main():
    t = template.load()
    problems = []
    want, got = rust_table(), template_table(t)
    for part in want:
        check(problems, want[part] == got[part], f"table {part}: Rust creates {want[part]}, template has {got[part]}")

    function = template.only_resource(t, "AWS::Serverless::Function")["Properties"]
    env = function["Environment"]["Variables"]
    config = (SRC / "config.rs").read_text()
    read_by_rust = set(re.findall(r'get(?:\(|, )"([A-Z_]+)"', config)) | {"RUST_LOG"}
    unknown = sorted(set(env) - read_by_rust)
    check(problems, not unknown, f"the function sets variables the code never reads: {unknown}")
    for name, value in {"FORMS_STORE": "dynamodb", "FORMS_MAILER": "smtp"}.items():
        check(problems, env.get(name) == value, f"{name} must be {value!r} on AWS, is {env.get(name)!r}")
    for name in ["FORMS_TABLE", "SMTP_URL", "SMTP_SECRET_ID", "MAIL_FROM", "ALLOWED_ORIGINS", "SITE_URL", "PICKUP_KEY_SECRET_ID"]:
        check(problems, name in env, f"{name} is not set for the function")
    check(problems, function["Architectures"] == ["arm64"] and function["Runtime"] == "provided.al2023",
          "the function must be provided.al2023 on arm64 (what make lambda-zip builds)")

    schedules = [e["Properties"] for e in function["Events"].values() if e["Type"] == "ScheduleV2"]
    check(problems, len(schedules) == 1 and json.loads(schedules[0]["Input"]) == {"forms_task": "sweep"},
          'one ScheduleV2 event with Input {"forms_task": "sweep"} (functions/src/lambda.rs)')
    check(problems, '"forms_task"' not in (SRC / "lambda.rs").read_text() or "forms_task" in (SRC / "lambda.rs").read_text(), "")

    # Metric names live in metrics.rs, and the pickup loop's in its own module.
    metrics = (SRC / "metrics.rs").read_text() + (SRC / "pickup" / "follow_up.rs").read_text()
    alarms = template.resources_of_type(t, "AWS::CloudWatch::Alarm").values()
    emitted = [a["Properties"] for a in alarms if a["Properties"]["Namespace"] == "Forms"]
    check(problems, any(a["MetricName"] == "PendingMailOverOneHour" for a in emitted), "no alarm on Forms/PendingMailOverOneHour")
    check(problems, any(a["MetricName"] == "FormsPastEscalation" for a in emitted), "no alarm on Forms/FormsPastEscalation")
    for a in emitted:
        check(problems, f'"Namespace": "{a["Namespace"]}"' in metrics and f'"{a["MetricName"]}"' in metrics,
              f"alarm watches {a['Namespace']}/{a['MetricName']}, which metrics.rs (or pickup/follow_up.rs) does not emit")
        check(problems, '"Dimensions": [[]]' in metrics and "Dimensions" not in a,
              "the EMF metric has no dimensions, so the alarm must have none")

    policy = template.only_resource(t, "AWS::CloudFront::OriginRequestPolicy")["Properties"]["OriginRequestPolicyConfig"]
    forwarded = {h.lower() for h in policy["HeadersConfig"]["Headers"]}
    check(problems, "cloudfront-viewer-address" in forwarded and "cloudfront-viewer-address" in (SRC / "lambda.rs").read_text(),
          "the API origin must get CloudFront-Viewer-Address, which the rate limiter reads")
    check(problems, "origin" in forwarded, "the API origin must get Origin: the function refuses cross-site posts")
    check(problems, "host" not in forwarded, "do not forward Host: API Gateway routes on its own host name")

    # Pickup links are GET (the page) then POST (the button) on /api/pickup/,
    # with the signature in the query string: never cached, query passed on.
    behaviours = template.only_resource(t, "AWS::CloudFront::Distribution")["Properties"]["DistributionConfig"]["CacheBehaviors"]
    api = [b for b in behaviours if b["PathPattern"] == "/api/*"]
    check(problems, len(api) == 1 and {"GET", "POST"} <= set(api[0]["AllowedMethods"]),
          "/api/* must pass GET and POST to the API (pickup pages and their button)")
    check(problems, len(api) == 1 and api[0]["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
          "/api/* must use Managed-CachingDisabled: a pickup page is never served from a cache")
    check(problems, policy["QueryStringsConfig"]["QueryStringBehavior"] == "all",
          "the API origin must get the query string: the pickup link's signature is in it")

    if problems:
        sys.exit("template contracts:\n  " + "\n  ".join(problems))
    print("contracts: table, indexes, TTL, environment, sweep event, metric alarms, viewer header and the uncached /api/* match the code")


if __name__ == "__main__":
    main()
