"""The namespace ceiling, measured (issue 9; docs/limits.md): RSS of a served mock at default
settings before and after `--count` requests each in a brand-new namespace.

    .venv/bin/python bench/namespaces.py              # 20,000 new namespaces
    .venv/bin/python bench/namespaces.py --count 2000

Each request is `GET /api/v1/wallet` with the consumer key, which builds the namespace's world
from the fixture. At the default `--max-namespaces 10000` the first 10,000 are served and the rest
refused (503 MOCK_TOO_MANY_NAMESPACES): RSS stops growing there. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers
from bench.mixes import CONSUMER_KEY, PROBE

SPEC = servers.ROOT / "openapi.json"
CONNECTIONS = 16


async def _create(port: int, count: int) -> Counter[str]:
    statuses: Counter[str] = Counter()
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)
    async with httpx.AsyncClient(
        base_url=f"http://{servers.HOST}:{port}", limits=limits, timeout=30
    ) as http:

        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                headers = {"Authorization": f"Bearer {CONSUMER_KEY}", "X-Mock-Namespace": f"ns-{n}"}
                response = await http.get("/api/v1/wallet", headers=headers)
                statuses[str(response.status_code)] += 1

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    return statuses


def measure(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mock-ns-") as work:
        log = Path(work) / "server.log"
        with servers.started(servers.mock_server(), SPEC, PROBE, log) as running:
            before = running.rss_kb() / 1024
            statuses = asyncio.run(_create(running.port, count))
            after = running.rss_kb() / 1024
    return {
        "count": count,
        "statuses": dict(statuses),
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.count)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
