#!/usr/bin/env python3
"""Runs a command beside real services on free local ports, then stops them.

    tests/support/with_services.py [--no-moto] [--no-smtp] -- COMMAND...

Starts moto_server (the DynamoDB API) and the SMTP sink, waits until both
answer, runs COMMAND with these variables set, and stops everything it
started, also when COMMAND fails or the run is interrupted:

    AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SESV2, AWS_REGION,
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
                            the DynamoDB and SES v2 APIs (moto), dummy credentials
    FORMS_TEST_MOTO_URL     moto itself (its /moto-api/ shows what SES sent)
    FORMS_TEST_SMTP_PORT    the SMTP sink's port
    FORMS_TEST_SMTP_DIR     where the sink writes what it receives
    FORMS_TEST_PYTHON       this Python, for tests that start their own sink
    FORMS_TEST_SMTP_SINK    the sink script
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"with_services: {what} did not start within {seconds}s")


def port_open(port):
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-moto", action="store_true")
    parser.add_argument("--no-smtp", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    env = dict(os.environ)
    children = []
    workdir = tempfile.mkdtemp(prefix="forms-services-")

    def stop_all(*_):
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    def on_signal(signum, _frame):
        stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if not args.no_moto:
            port = free_port()
            log = open(os.path.join(workdir, "moto.log"), "w")
            children.append(subprocess.Popen([os.path.join(BIN, "moto_server"), "-p", str(port)], stdout=log, stderr=log))
            url = f"http://127.0.0.1:{port}"
            wait_until(lambda: urllib.request.urlopen(url + "/moto-api/", timeout=1).status == 200, "moto_server")
            env.update(
                AWS_ENDPOINT_URL_DYNAMODB=url,
                AWS_ENDPOINT_URL_SESV2=url,
                AWS_REGION="eu-west-1",
                AWS_DEFAULT_REGION="eu-west-1",
                AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing",
                FORMS_TEST_MOTO_URL=url,
            )
        if not args.no_smtp:
            port = free_port()
            mail_dir = os.path.join(workdir, "smtp")
            sink = os.path.join(HERE, "smtp_sink.py")
            log = open(os.path.join(workdir, "smtp.log"), "w")
            children.append(subprocess.Popen([sys.executable, sink, "--port", str(port), "--dir", mail_dir], stdout=log, stderr=log))
            wait_until(lambda: port_open(port), "the SMTP sink")
            env.update(FORMS_TEST_SMTP_PORT=str(port), FORMS_TEST_SMTP_DIR=mail_dir)
        env.update(FORMS_TEST_PYTHON=sys.executable, FORMS_TEST_SMTP_SINK=os.path.join(HERE, "smtp_sink.py"))
        print(f"with_services: services up (logs in {workdir}); running: {' '.join(command)}", flush=True)
        return subprocess.call(command, env=env)
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
