"""bench/store.py's numbers made readable: medians, the issue's targets, what N hosts would serve,
and the Markdown tables of bench/results/store.md."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from bench.report import median

MEMORY, REDIS, WORKERS = "mock", "mock-redis", "mock-redis-2w"
MIX_TITLES = {"b": "(b) world read GET /sessions/{id}", "c": "(c) world write POST /sessions"}
COST_FIELDS = ("mock_cpu_us", "mock_cpu_share", "redis_cpu_us", "redis_commands", "round_trips")
RTT_US = 100.0  # network round trip from a host to Redis, assumed: same zone, one switch
HOSTS, HOST_CORES = (1, 2, 4, 8), 4

Result = dict[str, Any]


# ---- reading tools' output --------------------------------------------------------------------


def parse_redis_benchmark(text: str) -> dict[str, float]:
    """`redis-benchmark -q` lines, e.g. `SET: 95238.10 requests per second, p50=0.263 msec`."""
    found = {
        name.lower(): float(rate)
        for name, rate in re.findall(r"(?:^|\r)(GET|SET): ([\d.]+) requests per second", text, re.M)
    }
    if not found:
        raise ValueError(f"unreadable redis-benchmark output: {text[-300:]!r}")
    return found


def monitor_round_trips(text: str, requests: int) -> float | None:
    """Commands clients sent (MONITOR lines not marked `lua`) per request."""
    sent = sum(1 for line in text.splitlines() if re.match(r"^[\d.]+ \[\d+ (?!lua\])", line))
    return round(sent / requests, 2) if requests else None


def count_sessions(body: bytes) -> int:
    """The sessions a namespace holds, from `GET /__mock/world`'s Sessions table."""
    tables = json.loads(body)["data"]["tables"]
    sessions = next(t for t in tables if t["title"] == "Sessions")
    return int(sum(sessions["counts"].values()))


# ---- medians, targets, hosts ------------------------------------------------------------------


def complete(result: Result) -> None:
    """Add `summary`, `latency`, `targets` and `hosts` to a result holding the raw rounds."""
    result["summary"] = {key: _summarize(rounds) for key, rounds in result["rounds"].items()}
    result["latency"] = _latency(result.get("sizes", {}))
    result["targets"] = _targets(result["summary"], result["latency"])
    result["hosts"] = _hosts(result["summary"], result.get("redis_budget", {}))


def _summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not rounds:
        return out
    for key in rounds[0]["mixes"]:
        runs = [r["mixes"][key] for r in rounds if key in r["mixes"]]
        mix: dict[str, Any] = {
            "statuses": sorted({run["status"] for run in runs}, key=str),
            "errors": sum(run["c50"]["bad_status"] + run["c50"]["socket_errors"] for run in runs),
            "c50": {f: median(run["c50"][f] for run in runs) for f in ("rps", "p50_ms", "p99_ms")},
        }
        for name in COST_FIELDS:
            values = [run["cost"][name] for run in runs if run["cost"].get(name) is not None]
            mix[name] = median(values) if values else None
        commands = sorted({c for run in runs for c in run["cost"].get("by_command", {})})
        mix["by_command"] = {
            c: median(run["cost"].get("by_command", {}).get(c, 0.0) for run in runs)
            for c in commands
        }
        out[key] = mix
    return out


LEVELS = ("small", "big", "small_after")  # bench/store_sizes.py: before, and alternating with, big


