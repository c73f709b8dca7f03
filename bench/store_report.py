"""bench/store.py's numbers made readable: medians, the issue's targets, what N hosts would serve,
and the Markdown tables of bench/results/store.md."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from bench.report import BUSY_LOAD, median

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
        for name, rate in re.findall(r"^(GET|SET): ([\d.]+) requests per second", text, re.M)
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


def _latency(sizes: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in (MEMORY, REDIS):
        samples = sizes.get(key, {})
        if not samples.get("small") or not samples.get("big"):
            continue
        row = {}
        for level in ("small", "big"):
            found = samples[level]
            row[level] = {
                "sessions": int(median(s["sessions"] for s in found)),
                "p50_ms": median(s["p50_ms"] for s in found),
                "p99_ms": median(s["p99_ms"] for s in found),
                "rps": median(s["rps"] for s in found),
            }
        row["p50_ratio"] = _ratio(row["big"]["p50_ms"], row["small"]["p50_ms"])
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
    for key, goal in ((REDIS, "≤ 1.2"), (MEMORY, None)):
        row = latency.get(key)
        if row is None:
            continue
        where = "Redis" if key == REDIS else "memory, for comparison"
        value = row["p50_ratio"]
        add(
            f"write p50 at {row['big']['sessions']:,} ÷ at {row['small']['sessions']:,} "
            f"sessions (1 conn.), {where}",
            value,
            goal,
            value is not None and value <= 1.2,
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
    rows = []
    for hosts in HOSTS:
        row: dict[str, Any] = {"hosts": hosts, "workers": hosts * HOST_CORES}
        for mix, m in per_mix.items():
            served = hosts * HOST_CORES * m["worker_rps"]
            row[mix] = {
                "mock_side": served,
                "shards": math.ceil(served / m["shard_rps"]),
                # one namespace lives on one shard; its writes also serialize (one commit at a
                # time wins), so they never beat one worker
                "one_namespace": min(served, m["shard_rps"])
                if mix == "b"
                else min(served, m["shard_rps"], m["worker_rps"]),
            }
        rows.append(row)
    return {"rtt_us": RTT_US, "cores": HOST_CORES, "per_mix": per_mix, "rows": rows}


# ---- Markdown ---------------------------------------------------------------------------------


def markdown(result: Result) -> str:
    parts = [
        _machine_line(result),
        _mix_table(result),
        _latency_table(result),
        _target_table(result),
        _hosts_table(result),
    ]
    problems = result.get("problems") or []
    if problems:
        parts.append("Problems (measurements missing):\n\n" + "\n".join(f"- {p}" for p in problems))
    return "\n\n".join(p for p in parts if p) + "\n"


def _fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _machine_line(result: Result) -> str:
    m, s = result["machine"], result["settings"]
    start, end = m["load_average"]["start"][0], m["load_average"]["end"][0]
    line = (
        f"Measured {m['date']} at {m['commit']} on {m['cores']} cores ({m['cpu']}), Linux "
        f"{m['kernel']}; Python {m['python']}, uvicorn {m['uvicorn']}, Redis {m['redis']} "
        f"(`--save '' --appendonly no`), {m['wrk']}. wrk, Redis and the mock share the same "
        f"{m['cores']} cores. Mixes: medians of {s['rounds']} interleaved rounds, "
        f"{s['duration_s']} s at 50 connections after a {s['warmup_s']} s warm-up; Redis emptied "
        "before each server starts; (c) writes into a fresh namespace each round. "
        f"1-minute load average {start:.1f} at start, {end:.1f} at the end"
    )
    if max(start, end) > BUSY_LOAD:
        line += ": **the machine was busy** (other work shared the cores), expect noise"
    return line + "."


def _mix_table(result: Result) -> str:
    rows = [
        "| mix | server | req/s | p50 ms | p99 ms | statuses | errors | mock CPU µs/req "
        "| Redis CPU µs/req | Redis commands/req | round trips/req |",
        "|---|---|--:|--:|--:|---|--:|--:|--:|--:|--:|",
    ]
    for mix, title in MIX_TITLES.items():
        for server, summary in result["summary"].items():
            m = summary.get(mix)
            if m is None:
                continue
            rows.append(
                f"| {title} | {result['titles'][server]} | {_fmt(m['c50']['rps'], 0)} "
                f"| {_fmt(m['c50']['p50_ms'], 2)} | {_fmt(m['c50']['p99_ms'], 2)} "
                f"| {', '.join(map(str, m['statuses']))} | {m['errors']} "
                f"| {_fmt(m['mock_cpu_us'], 0)} | {_fmt(m['redis_cpu_us'], 0)} "
                f"| {_fmt(m['redis_commands'], 1)} | {_fmt(m['round_trips'], 1)} |"
            )
    note = (
        "\n\nmock CPU: utime + stime of the mock's processes (both workers and their parent) over"
        " the measured run ÷ requests; Redis CPU: the same for redis-server; Redis commands:"
        " `total_commands_processed` (scripts' inner commands included) ÷ requests; round trips:"
        " commands the mock sent (MONITOR, a separate sample of"
        f" {result['settings']['sample']} requests at 10 connections)."
    )
    return "\n".join(rows) + note


def _latency_table(result: Result) -> str:
    latency = result.get("latency", {})
    if not latency:
        return ""
    rows = [
        "| store | sessions in the namespace | write p50 ms | write p99 ms | writes/s (1 conn.) |",
        "|---|--:|--:|--:|--:|",
    ]
    for key, row in latency.items():
        for level in ("small", "big"):
            r = row[level]
            rows.append(
                f"| {result['titles'][key]} | {r['sessions']:,} | {_fmt(r['p50_ms'], 2)} "
                f"| {_fmt(r['p99_ms'], 2)} | {_fmt(r['rps'], 0)} |"
            )
    s = result["settings"]
    seeded = result.get("sizes", {}).get("seeding", {})
    how = ", ".join(
        f"{result['titles'][k]} {v['sessions']:,} in {v['seconds']:.0f} s"
        for k, v in seeded.items()
    )
    return (
        "World writes (`POST /sessions`, 1 connection) as the namespace grows: medians of "
        f"{s['batches']} batches of {s['batch']} writes per store and size, memory and Redis "
        "servers up side by side, batches interleaved. Each small batch writes into a namespace "
        "of its own; the big namespace was filled through `POST /sessions` (wrk, 8 connections, "
        f"both servers at once: {how}).\n\n" + "\n".join(rows)
    )


def _target_table(result: Result) -> str:
    rows = ["| target | measured | goal | |", "|---|--:|---|---|"]
    for t in result.get("targets", []):
        verdict = {True: "met", False: "**missed**", None: "–"}[t["met"]]
        rows.append(
            f"| {t['target']} | {_fmt(t['measured'], 2)} | {t['goal'] or '–'} | {verdict} |"
        )
    return "Targets (issue 14, point 7):\n\n" + "\n".join(rows)


def _hosts_table(result: Result) -> str:
    hosts = result.get("hosts", {})
    per_mix = hosts.get("per_mix", {})
    if not per_mix:
        return ""
    rows = [
        "| hosts × cores | workers | (b) reads/s | Redis shards for it | (b) one namespace "
        "| (c) writes/s | Redis shards for it | (c) one namespace |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in hosts["rows"]:
        cells = [f"{row['hosts']} × {hosts['cores']}", str(row["workers"])]
        for mix in ("b", "c"):
            m = row.get(mix)
            cells += (
                [f"{m['mock_side']:,}", str(m["shards"]), f"{m['one_namespace']:,}"]
                if m
                else ["–"] * 3
            )
        rows.append("| " + " | ".join(cells) + " |")
    budget = result.get("redis_budget", {})
    lines = [
        f"- mix ({mix}): a worker spends {m['worker_us']:,.0f} µs per request (its CPU, plus "
        f"round trips × {hosts['rtt_us']:.0f} µs and Redis's time, which its synchronous client "
        f"waits for): {m['worker_rps']:,} req/s; one Redis shard (one thread) serves "
        f"{m['shard_rps']:,} req/s by its measured CPU per request"
        + (
            f", {m['shard_rps_by_ops']:,} by redis-benchmark's ops/s"
            if m["shard_rps_by_ops"]
            else ""
        )
        for mix, m in per_mix.items()
    ]
    return (
        f"N hosts behind a load balancer, {hosts['cores']} workers each, one Redis (Cluster), "
        "computed from the per-request costs above (one process on Redis):\n\n"
        + "\n".join(rows)
        + "\n\nAssumptions:\n"
        + "\n".join(lines)
        + f"\n- redis-benchmark here (50 clients, same cores): {_ops(budget)}.\n"
        '- Namespaces hash to shards (`{ns}` tags): "Redis shards for it" holds when the'
        " traffic spreads over many namespaces. One namespace lives on one shard, so it never"
        " gets more than one shard; its writes also serialize (each commit checks the version"
        " it read; a loser syncs and runs again), so they never beat one worker.\n"
        "- Hosts scale linearly in workers (no shared lock but Redis); the load balancer and the"
        " network are not the limit."
    )


def _ops(budget: dict[str, float]) -> str:
    return ", ".join(f"{k.upper()} {v:,.0f}/s" for k, v in budget.items()) or "not measured"


def write(result: Result, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / "store.json", folder / "store.md"
    json_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(result))
    return json_path, md_path
