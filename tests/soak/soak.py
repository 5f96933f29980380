#!/usr/bin/env python3
"""Soak run of the form function: many forms, SMTP outages, hard kills.

    soak.py --forms-bin target/debug/forms --store sqlite|dynamodb [options]

Starts the real `forms` server (SMTP mailer) beside a real SMTP sink (and
moto_server for DynamoDB), all on free 127.0.0.1 ports. Concurrent clients
post every form of the plan (some twice, same submission_id); a chaos
thread stops the SMTP sink for a while and SIGKILLs the server at random
moments, restarting it at once. A client that loses its connection posts
the same form again (same submission_id). When every post has an answer,
the sweeper gets time to send what is pending; then the store and the
sink's folder are counted. Exit status 1 if any accepted form was lost,
mailed to the wrong place or not at all, or any answer was a 5xx.
Duplicate mails (a kill between sending and marking sent) are reported,
not hidden: delivery is at-least-once, with a stable Message-ID.

Python standard library only (plus boto3 from the pinned test venv for
DynamoDB), so the counting does not share code with what it checks.
"""
import argparse
import http.client
import json
import os
import queue
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
sys.path.insert(0, HERE)

import plan  # noqa: E402
import tally  # noqa: E402
from with_services import free_port, port_open, wait_until  # noqa: E402


