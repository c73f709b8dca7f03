"""What one request costs the mock and Redis (bench/store.py): CPU from /proc, Redis's counters,
round trips counted with MONITOR, and Redis's own budget from redis-benchmark."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from typing import Any

import redis

from bench import load, servers, store_report
from bench.mixes import NAMESPACE_HEADER, in_namespace
from bench.store_bench import Bench, failed

# ---- Redis's own budget -----------------------------------------------------------------------


def redis_budget(bench: Bench) -> dict[str, float]:
    """`redis-benchmark -q -t get,set -n 100000` (50 clients, no pipelining): GET and SET per
    second on one Redis thread, with the benchmark on the same cores."""
    argv = ["redis-benchmark", "-h", servers.HOST, "-p", str(bench.redis_server.port), "-q"]
    try:
        text = subprocess.run(
            [*argv, "-t", "get,set", "-n", "100000"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        found = store_report.parse_redis_benchmark(text)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        failed(bench, "redis-benchmark", exc)
        return {}
    bench.client().flushall()
    bench.say(f"redis-benchmark: {found}")
    return found


SETTLE_S = 0.5  # after wrk stops, the requests it had in flight are still being answered


@dataclass(frozen=True)
class Usage:
    """CPU seconds so far of the mock (all its processes) and of Redis, Redis's counters, and the
    requests the mock has journaled (newest journal id: wrk does not count the answers still in
    flight when it stops, which at a few hundred writes a second is several percent)."""

    mock_cpu_s: float
    journaled: int
    redis_cpu_s: float | None
    commands: int | None
    calls: dict[str, int]

    @classmethod
    def take(
        cls,
        running: servers.Running,
        mix: load.Mix,
        client: redis.Redis | None,
        redis_server: Any,
    ) -> Usage:
        mock = servers.tree_cpu_s(running.process.pid)
        journaled = newest_journal_id(running, mix)
        if client is None:
            return cls(mock, journaled, None, None, {})
        total = int(client.info("stats")["total_commands_processed"])
        calls = {
            name.removeprefix("cmdstat_"): int(stats["calls"])
            for name, stats in client.info("commandstats").items()
        }
        return cls(mock, journaled, servers.cpu_s(redis_server.process.pid), total, calls)

    def minus(self, before: Usage, duration_s: float) -> dict[str, Any]:
        requests = self.journaled - before.journaled
        per = max(requests, 1)
        cost: dict[str, Any] = {
            "requests": requests,
            "mock_cpu_us": round((self.mock_cpu_s - before.mock_cpu_s) / per * 1e6, 1),
            "mock_cpu_share": round((self.mock_cpu_s - before.mock_cpu_s) / duration_s, 2),
        }
        if self.redis_cpu_s is None or before.redis_cpu_s is None:
            return cost
        assert self.commands is not None and before.commands is not None
        # The bench's own INFO and journal probes add about 3 commands to thousands: noise.
        cost["redis_cpu_us"] = round((self.redis_cpu_s - before.redis_cpu_s) / per * 1e6, 1)
        cost["redis_commands"] = round((self.commands - before.commands) / per, 2)
        cost["by_command"] = {
            name: round((n - before.calls.get(name, 0)) / per, 2)
            for name, n in sorted(self.calls.items())
            if n - before.calls.get(name, 0) > per // 100 and not name.startswith("info")
        }
        return cost


def newest_journal_id(running: servers.Running, mix: load.Mix) -> int:
    """The id of the newest journal entry in `mix`'s namespace; ids count up one per request."""
    namespace = mix.headers.get(NAMESPACE_HEADER, "default")
    probe = load.Mix("j", "journal", "GET", "/__mock/requests?limit=1")
    status, body = servers.request(running.port, in_namespace(probe, namespace))
    if status != 200:
        raise ValueError(f"GET /__mock/requests answered {status}: {body[:200]!r}")
    newest = json.loads(body)["data"]["requests"]
    return int(newest[0]["id"]) if newest else 0


def round_trips(bench: Bench, running: servers.Running, mix: load.Mix) -> float | None:
    """Commands the mock sends Redis per request (not those its scripts run), counted with
    MONITOR over a short sample at 10 connections: MONITOR slows Redis, so it is never on during
    a measured run."""
    log = bench.raw / "monitor.log"
    argv = ["redis-cli", "-h", servers.HOST, "-p", str(bench.redis_server.port), "monitor"]
    first = newest_journal_id(running, mix)  # wrk's count leaves out the answers in flight
    with log.open("w") as out:
        monitor = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
    try:
        deadline = time.perf_counter() + 5
        while log.stat().st_size == 0 and time.perf_counter() < deadline:  # "OK" once it is on
            time.sleep(0.02)
        load.send_count(running.base_url, mix, bench.plan.sample, 10, bench.work, 60)
        time.sleep(SETTLE_S)  # the answers in flight are given, their commands reach the monitor
    finally:
        monitor.terminate()
        monitor.wait(timeout=10)
    served = newest_journal_id(running, mix) - first
    return store_report.monitor_round_trips(log.read_text(errors="replace"), served)
