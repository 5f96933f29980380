#!/usr/bin/env python3
"""A local stand-in for the part of GitHub's REST API the editor's server
uses, with a real git repository behind it (bare, `git log` works on it).

    tests/support/github_standin.py --port PORT --repo-dir DIR \
        --repository owner/name --app-id ID --app-key APP.pem \
        [--seed FOLDER] [--branch main] [--webhook-url URL --webhook-secret S] \
        [--publish-command CMD --checkout DIR]

What it answers, as GitHub does (status codes, JSON shapes):
  GET   /repos/{o}/{r}/installation                  App JWT (RS256, checked with the App's public key)
  POST  /app/installations/{id}/access_tokens        App JWT -> an installation token (one hour)
  GET   /repos/{o}/{r}/git/ref/heads/{branch}         installation token, as all below
  GET   /repos/{o}/{r}/git/commits/{sha}
  GET   /repos/{o}/{r}/git/trees/{sha}?recursive=1
  GET   /repos/{o}/{r}/git/blobs/{sha}
  POST  /repos/{o}/{r}/git/blobs | git/trees | git/commits
  PATCH /repos/{o}/{r}/git/refs/heads/{branch}        fast-forward only (422 otherwise)
  GET   /repos/{o}/{r}/actions/workflows/{file}/runs?head_sha=&branch=

After every update of the branch it plays the publish workflow: runs
--publish-command (a shell command) on a checkout of that commit in
--checkout (env PUBLISH_CHECKOUT, PUBLISH_SHA; --publish-at-start does
it once for the branch as it is), keeps the run's status and
conclusion for the runs API, and sends the App's `workflow_run` webhook
(X-Hub-Signature-256) to --webhook-url when it completes.

For tests: GET /_standin/requests (every request so far, in order),
GET /_standin/runs, GET /_standin/tokens (the tokens it handed out), GET /_standin/runs/{id}/log,
POST /_standin/fail-next-run (the next publish fails without running).
--seed FOLDER makes the first commit from the files of FOLDER (as
`git add -A` there would, .gitignore respected) when the repository is new.
Prints "ready PORT" when it listens."""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import queue
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

INSTALLATION_ID = 4242
WORKFLOW_PATH = ".github/workflows/publish.yml"


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Git:
    def __init__(self, git_dir):
        self.dir = git_dir

    def run(self, *args, input=None, env=None, check=True):
        full_env = dict(os.environ, GIT_DIR=self.dir, **(env or {}))
        done = subprocess.run(["git", *args], input=input, capture_output=True, env=full_env)
        if check and done.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
        return done

    def out(self, *args, **kw):
        return self.run(*args, **kw).stdout.decode().strip()


