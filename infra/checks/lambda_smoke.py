"""Runs the shipped arm64 `bootstrap` (under qemu-user) as Lambda runs it:
against a stand-in of the Lambda Runtime API, with the environment the
template gives it, DynamoDB and SES v2 from moto. Run it through
tests/support/with_services.py (make infra-smoke does).

It proves what the offline template checks cannot: the cross-compiled
binary starts, refuses the embedded defaults it leaves out (SQLite, SMTP)
with a message, refuses to start on Lambda without what production needs
(naming each missing variable), refuses a request that did not come through CloudFront (no
origin secret), answers an API Gateway v2 event that did (Host is the
execute-api name, Origin the site's, X-Origin-Verify the secret), refuses
another origin, stores the form and mails it through the SES API (read back
from moto) with its pickup link signed by a key read from Secrets Manager
(moto) on first use, routes it by the routing the site publishes (read
over HTTP from SITE_DATA, changed from the copy built in), runs the
scheduled sweep with its metrics, and takes SES's bounce of the
coordinator mail from an SNS event. Every
AWS call it makes passes a recording proxy on its way to moto, and each
must be one its contract lists for the function's role (`aws_calls`, which
infra/checks/rehearsal.py proves the role allows).

Usage: lambda_smoke.py BOOTSTRAP"""

import email
import email.policy
import json
import os
import queue
import re
import subprocess
import sys
import threading
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
import tempfile

import boto3

SITE = "https://d111111abcdef8.cloudfront.net"
API_HOST = "abc123.execute-api.eu-west-1.amazonaws.com"
QEMU = ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"]
ORIGIN_SECRET = str(uuid.uuid4())  # as the template's: the random part of the stack id


def api_event(origin, body, secret=ORIGIN_SECRET):
    """An HTTP API (payload 2.0) event as CloudFront -> API Gateway sends it."""
    headers = {"host": API_HOST, "origin": origin, "content-type": "application/json",
               "accept": "application/json", "cloudfront-viewer-address": "203.0.113.7:51234"}
    if secret:
        headers["x-origin-verify"] = secret
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": "/api/forms/contact", "rawQueryString": "",
        "headers": headers,
        "requestContext": {"accountId": "123456789012", "apiId": "abc123", "domainName": API_HOST,
                           "domainPrefix": "abc123", "requestId": str(uuid.uuid4()), "routeKey": "$default",
                           "stage": "$default", "time": "25/Nov/2026:12:00:00 +0000", "timeEpoch": 1795000000000,
                           "http": {"method": "POST", "path": "/api/forms/contact", "protocol": "HTTP/1.1",
                                    "sourceIp": "130.176.0.1", "userAgent": "Amazon CloudFront"}},
        "body": json.dumps(body), "isBase64Encoded": False,
    }


class RuntimeApi(BaseHTTPRequestHandler):
    """The three calls of the Lambda Runtime API the runtime client makes."""
    events: "queue.Queue" = queue.Queue()
    results: "queue.Queue" = queue.Queue()

    def do_GET(self):  # /2018-06-01/runtime/invocation/next
        request_id, event = self.events.get()
        body = json.dumps(event).encode()
        self.send_response(200)
        for name, value in {"Lambda-Runtime-Aws-Request-Id": request_id, "Lambda-Runtime-Deadline-Ms": "9999999999999",
                            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:eu-west-1:123456789012:function:forms",
                            "Content-Type": "application/json", "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # .../invocation/{id}/response or /error
        data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.results.put((self.path.rsplit("/", 1)[1], json.loads(data or b"null")))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class AwsProxy(BaseHTTPRequestHandler):
    """Passes each AWS call on to moto and notes its IAM action: the
    service from the signature's credential scope, the operation from
    X-Amz-Target or, for REST APIs, from botocore's model of the route."""
    upstream = ""
    calls: "list[str]" = []

    def do_GET(self):
        self.forward()

    def do_POST(self):
        self.forward()

    def do_PUT(self):
        self.forward()

    def do_DELETE(self):
        self.forward()

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.calls.append(action_of(self.command, self.path, self.headers))
        request = urllib.request.Request(self.upstream + self.path, data=body if body else None, method=self.command,
                                         headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        try:
            answer = urllib.request.urlopen(request, timeout=60)
        except urllib.error.HTTPError as e:
            answer = e
        data = answer.read()
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


# Services whose operations are REST routes, by signing name.
REST_MODELS = {"ses": "sesv2"}


def action_of(method, path, headers):
    service = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    service = service.group(1) if service else "unsigned"
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}:{target.rsplit('.', 1)[1]}"
    import botocore.session
    model = botocore.session.get_session().get_service_model(REST_MODELS.get(service, service))
    route = urllib.parse.urlsplit(path).path
    for name in model.operation_names:
        http = model.operation_model(name).http
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(http["requestUri"].split("?")[0]))
        if http["method"] == method and re.fullmatch(pattern, route):
            return f"{service}:{name}"
    return f"{service}:{method} {route}"


