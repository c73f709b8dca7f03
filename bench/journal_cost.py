"""What the request journal costs a request, measured in-process (no network, no wrk needed).

    .venv/bin/python bench/journal_cost.py [--requests 20000] [--rounds 5]

Builds the mock twice with the default world, once with the journal (1,000 entries per namespace)
and once with `journal_size=0`, and calls each straight through ASGI with mix (a), the operator's
producer-token GET with the demo key: routing, credentials, validation, the world, the journal.
Small batches alternate on / off and are timed in process CPU time, so that other load on a
shared machine blurs the difference less; the medians and their difference per request are
printed. Bounded: a few seconds of CPU, nothing on the network.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` and `mockserver` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mixes import DEMO_SESSION, OPERATOR_KEY
from mockserver.app import MockApp, create_app
from mockserver.settings import Settings

PATH = f"/api/v1/sessions/{DEMO_SESSION}/producer-token"


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:4010"),
            (b"authorization", f"Bearer {OPERATOR_KEY}".encode()),
            (b"accept", b"*/*"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4010),
    }


async def drive(app: MockApp, requests: int) -> float:
    """Microseconds per request."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.process_time()  # this process's CPU: other load on the machine counts less
    for _ in range(requests):
        await app(scope(), receive, send)
    elapsed = time.process_time() - started
    assert set(statuses) == {200}, set(statuses)
    return elapsed / requests * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000, help="per batch")
    parser.add_argument("--rounds", type=int, default=40, help="batches per app, alternating")
    args = parser.parse_args()
    base = Settings()
    apps = {"on": create_app(base), "off": create_app(replace(base, journal_size=0))}
    for app in apps.values():  # warm the caches (routes, validators, rendered bodies)
        asyncio.run(drive(app, 2000))
    gc.collect()
    gc.freeze()  # as `mockserver serve` does after start-up
    results: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(args.rounds):
        for name, app in apps.items():
            results[name].append(asyncio.run(drive(app, args.requests)))
    on, off = statistics.median(results["on"]), statistics.median(results["off"])
    print(f"mix (a) in-process, {args.rounds} batches x {args.requests} requests, median CPU:")
    print(f"  journal on   {on:7.2f} µs/request   ({1e6 / on:8.0f} req/s on one core)")
    print(f"  journal off  {off:7.2f} µs/request   ({1e6 / off:8.0f} req/s on one core)")
    print(f"  cost         {on - off:7.2f} µs/request   ({(on - off) / off:+.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
