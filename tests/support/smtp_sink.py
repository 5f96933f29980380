#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) that keeps every message it receives.

Each message becomes two files in --dir: NNNNNN-<pid>.eml (the data as
received) and the same name with .json (envelope: mail_from, rcpt_tos).
Tests read mail back from there. Prints "ready <port>" when listening.

Misbehaving servers, for delivery tests and trying things by hand:
  --hang             greet, take the envelope, then never answer DATA
  --refuse ADDRESS   answer RCPT TO:<ADDRESS> with 550 (a permanent
                     refusal); other recipients are kept (repeatable)
  --busy ADDRESS     answer RCPT TO:<ADDRESS> with 451 (try again later)
"""
import asyncio
import argparse
import itertools
import json
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory, hang=False, refuse=(), busy=()):
        self.directory = directory
        self.counter = itertools.count(1)
        self.lock = threading.Lock()
        self.hang = hang
        self.refuse = {a.lower() for a in refuse}
        self.busy = {a.lower() for a in busy}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address.lower() in self.busy:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hang:
            # Accepted the connection and the envelope, then silence.
            await asyncio.sleep(3600)
        with self.lock:
            n = next(self.counter)
        base = os.path.join(self.directory, f"{n:06d}-{os.getpid()}")
        data = envelope.original_content or envelope.content
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        with open(base + ".json.tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        # Envelope first, then the mail: a reader that sees .eml sees both.
        os.replace(base + ".json.tmp", base + ".json")
        os.replace(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--busy", action="append", default=[])
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Keep(args.dir, hang=args.hang, refuse=args.refuse, busy=args.busy)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"ready {args.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.2)
    controller.stop()


if __name__ == "__main__":
    main()