def contract_calls(bootstrap):
    """The calls the binary's contract gives the function's role."""
    out = subprocess.run(QEMU + [bootstrap, "contract"], check=True, capture_output=True, text=True).stdout
    return {c["action"].lower() for c in json.loads(out)["aws_calls"] if c["by"] == "lambda"}


def invoke(event):
    RuntimeApi.events.put((str(uuid.uuid4()), event))
    kind, payload = RuntimeApi.results.get(timeout=120)
    if kind != "response":
        sys.exit(f"the function failed: {payload}")
    return payload


FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "functions", "tests", "fixtures", "ses")


def bounce_event(message_id):
    """AWS's documented bounce example about this mail, in AWS's documented
    Lambda SNS event (functions/tests/fixtures/ses/README.md)."""
    with open(os.path.join(FIXTURES, "bounce.json")) as f:
        bounce = json.load(f)
    bounce["mail"]["commonHeaders"]["messageId"] = message_id
    with open(os.path.join(FIXTURES, "lambda-sns-event.json")) as f:
        event = json.load(f)
    event["Records"][0]["Sns"]["Message"] = json.dumps(bounce)
    return event


def ses_sent(form_id):
    """The raw messages moto's SES accepted that are about this form."""
    with urllib.request.urlopen(os.environ["FORMS_TEST_MOTO_URL"] + "/moto-api/data.json") as answer:
        data = json.load(answer)
    return [m for m in data.get("ses", {}).get("RawMessage", []) if form_id in m["raw_data"]]


def verify_domain(domain):
    """The stack's MailIdentity, in moto: SES sends only as a verified identity."""
    import boto3
    boto3.client("sesv2", endpoint_url=os.environ["FORMS_TEST_MOTO_URL"]).create_email_identity(EmailIdentity=domain)