class StandIn:
    def __init__(self, args):
        self.args = args
        self.owner, self.name = args.repository.split("/")
        self.git = Git(os.path.abspath(args.repo_dir))
        self.public_key = serialization.load_pem_private_key(open(args.app_key, "rb").read(), password=None).public_key()
        self.tokens = {}  # token -> expires (unix)
        self.requests = []
        self.runs = []
        self.lock = threading.Lock()  # one ref update at a time
        self.fail_next = False
        self.work = queue.Queue()
        self.log_dir = tempfile.mkdtemp(prefix="github-standin-runs-")
        self.init_repository()
        threading.Thread(target=self.publisher, daemon=True).start()

    # ---- the repository

    def init_repository(self):
        if not os.path.isdir(self.git.dir):
            os.makedirs(self.git.dir)
            subprocess.run(["git", "init", "-q", "--bare", "-b", self.args.branch, self.git.dir], check=True)
        if self.git.run("rev-parse", "--verify", "-q", f"refs/heads/{self.args.branch}", check=False).returncode == 0:
            return
        if not self.args.seed:
            raise SystemExit("github_standin: the repository is empty; give --seed FOLDER")
        with tempfile.TemporaryDirectory() as tmp:
            env = {"GIT_INDEX_FILE": os.path.join(tmp, "index"), "GIT_WORK_TREE": os.path.abspath(self.args.seed)}
            self.git.run("add", "-A", ".", env=env)
            tree = self.git.out("write-tree", env=env)
        who = {"GIT_AUTHOR_NAME": "make edit", "GIT_AUTHOR_EMAIL": "edit@localhost",
               "GIT_COMMITTER_NAME": "make edit", "GIT_COMMITTER_EMAIL": "edit@localhost"}
        commit = self.git.out("commit-tree", tree, "-m", "Begin: de bestanden van de checkout", env=who)
        self.git.run("update-ref", f"refs/heads/{self.args.branch}", commit)

    def commit_json(self, sha):
        raw = self.git.out("cat-file", "commit", sha)
        head, _, message = raw.partition("\n\n")
        fields = {"parents": []}
        for line in head.splitlines():
            key, _, value = line.partition(" ")
            if key == "tree":
                fields["tree"] = value
            elif key == "parent":
                fields["parents"].append(value)
            elif key in ("author", "committer"):
                m = re.match(r"(.*) <(.*)> (\d+) ", value)
                fields[key] = {"name": m[1], "email": m[2], "date": iso(int(m[3]))}
        return {"sha": sha, "tree": {"sha": fields["tree"]}, "parents": [{"sha": p} for p in fields["parents"]],
                "message": message.rstrip("\n"), "author": fields["author"], "committer": fields["committer"]}

    # ---- the publish workflow

    def queue_run(self, sha):
        commit = self.commit_json(sha)
        run = {"id": len(self.runs) + 1, "name": "Publish", "path": WORKFLOW_PATH, "head_sha": sha,
               "head_branch": self.args.branch, "event": "push", "status": "queued", "conclusion": None,
               "created_at": iso(time.time()), "html_url": "",
               "head_commit": {"id": sha, "message": commit["message"], "author": commit["author"]}}
        run["html_url"] = f"http://127.0.0.1:{self.args.port}/_standin/runs/{run['id']}/log"
        self.runs.append(run)
        self.work.put(run)

    def publisher(self):
        while True:
            run = self.work.get()
            run["status"] = "in_progress"
            log_path = os.path.join(self.log_dir, f"{run['id']}.log")
            with open(log_path, "wb") as log:
                if self.fail_next:
                    self.fail_next = False
                    log.write(b"Stopped on purpose (POST /_standin/fail-next-run).\n")
                    ok = False
                elif self.args.publish_command:
                    ok = self.publish(run["head_sha"], log)
                else:
                    ok = True
            run["status"], run["conclusion"] = "completed", "success" if ok else "failure"
            self.send_webhook(run)

    def publish(self, sha, log):
        checkout = os.path.abspath(self.args.checkout)
        os.makedirs(checkout, exist_ok=True)
        env = {"GIT_INDEX_FILE": checkout.rstrip("/") + ".index", "GIT_WORK_TREE": checkout}
        done = self.git.run("read-tree", "-u", "--reset", sha, env=env, check=False)
        log.write(done.stdout + done.stderr)
        if done.returncode != 0:
            return False
        env = dict(os.environ, PUBLISH_CHECKOUT=checkout, PUBLISH_SHA=sha)
        log.write(f"$ {self.args.publish_command}\n".encode())
        log.flush()
        done = subprocess.run(self.args.publish_command, shell=True, stdout=log, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=env, executable="/bin/bash")
        return done.returncode == 0

    def send_webhook(self, run):
        if not self.args.webhook_url:
            return
        body = json.dumps({"action": "completed", "workflow_run": run,
                           "repository": {"full_name": self.args.repository}}).encode()
        signature = hmac.new(self.args.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        request = urllib.request.Request(self.args.webhook_url, data=body, method="POST", headers={
            "Content-Type": "application/json", "X-GitHub-Event": "workflow_run",
            "X-GitHub-Delivery": secrets.token_hex(16), "X-Hub-Signature-256": f"sha256={signature}",
            "User-Agent": "GitHub-Hookshot/standin"})
        try:
            urllib.request.urlopen(request, timeout=10).read()
        except Exception as e:  # the server may be down; GitHub would retry later
            print(f"github_standin: webhook not delivered: {e}", file=sys.stderr, flush=True)

    # ---- authentication

    def check_jwt(self, header):
        if not header or not header.startswith("Bearer "):
            return False
        try:
            head, claims, signature = header[7:].split(".")
            if json.loads(b64url_decode(head)).get("alg") != "RS256":
                return False
            self.public_key.verify(b64url_decode(signature), f"{head}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
            claims = json.loads(b64url_decode(claims))
        except (ValueError, InvalidSignature, json.JSONDecodeError):
            return False
        now = time.time()
        return (str(claims.get("iss")) == str(self.args.app_id) and claims.get("iat", now + 999) <= now + 60
                and now < claims.get("exp", 0) and claims["exp"] - claims["iat"] <= 600)

    def check_token(self, header):
        token = header[7:] if header and header.startswith("Bearer ") else None
        return token is not None and self.tokens.get(token, 0) > time.time()


class Handler(BaseHTTPRequestHandler):
    server_version = "github-standin"
    standin: StandIn = None

    def log_message(self, *args):
        pass

    def answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null") if length else None

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PATCH(self):
        self.route("PATCH")

    def route(self, method):
        s = self.standin
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, dict(urllib.parse.parse_qsl(url.query))
        if path.startswith("/_standin/"):
            return self.inspect(method, path)
        s.requests.append({"method": method, "path": self.path})
        auth = self.headers.get("Authorization")
        repo_prefix = f"/repos/{s.owner}/{s.name}"
        try:
            if method == "GET" and path == f"{repo_prefix}/installation":
                if not s.check_jwt(auth):
                    return self.answer(401, {"message": "A JSON web token could not be decoded"})
                return self.answer(200, {"id": INSTALLATION_ID, "app_id": int(s.args.app_id)})
            if method == "POST" and path == f"/app/installations/{INSTALLATION_ID}/access_tokens":
                if not s.check_jwt(auth):
                    return self.answer(401, {"message": "A JSON web token could not be decoded"})
                wanted = self.body() or {}
                if wanted.get("repositories") not in (None, [s.name]):
                    return self.answer(422, {"message": "There is at least one repository that does not exist or is not accessible"})
                token, expires = "ghs_" + secrets.token_urlsafe(27), time.time() + 3600
                s.tokens[token] = expires
                return self.answer(201, {"token": token, "expires_at": iso(expires),
                                         "permissions": wanted.get("permissions", {}), "repository_selection": "selected"})
            if not path.startswith(repo_prefix + "/"):
                return self.answer(404, {"message": "Not Found"})
            if not s.check_token(auth):
                return self.answer(401, {"message": "Bad credentials"})
            return self.repo(method, path[len(repo_prefix):], query)
        except RuntimeError as e:
            return self.answer(422, {"message": str(e)})

    def repo(self, method, path, query):
        s, git = self.standin, self.standin.git
        m = re.fullmatch(r"/git/ref/heads/(.+)", path)
        if method == "GET" and m:
            found = git.run("rev-parse", "--verify", "-q", f"refs/heads/{m[1]}", check=False)
            if found.returncode != 0:
                return self.answer(404, {"message": "Not Found"})
            sha = found.stdout.decode().strip()
            return self.answer(200, {"ref": f"refs/heads/{m[1]}", "object": {"sha": sha, "type": "commit"}})
        m = re.fullmatch(r"/git/commits/([0-9a-f]{40})", path)
        if method == "GET" and m:
            return self.answer(200, s.commit_json(m[1]))
        m = re.fullmatch(r"/git/trees/([0-9a-f]{40})", path)
        if method == "GET" and m:
            args = ["ls-tree", "-l", "-z"] + (["-r", "-t"] if query.get("recursive") else []) + [m[1]]
            entries = []
            for line in git.run(*args).stdout.decode().split("\0"):
                if not line:
                    continue
                meta, name = line.split("\t", 1)
                mode, kind, sha, size = meta.split()
                entry = {"path": name, "mode": mode, "type": kind, "sha": sha}
                if kind == "blob":
                    entry["size"] = int(size)
                entries.append(entry)
            return self.answer(200, {"sha": m[1], "tree": entries, "truncated": False})
        m = re.fullmatch(r"/git/blobs/([0-9a-f]{40})", path)
        if method == "GET" and m:
            data = git.run("cat-file", "blob", m[1]).stdout
            text = base64.encodebytes(data).decode()  # GitHub wraps base64 lines too
            return self.answer(200, {"sha": m[1], "size": len(data), "content": text, "encoding": "base64"})
        if method == "POST" and path == "/git/blobs":
            body = self.body()
            data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else body["content"].encode()
            sha = git.out("hash-object", "-w", "--stdin", input=data)
            return self.answer(201, {"sha": sha})
        if method == "POST" and path == "/git/trees":
            body = self.body()
            with tempfile.TemporaryDirectory() as tmp:
                env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
                if body.get("base_tree"):
                    git.run("read-tree", body["base_tree"], env=env)
                for entry in body["tree"]:
                    if entry.get("sha") is None:
                        git.run("update-index", "--force-remove", "--", entry["path"], env=env)
                    else:
                        git.run("update-index", "--add", "--cacheinfo", f"{entry['mode']},{entry['sha']},{entry['path']}", env=env)
                sha = git.out("write-tree", env=env)
            return self.answer(201, {"sha": sha})
        if method == "POST" and path == "/git/commits":
            body = self.body()
            author = body.get("author") or {"name": "GitHub", "email": "noreply@github.com"}
            committer = body.get("committer") or author
            env = {"GIT_AUTHOR_NAME": author["name"], "GIT_AUTHOR_EMAIL": author["email"],
                   "GIT_COMMITTER_NAME": committer["name"], "GIT_COMMITTER_EMAIL": committer["email"]}
            parents = [arg for p in body.get("parents", []) for arg in ("-p", p)]
            sha = git.out("commit-tree", body["tree"], *parents, input=body["message"].encode(), env=env)
            return self.answer(201, s.commit_json(sha))
        m = re.fullmatch(r"/git/refs/heads/(.+)", path)
        if method == "PATCH" and m:
            body = self.body()
            with s.lock:
                old = git.out("rev-parse", f"refs/heads/{m[1]}")
                new = body["sha"]
                forward = git.run("merge-base", "--is-ancestor", old, new, check=False).returncode == 0
                if not forward and not body.get("force"):
                    return self.answer(422, {"message": "Update is not a fast forward"})
                git.run("update-ref", f"refs/heads/{m[1]}", new, old)
                if m[1] == s.args.branch:
                    s.queue_run(new)
            return self.answer(200, {"ref": f"refs/heads/{m[1]}", "object": {"sha": new, "type": "commit"}})
        m = re.fullmatch(r"/actions/workflows/([^/]+)/runs", path)
        if method == "GET" and m:
            runs = [r for r in reversed(s.runs) if r["path"].endswith("/" + m[1])
                    and query.get("head_sha") in (None, r["head_sha"]) and query.get("branch") in (None, r["head_branch"])]
            runs = runs[: int(query.get("per_page", 30))]
            return self.answer(200, {"total_count": len(runs), "workflow_runs": runs})
        return self.answer(404, {"message": "Not Found"})

    def inspect(self, method, path):
        s = self.standin
        if method == "GET" and path == "/_standin/requests":
            return self.answer(200, s.requests)
        if method == "GET" and path == "/_standin/runs":
            return self.answer(200, s.runs)
        if method == "GET" and path == "/_standin/tokens":
            return self.answer(200, sorted(s.tokens))
        m = re.fullmatch(r"/_standin/runs/(\d+)/log", path)
        if method == "GET" and m:
            try:
                data = open(os.path.join(s.log_dir, f"{m[1]}.log"), "rb").read()
            except FileNotFoundError:
                return self.answer(404, {"message": "Not Found"})
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        if method == "POST" and path == "/_standin/fail-next-run":
            s.fail_next = True
            return self.answer(204)
        return self.answer(404, {"message": "Not Found"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--repo-dir", required=True)
    parser.add_argument("--repository", required=True)
    parser.add_argument("--branch", default="main")
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--app-key", required=True, help="the App's private key (PEM); only its public half is used")
    parser.add_argument("--seed")
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-secret", default="")
    parser.add_argument("--publish-command")
    parser.add_argument("--checkout")
    parser.add_argument("--publish-at-start", action="store_true", help="publish the branch as it is once, at start")
    args = parser.parse_args()
    if args.publish_command and not args.checkout:
        parser.error("--publish-command needs --checkout")
    Handler.standin = StandIn(args)
    if args.publish_at_start:
        Handler.standin.queue_run(Handler.standin.git.out("rev-parse", f"refs/heads/{args.branch}"))
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"ready {args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
