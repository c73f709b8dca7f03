"""The create-heavy soak (issue 9): does the mock's memory stay flat under writes that never stop?

    .venv/bin/python bench/soak.py                 # 10 minutes at 200 req/s (part of `make bench`)
    .venv/bin/python bench/soak.py --minutes 2     # the short version

The mock runs as users start it (its default world, the consumer's pool topped up as in the rest
of the bench) with `--namespace-ttl 60` and `sessions.keepClosed: 200` in the world fixture, so
that both ceilings are reached within the first minute (at the defaults, 3,600 s and 1,000, the
plateau is the same shape, only later and higher: docs/limits.md). Traffic, paced at `--rate` requests per second over keep-alive connections:
70 % `POST /sessions` (a 5 s wait timeout, so sessions close and the closed-session cap is
exercised), 20 % `GET /sessions?limit=20`, 10 % `GET /wallet`, spread over a bounded set of
namespaces, plus one request in a brand-new namespace every second. RSS is sampled every 5 s.

Passes when every sample after the reference minute (minute 2, or half the run when shorter)
stays within 10 % of the RSS at that minute, and no answer is a 5xx. Results go to
bench/results/soak.json; the summary line goes in bench/README.md's table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import yaml

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import servers, world
from bench.mixes import CONSUMER_KEY, PROBE

SPEC = servers.ROOT / "openapi.json"
SCENARIOS = servers.ROOT / "mockserver" / "luxxon" / "scenarios"
RESULTS = servers.BENCH / "results"
NAMESPACES = 20  # the bounded set the steady traffic writes into
TOLERANCE = 0.10
SAMPLE_EVERY_S = 5.0
TTL_S = 60
KEEP_CLOSED = 200
CONNECTIONS = 16


def soak_server(scenarios: Path) -> servers.Server:
    base = servers.mock_server(scenarios)
    return servers.Server(
        "mock",
        "this mock",
        lambda port, spec: [*base.argv(port, spec), "--namespace-ttl", str(TTL_S)],
    )


async def _drive(
    port: int, minutes: float, rate: float, running: servers.Running
) -> dict[str, Any]:
    """Send the mix at `rate` for `minutes`; sample RSS; count statuses."""
    statuses: Counter[str] = Counter()
    samples: list[tuple[float, float]] = []
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    auth = {"Authorization": f"Bearer {CONSUMER_KEY}"}
    body = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60, "waitTimeoutSeconds": 5}
    gate = asyncio.Semaphore(CONNECTIONS * 4)
    begin = time.monotonic()

    async def sample() -> None:  # on its own task: a slow server must not delay the samples
        while True:
            samples.append((round(time.monotonic() - begin, 1), running.rss_kb() / 1024))
            await asyncio.sleep(SAMPLE_EVERY_S)

    async with httpx.AsyncClient(
        base_url=f"http://{servers.HOST}:{port}", limits=limits, timeout=30
    ) as http:

        async def one(n: int, namespace: str) -> None:
            headers = {**auth, "X-Mock-Namespace": namespace}
            kind = n % 10
            try:
                if kind < 7:
                    response = await http.post("/api/v1/sessions", json=body, headers=headers)
                elif kind < 9:
                    response = await http.get("/api/v1/sessions?limit=20", headers=headers)
                else:
                    response = await http.get("/api/v1/wallet", headers=headers)
                statuses[str(response.status_code)] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            finally:
                gate.release()

        sampler = asyncio.create_task(sample())
        end = begin + minutes * 60
        sent = 0
        fresh = 0
        tasks: set[asyncio.Task[None]] = set()
        while (now := time.monotonic()) < end:
            due = int((now - begin) * rate)
            while sent < due:
                await gate.acquire()
                if sent % int(rate) == 0:  # one brand-new namespace per second
                    fresh += 1
                    namespace = f"soak-new-{fresh}"
                else:
                    namespace = f"soak-{sent % NAMESPACES}"
                task = asyncio.create_task(one(sent, namespace))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                sent += 1
            await asyncio.sleep(1 / rate)
        await asyncio.gather(*tasks)
        sampler.cancel()
        samples.append((round(time.monotonic() - begin, 1), running.rss_kb() / 1024))
    elapsed = time.monotonic() - begin
    return {
        "sent": sent,
        "elapsed_s": round(elapsed, 1),
        "new_namespaces": fresh,
        "statuses": dict(statuses),
        "rss": samples,
    }


def verdict(result: dict[str, Any], minutes: float) -> dict[str, Any]:
    reference_s = min(120.0, minutes * 30)
    samples = result["rss"]
    at_ref = min(samples, key=lambda s: abs(s[0] - reference_s))[1]
    after = [mb for t, mb in samples if t >= reference_s]
    worst = max(abs(mb - at_ref) / at_ref for mb in after) if after else 0.0
    server_errors = sum(n for code, n in result["statuses"].items() if code.startswith("5"))
    return {
        "reference_s": reference_s,
        "rss_at_reference_mb": round(at_ref, 1),
        "rss_end_mb": round(samples[-1][1], 1),
        "rss_max_mb": round(max(mb for _, mb in samples), 1),
        "worst_drift": round(worst, 4),
        "server_errors": server_errors,
        "passed": worst <= TOLERANCE and server_errors == 0,
    }


def run(minutes: float, rate: float, out: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mock-soak-") as work:
        scenarios = world.rich_copy(SCENARIOS, "default", Path(work))
        fixture = scenarios / "worlds" / "default.yaml"
        document = yaml.safe_load(fixture.read_text())
        document.setdefault("settings", {}).setdefault("sessions", {})["keepClosed"] = KEEP_CLOSED
        fixture.write_text(yaml.safe_dump(document))
        log = Path(work) / "server.log"
        with servers.started(soak_server(scenarios), SPEC, PROBE, log) as running:
            result = asyncio.run(_drive(running.port, minutes, rate, running))
    result.update(
        minutes=minutes,
        rate=rate,
        namespace_ttl_s=TTL_S,
        keep_closed=KEEP_CLOSED,
        namespaces=NAMESPACES,
    )
    result["verdict"] = verdict(result, minutes)
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def summary_line(result: dict[str, Any]) -> str:
    v = result["verdict"]
    achieved = result["sent"] / result["elapsed_s"]
    return (
        f"| {result['minutes']:g} min | {achieved:,.0f} req/s | {result['new_namespaces']} | "
        f"{v['rss_at_reference_mb']} MB | {v['rss_end_mb']} MB | {v['rss_max_mb']} MB | "
        f"{v['worst_drift']:.1%} | {v['server_errors']} | {'flat' if v['passed'] else 'GREW'} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = run(args.minutes, args.rate, args.out)
    print(
        "| run | achieved | new namespaces | RSS at ref. | RSS at end | RSS max | worst drift "
        "| 5xx | verdict |"
    )
    print(summary_line(result))
    print(f"statuses: {result['statuses']}")
    return 0 if result["verdict"]["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
