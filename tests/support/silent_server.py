#!/usr/bin/env python3
"""An endpoint that accepts connections and never answers, as a stalled AWS
API does: the TCP handshake succeeds, the request is read, no byte comes back.

    tests/support/silent_server.py [--port PORT] [--upstream URL]

Prints `listening on http://127.0.0.1:PORT` once it accepts (PORT 0, the
default, picks a free one). With --upstream, SIGUSR1 ends the outage:
connections made from then on are passed through to the upstream (moto, for
example), so a test can watch a service come back. Connections made during
the outage stay silent. Stops on SIGTERM or Ctrl-C.

By hand (issue 18): point the function's DynamoDB at it and post a form.
    python3 tests/support/silent_server.py --port 18401 &
    FORMS_STORE=dynamodb AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:18401 ... forms
"""
import argparse
import asyncio
import signal
import sys
import urllib.parse


async def hold(reader, writer):
    """Reads whatever comes and never writes; closes when the client does."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass
    writer.close()


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--upstream", help="where connections go after SIGUSR1, e.g. http://127.0.0.1:5000")
    args = parser.parse_args()
    upstream = urllib.parse.urlsplit(args.upstream) if args.upstream else None
    answering = False

    async def on_connection(reader, writer):
        if not answering:
            await hold(reader, writer)
            return
        up_reader, up_writer = await asyncio.open_connection(upstream.hostname, upstream.port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def end_outage():
        nonlocal answering
        answering = upstream is not None
        print(f"passing connections on to {args.upstream}" if answering else "no --upstream: staying silent", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, end_outage)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await asyncio.start_server(on_connection, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    await stop.wait()
    server.close()  # held connections are dropped when the loop ends


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