def _latency(sizes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in (MEMORY, REDIS):
        samples = sizes.get(key, {})
        if not samples.get("small") or not samples.get("big"):
            continue
        row: dict[str, Any] = {}
        for level in (level for level in LEVELS if samples.get(level)):
            found = samples[level]
            row[level] = {"sessions": int(median(s["sessions"] for s in found))}
            for name in ("p50_ms", "p99_ms", "rps", "mock_cpu_us", "redis_cpu_us"):
                values = [s[name] for s in found if s.get(name) is not None]
                row[level][name] = median(values) if values else None
        # the size's own cost: small namespaces written in the same process, at the same time
        row["p50_ratio"] = _ratio(
            row["big"]["p50_ms"], row.get("small_after", row["small"])["p50_ms"]
        )
        row["p50_ratio_before"] = _ratio(row["big"]["p50_ms"], row["small"]["p50_ms"])
        out[key] = row
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _rps(summary: dict[str, Any], server: str, mix: str) -> float | None:
    found = summary.get(server, {}).get(mix)
    return found["c50"]["rps"] if found else None


def _targets(summary: dict[str, Any], latency: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(name: str, value: float | None, goal: str | None, ok: bool | None) -> None:
        met = None if value is None or goal is None else ok
        found.append({"target": name, "measured": value, "goal": goal, "met": met})

    for server, mix, least in ((REDIS, "b", 0.8), (REDIS, "c", 0.5), (WORKERS, "b", 1.2)):
        who = "one process on Redis" if server == REDIS else "2 workers on Redis"
        value = _ratio(_rps(summary, server, mix), _rps(summary, MEMORY, mix))
        add(
            f"{who} ÷ one process in memory, req/s (50 conn.), mix {mix}",
            value,
            f"≥ {least}",
            value is not None and value >= least,
        )
    for key, field, goal, how in (
        (REDIS, "p50_ratio", "≤ 1.2", "Redis; small namespaces written alternately with the big"),
        (REDIS, "p50_ratio_before", "≤ 1.2", "Redis; small namespaces written before the big"),
        (MEMORY, "p50_ratio", None, "memory, for comparison; alternately"),
    ):
        row = latency.get(key)
        if row is None or row.get(field) is None:
            continue
        value = row[field]
        add(
            f"write p50 at {row['big']['sessions']:,} ÷ at {row['small']['sessions']:,} "
            f"sessions (1 conn.), {how}",
            value,
            goal,
            value <= 1.2,
        )
    return found


def _hosts(summary: dict[str, Any], budget: dict[str, float]) -> dict[str, Any]:
    """What N hosts of HOST_CORES workers each, on one Redis (Cluster), would serve: a worker's
    time per request is its CPU plus, as its Redis client waits synchronously, the round trips
    (RTT_US each) and Redis's own time; one Redis shard runs one thread."""
    per_mix: dict[str, Any] = {}
    for mix in ("b", "c"):
        cost = summary.get(REDIS, {}).get(mix)
        if not cost or cost.get("redis_cpu_us") is None:
            continue
        trips = cost.get("round_trips") or 0.0
        worker_us = cost["mock_cpu_us"] + trips * RTT_US + cost["redis_cpu_us"]
        by_ops = min(budget.values()) / cost["redis_commands"] if budget else None
        per_mix[mix] = {
            "worker_us": round(worker_us, 1),
            "worker_rps": round(1e6 / worker_us),
            "shard_rps": round(1e6 / cost["redis_cpu_us"]),
            "shard_rps_by_ops": round(by_ops) if by_ops else None,
        }
    # A commit is also applied by every other worker that holds the namespace (it catches up
    # at its next call there): with 2 workers, each write's CPU is its own plus one catch-up.
    two = summary.get(WORKERS, {}).get("c", {}).get("mock_cpu_us")
    one = summary.get(REDIS, {}).get("c", {}).get("mock_cpu_us")
    catch_up_us = max(0.0, two - one) if two is not None and one is not None else None
    rows = []
    for hosts in HOSTS:
        workers = hosts * HOST_CORES
        row: dict[str, Any] = {"hosts": hosts, "workers": workers}
        for mix, m in per_mix.items():
            served = workers * m["worker_rps"]
            row[mix] = {
                "mock_side": served,
                "shards": math.ceil(served / m["shard_rps"]),
                # one namespace lives on one shard; its writes also serialize (one commit at a
                # time wins), so they never beat one worker
                "one_namespace": min(served, m["shard_rps"])
                if mix == "b"
                else min(served, m["shard_rps"], m["worker_rps"]),
            }
            if mix == "c" and catch_up_us is not None:
                busy_us = m["worker_us"] + (workers - 1) * catch_up_us
                row[mix]["everywhere"] = round(workers * 1e6 / busy_us)
        rows.append(row)
    return {
        "rtt_us": RTT_US,
        "cores": HOST_CORES,
        "catch_up_us": catch_up_us,
        "per_mix": per_mix,
        "rows": rows,
    }
