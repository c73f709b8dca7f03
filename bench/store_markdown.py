"""bench/results/store.md: bench/store.py's tables, its targets and the hosts table, in Markdown."""

from __future__ import annotations

import json
from pathlib import Path

from bench.report import BUSY_LOAD
from bench.store_report import MIX_TITLES, Result


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


LEVEL_TITLES = {
    "small": "small, before the big one was filled",
    "big": "big",
    "small_after": "small, alternating with the big one",
}


def _latency_table(result: Result) -> str:
    latency = result.get("latency", {})
    if not latency:
        return ""
    rows = [
        "| store | namespace | sessions in it | write p50 ms | write p99 ms | writes/s "
        "| mock CPU µs/write | Redis CPU µs/write |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for key, row in latency.items():
        for level, title in LEVEL_TITLES.items():
            r = row.get(level)
            if r is None:
                continue
            rows.append(
                f"| {result['titles'][key]} | {title} | {r['sessions']:,} "
                f"| {_fmt(r['p50_ms'], 2)} | {_fmt(r['p99_ms'], 2)} | {_fmt(r['rps'], 0)} "
                f"| {_fmt(r.get('mock_cpu_us'), 0)} | {_fmt(r.get('redis_cpu_us'), 0)} |"
            )
    s = result["settings"]
    seeded = result.get("sizes", {}).get("seeding", {})
    how = ", ".join(
        f"{result['titles'][k]} {v['sessions']:,} in {v['seconds']:.0f} s"
        for k, v in seeded.items()
    )
    return (
        "World writes (`POST /sessions`, 1 connection) as the namespace grows: medians of "
        f"{s['batches']} batches of {s['batch']} writes per store and namespace, memory and Redis "
        "servers up side by side, batches interleaved. Each small batch writes into a namespace "
        "of its own; the big namespace was filled through `POST /sessions` (wrk, 8 connections, "
        f"both servers at once: {how}). CPU per write as for the mixes.\n\n" + "\n".join(rows)
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
        "| (c) writes/s | Redis shards for it | (c) one namespace "
        "| (c) writes/s, every namespace on every worker |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
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
        everywhere = row.get("c", {}).get("everywhere")
        cells.append(f"{everywhere:,}" if everywhere is not None else "–")
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
    catch_up = hosts.get("catch_up_us")
    if catch_up is not None:
        lines.append(
            "- a commit is also applied by every other worker that holds the namespace, at its "
            f"next call there: {catch_up:,.0f} µs of CPU per commit and worker (2 workers' CPU "
            "per write minus one's). The columns (c) writes/s and shards assume each namespace's "
            "calls reach few workers; the last column assumes the balancer sends every "
            "namespace's calls to all W workers: W × 10⁶ ÷ (worker's µs + (W − 1) × catch-up µs)"
        )
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
        "- Otherwise hosts add workers linearly (no lock but Redis's); the load balancer and the"
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