class Processes:
    """The server, the SMTP sink and moto: started, stopped, killed."""

    def __init__(self, args, workdir):
        self.args, self.workdir = args, workdir
        self.smtp_port, self.http_port = free_port(), free_port()
        self.mail_dir = os.path.join(workdir, "mail")
        self.env = dict(os.environ, RUST_LOG="warn")
        self.server = self.sink = self.moto = None
        self.starts = 0

    def log(self, name):
        return open(os.path.join(self.workdir, name), "a")

    def start_sink(self):
        cmd = [sys.executable, os.path.join(ROOT, "tests/support/smtp_sink.py"), "--port", str(self.smtp_port), "--dir", self.mail_dir]
        self.sink = subprocess.Popen(cmd, stdout=self.log("smtp.log"), stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.smtp_port), "the SMTP sink")

    def stop_sink(self):
        self.sink.terminate()
        self.sink.wait(timeout=10)

    def start_moto(self):
        port = free_port()
        self.moto = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-p", str(port)], stdout=self.log("moto.log"), stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(port), "moto_server")
        self.env.update(
            AWS_ENDPOINT_URL_DYNAMODB=f"http://127.0.0.1:{port}", AWS_REGION="eu-west-1", AWS_DEFAULT_REGION="eu-west-1",
            AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
            FORMS_STORE="dynamodb", FORMS_TABLE=f"soak-{uuid.uuid4().hex[:8]}",
        )
        subprocess.run([self.args.forms_bin, "create-table"], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def start_server(self):
        self.env.update(
            FORMS_MAILER="smtp", SMTP_URL=f"smtp://127.0.0.1:{self.smtp_port}", DATA_DIR=os.path.join(self.workdir, "data"),
            PORT=str(self.http_port), RATE_LIMIT_PER_MINUTE="0", SWEEP_INTERVAL_SECONDS=str(self.args.sweep_seconds),
            SITE_DIR=os.path.join(ROOT, "site/public"),
        )
        self.starts += 1
        self.server = subprocess.Popen([self.args.forms_bin], env=self.env, stdout=self.log("server.log"), stderr=subprocess.STDOUT)
        wait_until(lambda: http_status("GET", self.http_port, "/api/health") == 200, "the forms server")

    def kill_server(self):
        self.server.send_signal(signal.SIGKILL)
        self.server.wait()

    def stop_all(self):
        self.stop_server()
        for p in (self.sink, self.moto):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:  # moto holding 10,000 items can be slow to stop
                    p.kill()
                    p.wait()

    def stop_server(self):
        """SIGTERM: the server finishes what it is doing and exits 0."""
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                code = self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                code = self.server.wait()
            if code != 0:
                print(f"soak: server exited {code} on SIGTERM", file=sys.stderr)


def http_status(method, port, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = set()
        self.statuses = {}
        self.latencies = []
        self.connection_errors = 0
        self.done = 0
        self.given_up = []

    def record(self, status=None, latency=None, error=False):
        with self.lock:
            if error:
                self.connection_errors += 1
            else:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                self.latencies.append(latency)


def client(port, posts, results, deadline):
    while True:
        try:
            submission = posts.get_nowait()
        except queue.Empty:
            return
        path, headers, body = submission.request()
        expected = 303 if submission.as_browser else 201
        while True:
            if time.monotonic() > deadline:
                results.given_up.append(submission.id)
                break
            started = time.monotonic()
            try:
                status = http_status("POST", port, path, body, headers)
            except (OSError, http.client.HTTPException):
                # The server was killed or is restarting: same form, same id, again.
                results.record(error=True)
                time.sleep(0.1)
                continue
            results.record(status, time.monotonic() - started)
            if status == expected:
                with results.lock:
                    results.accepted.add(submission.id)
                break
            if status < 500:
                print(f"soak: {submission.kind} #{submission.index} answered {status}", file=sys.stderr)
                break
            time.sleep(0.1)  # a 5xx is counted, then the form is tried again
        with results.lock:
            results.done += 1


def chaos(procs, results, total, args, rng, events, stop):
    """SMTP outage at ~30% of the posts; SIGKILLs at random points."""
    kill_at = sorted(rng.uniform(0.05, 0.95) * total for _ in range(args.kills))
    outage_at = 0.3 * total
    outage_until = None
    while not stop.is_set():
        done = results.done
        if outage_until is None and done >= outage_at:
            procs.stop_sink()
            outage_until = time.monotonic() + args.smtp_outage
            events.append((time.monotonic(), "smtp stopped"))
        if outage_until and procs.sink.poll() is not None and time.monotonic() >= outage_until:
            procs.start_sink()
            events.append((time.monotonic(), "smtp started"))
        if kill_at and done >= kill_at[0]:
            kill_at.pop(0)
            time.sleep(rng.uniform(0, 0.5))  # a random moment, not a quiet one
            procs.kill_server()
            events.append((time.monotonic(), "server SIGKILLed"))
            procs.start_server()
            events.append((time.monotonic(), "server restarted"))
        if done >= total and (outage_until is None or procs.sink.poll() is None):
            return
        time.sleep(0.02)


def pending(procs, args):
    if args.store == "sqlite":
        records = tally.sqlite_records(os.path.join(procs.workdir, "data", "forms.sqlite3"))
    else:
        records = tally.dynamo_records(dynamo_client(procs), procs.env["FORMS_TABLE"])
    return records, sum(1 for p, _, _ in records.values() if p)


def dynamo_client(procs):
    import boto3  # only for the DynamoDB run

    return boto3.client("dynamodb", endpoint_url=procs.env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="eu-west-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def percentile(values, p):
    return sorted(values)[min(len(values) - 1, int(p / 100 * len(values)))] if values else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms-bin", required=True)
    parser.add_argument("--store", choices=["sqlite", "dynamodb"], default="sqlite")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=500, help="posts that repeat an earlier form's submission_id")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--smtp-outage", type=float, default=15.0, help="seconds the SMTP sink is down")
    parser.add_argument("--sweep-seconds", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=1200, help="hard bound on the whole run")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--report", help="also write the counts as JSON here")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    directory = plan.Directory(os.path.join(ROOT, "site/data/directory.toml"))
    distinct, order = plan.make_posts(args.seed, directory, args.posts, args.repeats)
    workdir = tempfile.mkdtemp(prefix=f"forms-soak-{args.store}-")
    procs = Processes(args, workdir)
    started = time.monotonic()
    deadline = started + args.max_seconds
    events = []
    try:
        procs.start_sink()
        if args.store == "dynamodb":
            procs.start_moto()
        procs.start_server()
        print(f"soak: {args.store}, {len(order)} posts ({args.repeats} repeats) from {args.clients} clients; files in {workdir}", flush=True)

        posts = queue.Queue()
        for s in order:
            posts.put(s)
        results = Results()
        stop = threading.Event()
        chaos_thread = threading.Thread(target=chaos, args=(procs, results, len(order), args, rng, events, stop))
        chaos_thread.start()
        clients = [threading.Thread(target=client, args=(procs.http_port, posts, results, deadline)) for _ in range(args.clients)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        posted = time.monotonic()
        chaos_thread.join()

        # Let the sweeper catch up: a record whose sender was killed is
        # leased for two minutes before the sweeper may take it.
        while True:
            records, still = pending(procs, args)
            if still == 0 or time.monotonic() > deadline:
                break
            time.sleep(2)
        drained = time.monotonic()
        time.sleep(3 * args.sweep_seconds + 2)  # a few more sweeps: nothing may be sent twice
        procs.stop_server()
        records, _ = pending(procs, args)
        counts, problems = tally.count(distinct, results.accepted, records, tally.mails(procs.mail_dir))
        print(f"soak: counted in {time.monotonic() - drained:.0f} s", flush=True)
    finally:
        procs.stop_all()

    fivexx = sum(n for status, n in results.statuses.items() if status >= 500)
    if fivexx:
        problems.append(f"{fivexx} answers were 5xx")
    if results.given_up:
        problems.append(f"{len(results.given_up)} forms got no answer before the time bound")
    lat = results.latencies
    report = {
        "store": args.store,
        "posts": len(order),
        "distinct_forms": len(distinct),
        "repeated_posts": args.repeats,
        "clients": args.clients,
        "answers_by_status": {str(k): v for k, v in sorted(results.statuses.items())},
        "connection_errors_retried": results.connection_errors,
        "server_starts": procs.starts,
        "sigkills": sum(1 for _, e in events if e == "server SIGKILLed"),
        "smtp_outage_seconds": args.smtp_outage,
        **dict(sorted(counts.items())),
        "seconds_posting": round(posted - started, 1),
        "posts_per_second": round(len(order) / max(posted - started, 0.001), 1),
        "latency_ms_p50": round(1000 * statistics.median(lat), 1) if lat else None,
        "latency_ms_p99": round(1000 * percentile(lat, 99), 1),
        "latency_ms_max": round(1000 * max(lat), 1) if lat else None,
        "seconds_until_nothing_pending": round(drained - posted, 1),
        "seconds_total": round(time.monotonic() - started, 1),
        "problems": problems,
    }
    for key, value in report.items():
        if key != "problems":
            print(f"  {key:34} {value}")
    for p in problems[:50]:
        print(f"  PROBLEM: {p}")
    if args.report:
        with open(args.report, "w") as f:
            json.dump(report, f, indent=2)
    print("soak: " + ("PASSED" if not problems else f"FAILED ({len(problems)} problems)"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