ROOT = Path(__file__).resolve().parents[2]
# Where the published routing sends a contact form from Heemskerk.
PUBLISHED_COORDINATOR = "spreekuur.gepubliceerd@example.org"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def published_site(folder):
    """The site as published, with a coordinator's address an editor changed
    after the binary was built: served over HTTP as CloudFront serves it."""
    data = Path(folder) / "data"
    data.mkdir()
    routing = (ROOT / "site" / "data" / "directory.toml").read_text(encoding="utf-8")
    assert "spreekuur.ijmond@example.org" in routing
    (data / "directory.toml").write_text(routing.replace("spreekuur.ijmond@example.org", PUBLISHED_COORDINATOR), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    bootstrap = sys.argv[1]
    table = f"smoke-{uuid.uuid4().hex[:8]}"
    domain = f"smoke-{uuid.uuid4().hex[:8]}.example.org"
    verify_domain(domain)
    site_folder = tempfile.TemporaryDirectory(prefix="smoke-site-")
    site = published_site(site_folder.name)
    env = dict(os.environ,
               SITE_DATA=f"http://127.0.0.1:{site.server_port}",
               FORMS_STORE="dynamodb", FORMS_TABLE=table, FORMS_MAILER="ses", ORIGIN_SECRET=ORIGIN_SECRET,
               MAIL_FROM=f"Steun voor gezinnen <noreply@{domain}>", RETENTION_DAYS="365",
               RATE_LIMIT_PER_MINUTE="10", ALLOWED_ORIGINS=SITE, RUST_LOG="info",
               # Under qemu the first SES call and the key read can take longer
               # than the request's send budget; then the sweep sends the mail,
               # after a first retry pause of one second.
               SWEEP_INTERVAL_SECONDS="1")
    subprocess.run(QEMU + [bootstrap, "create-table"], env=env, check=True, stdout=subprocess.DEVNULL)
    # The Lambda build leaves SQLite and SMTP out, and says so at start-up.
    for name, value, extra in [("FORMS_STORE", "sqlite", {}), ("FORMS_MAILER", "smtp", {"SMTP_URL": "smtp://127.0.0.1:1"})]:
        run = subprocess.run(QEMU + [bootstrap, "sweep"], env=dict(env, **{name: value}, **extra),
                             capture_output=True, text=True, timeout=60)
        assert run.returncode != 0 and f"set {name}=" in run.stderr, \
            f"the Lambda build must refuse {name}={value} with a clear message: {run.returncode} {run.stderr[-500:]}"
    # On Lambda, the shipped build refuses to start without what production
    # needs, naming every missing variable in one message (here the two of
    # the pickup links, set below), before it asks the Runtime API for work.
    unready = {k: v for k, v in env.items() if k not in ("SITE_URL", "PICKUP_KEY_SECRET_ID")}
    run = subprocess.run(QEMU + [bootstrap], env=dict(unready, AWS_LAMBDA_RUNTIME_API="127.0.0.1:9"),
                         capture_output=True, text=True, timeout=60)
    named = re.findall(r"^\s+(\w+) is not set", run.stderr, re.MULTILINE)
    assert run.returncode != 0 and named == ["SITE_URL", "PICKUP_KEY_SECRET_ID"], \
        f"the Lambda must refuse to start without SITE_URL and PICKUP_KEY_SECRET_ID, naming both: {run.returncode} {run.stderr[-800:]}"
    # The pickup-link key as the stack makes it: a generated secret string.
    import boto3
    moto = os.environ["FORMS_TEST_MOTO_URL"]
    secret = boto3.client("secretsmanager", endpoint_url=moto).create_secret(
        Name=f"pickup-key-{table}", SecretString=uuid.uuid4().hex + uuid.uuid4().hex)
    env.update(PICKUP_KEY_SECRET_ID=secret["ARN"], AWS_ENDPOINT_URL_SECRETS_MANAGER=moto, SITE_URL=SITE)

    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    AwsProxy.upstream = moto
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), AwsProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxied = f"http://127.0.0.1:{proxy.server_port}"
    env.update(AWS_ENDPOINT_URL_DYNAMODB=proxied, AWS_ENDPOINT_URL_SESV2=proxied, AWS_ENDPOINT_URL_SECRETS_MANAGER=proxied)
    env.update(AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_port}", AWS_LAMBDA_FUNCTION_NAME="forms",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
               AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/forms", AWS_LAMBDA_LOG_STREAM_NAME="smoke")
    function = subprocess.Popen(QEMU + [bootstrap], env=env, stdout=subprocess.PIPE, text=True)
    try:
        form = {"name": "Sanne de Boer", "email": "sanne@example.org", "municipality": "heemskerk",
                "message": "Welke hulp is er?", "privacy_consent": "yes"}
        around = invoke(api_event(SITE, form, secret=None))
        assert around["statusCode"] == 403 and "not_through_cloudfront" in around["body"], \
            f"a request around CloudFront (no origin secret) must be refused: {around}"
        forged = invoke(api_event(SITE, form, secret="guessed"))
        assert forged["statusCode"] == 403, f"a wrong origin secret must be refused: {forged}"
        refused = invoke(api_event("https://elsewhere.example", form))
        assert refused["statusCode"] == 403, f"another site's post must be refused: {refused}"
        answer = invoke(api_event(SITE, form))
        assert answer["statusCode"] == 201, f"the site's own post must be taken: {answer}"
        form_id = json.loads(answer["body"])["id"]
        for name, value in {"content-security-policy": "default-src 'self'", "strict-transport-security": "max-age="}.items():
            assert value in answer["headers"].get(name, ""), f"{name} missing from {answer['headers']}"
        time.sleep(1.5)
        sweep = invoke({"forms_task": "sweep"})
        # SES reports a bounce of the coordinator mail through SNS, naming
        # it by the Message-ID header the function sent.
        sent = [email.message_from_string(m["raw_data"], policy=email.policy.default) for m in ses_sent(form_id)]
        (message_id,) = [m["Message-ID"] for m in sent if ".coordinator@" in m["Message-ID"]]
        bounced = invoke(bounce_event(message_id))
        assert bounced == [{"outcome": "handed_to_fallback", "record": form_id, "sent": True}], \
            f"a bounced coordinator mail must go to the fallback inbox at once: {bounced}"
    finally:
        function.kill()
        output = function.communicate(timeout=30)[0]
        server.shutdown()
        proxy.shutdown()
        site.shutdown()
        site_folder.cleanup()
    listed = contract_calls(bootstrap)
    made = sorted(set(AwsProxy.calls))
    unlisted = [c for c in made if c.lower() not in listed]
    assert not unlisted, f"the function made AWS calls its contract (aws_calls) does not list for its role: {unlisted}"
    assert {"dynamodb:PutItem", "ses:SendEmail", "secretsmanager:GetSecretValue"} <= set(made), \
        f"the recording proxy missed calls the post must make: {made}"
    mails = ses_sent(form_id)
    assert len(mails) == 3, \
        f"want the coordinator mail, the confirmation and, after the bounce, the mail to the fallback inbox for " \
        f"{form_id} through SES, got {len(mails)}: {output[-3000:]}"
    assert sum("info@example.org" in m["destinations"] for m in mails) == 1, [m["destinations"] for m in mails]
    assert all(f"noreply@{domain}" in m["source"] for m in mails), [m["source"] for m in mails]
    parsed = [email.message_from_string(m["raw_data"], policy=email.policy.default) for m in mails]
    (coordinator,) = [m for m in parsed if ".coordinator@" in m["Message-ID"]]
    assert coordinator["To"] == PUBLISHED_COORDINATOR, \
        f"the form must go where the published routing sends it, not the built-in copy: {coordinator['To']}"
    text = coordinator.get_body(("plain",)).get_content()
    assert f"Ik pak dit op: {SITE}/api/pickup/{form_id}?e=" in text, f"the coordinator mail has its signed pickup link: {text}"
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    metrics = [line for line in lines if "_aws" in line]
    assert any(m["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Forms" and "PendingMailOverOneHour" in m
               for m in metrics), f"the sweep wrote no Forms metric line: {output[-2000:]}"
    assert any("FormsPastEscalation" in m for m in metrics), f"the sweep wrote no FormsPastEscalation line: {output[-2000:]}"
    assert any("CoordinatorMailBounced" in m for m in metrics), f"the bounce wrote no CoordinatorMailBounced line: {output[-2000:]}"
    print(f"lambda smoke (arm64 under qemu): 403 without the origin secret and for a foreign origin, "
          f"201 and 2 mails through SES with the pickup link for {form_id}, routed by the published routing, "
          f"sweep {sweep}, a bounce of the coordinator mail (SNS) sent the form to the fallback inbox; "
          f"every AWS call it made is in its contract: {', '.join(made)}")


if __name__ == "__main__":
    main()
