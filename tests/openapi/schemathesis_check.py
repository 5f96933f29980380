#!/usr/bin/env python3
"""docs/openapi.yaml against the real server: schemathesis with all its checks.

    tests/openapi/schemathesis_check.py FORMS_BIN [extra schemathesis options]

Starts FORMS_BIN (SQLite, mail as files, no rate limit: schemathesis sends
many posts from one address) on a free port with its own data directory,
waits for /api/health, runs `st run docs/openapi.yaml --checks all` and stops
the server. Fails when the server answers anything the document does not
say: a status, a content type, a body, a schema-valid form that is refused
or a schema-invalid one that is taken."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"
# Fixed seed and example count: the same cases on every run, a few minutes
# at most on a 2-core machine; raise with extra options to explore further.
DEFAULTS = ["--seed", "12", "--max-examples", "40", "--workers", "1", "--generation-database", "none"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url, server, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the forms server exited with {server.returncode} before it answered")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"the forms server did not answer {url}/api/health within {seconds}s")


def main():
    forms_bin, extra = sys.argv[1], sys.argv[2:]
    port = free_port()
    data = tempfile.mkdtemp(prefix="forms-openapi-")
    env = dict(os.environ, PORT=str(port), DATA_DIR=data, FORMS_STORE="sqlite", FORMS_MAILER="file",
               RATE_LIMIT_PER_MINUTE="0", SITE_DIR=str(REPO / "site" / "public"), RUST_LOG="warn")
    log = open(os.path.join(data, "server.log"), "w")
    server = subprocess.Popen([forms_bin], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        command = [str(ST), "run", str(REPO / "docs" / "openapi.yaml"), "--url", url, "--checks", "all",
                   "--no-color", *DEFAULTS, *extra]
        print("openapi:", " ".join(command), flush=True)
        # Run in the data directory: schemathesis keeps a cache where it runs.
        code = subprocess.call(command, cwd=data, env=dict(os.environ, SCHEMATHESIS_HOOKS=""))
    finally:
        server.terminate()
        server.wait(timeout=10)
    if code != 0:
        print(f"server log: {data}/server.log", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
