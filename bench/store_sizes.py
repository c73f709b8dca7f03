"""World write latency as a namespace grows, memory beside Redis (bench/store.py, point 3)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from bench import load, servers, store_report
from bench.mixes import PROBE, in_namespace
from bench.store_bench import LASTING_WRITE, MEASURE_ERRORS, SERVERS, SPEC, Bench, failed
from bench.store_cost import SETTLE_S

# ---- write latency as the namespace grows -----------------------------------------------------


def measure_sizes(bench: Bench, scenarios: Path) -> dict[str, Any]:
    """Write p50/p99 at 1 connection with few and with many sessions in the namespace, memory and
    Redis side by side (both servers up at once, batches interleaved). A small-namespace batch
    writes into a namespace of its own, filled to the small size first; the big namespace is
    filled through `POST /sessions` by wrk, both stores at once. Small batches run before the big
    namespace exists (`small`) and again after, alternating with the big ones (`small_after`), so
    that what the namespace's size costs is told apart from what the process's size and the
    machine's load of the moment cost."""
    plan, client = bench.plan, bench.client()
    big = plan.sizes[1]
    client.flushall()
    keys = ("mock", "mock-redis")
    out: dict[str, Any] = {key: {"small": [], "big": [], "small_after": []} for key in keys}
    try:
        with (
            servers.started(bench.server(keys[0], scenarios), SPEC, PROBE, bench.log("sz-m")) as m,
            servers.started(bench.server(keys[1], scenarios), SPEC, PROBE, bench.log("sz-r")) as r,
        ):
            running = {keys[0]: m, keys[1]: r}
            for number in range(plan.batches):
                for key in keys:
                    out[key]["small"].append(small_batch(bench, running[key], f"small-{number}"))
            out["seeding"] = seed_both(bench, running, "bench-big", big)
            held = {key: out["seeding"][key]["sessions"] for key in keys}
            for number in range(plan.batches):
                for key in keys:
                    sample = batch(bench, running[key], "bench-big", held[key])
                    held[key] += sample["writes"]
                    out[key]["big"].append(sample)
                    after = small_batch(bench, running[key], f"small-after-{number}")
                    out[key]["small_after"].append(after)
    except MEASURE_ERRORS as exc:
        failed(bench, "write latency as the namespace grows", exc)
    return out


def small_batch(bench: Bench, running: servers.Running, name: str) -> dict[str, Any]:
    namespace = f"bench-{name}"
    sessions = fill(bench, running, namespace, bench.plan.sizes[0])
    return batch(bench, running, namespace, sessions)


def sessions_in(running: servers.Running, namespace: str) -> int:
    """Sessions the consumer's workspace holds in `namespace` (X-Lx-Next-Cursor pages aside, the
    world's own count is what `GET /__mock/world` reports)."""
    status, body = servers.request(running.port, _world_probe(namespace))
    if status != 200:
        raise ValueError(f"GET /__mock/world answered {status}: {body[:200]!r}")
    return store_report.count_sessions(body)


def _world_probe(namespace: str) -> load.Mix:
    return in_namespace(load.Mix("w", "world", "GET", "/__mock/world"), namespace)


def fill(
    bench: Bench, running: servers.Running, namespace: str, target: int, connections: int = 1
) -> int:
    """Write until the namespace holds about `target` sessions; how many it holds."""
    write = in_namespace(LASTING_WRITE, namespace)
    servers.request(running.port, write)  # builds the namespace's world from the fixture
    have = sessions_in(running, namespace)
    if target > have:
        work = bench.work / running.server.key  # one wrk script folder per server: seeds overlap
        work.mkdir(exist_ok=True)
        limit_s = 60 + (target - have) / 100  # never below 100 writes a second
        load.send_count(running.base_url, write, target - have, connections, work, limit_s)
    return sessions_in(running, namespace)


def batch(bench: Bench, running: servers.Running, namespace: str, sessions: int) -> dict[str, Any]:
    """`plan.batch` writes one after another (wrk, 1 connection) into a namespace of `sessions`,
    with the CPU they cost the mock and (for the mock on Redis) Redis."""
    write = in_namespace(LASTING_WRITE, namespace)
    work = bench.work / running.server.key
    work.mkdir(exist_ok=True)
    on_redis = SERVERS[running.server.key][1]
    redis_pid = bench.redis_server.process.pid
    mock_before, redis_before = servers.tree_cpu_s(running.process.pid), servers.cpu_s(redis_pid)
    found = load.send_count(running.base_url, write, bench.plan.batch, 1, work, 120)
    time.sleep(SETTLE_S)
    mock_s = servers.tree_cpu_s(running.process.pid) - mock_before
    redis_s = servers.cpu_s(redis_pid) - redis_before
    if found.bad_status or found.socket_errors:
        raise ValueError(f"{running.server.key}: {found.bad_status} non-2xx answers to writes")
    per = max(found.requests, 1)
    return {
        "sessions": sessions,
        "writes": found.requests,
        **found.as_dict(),
        "mock_cpu_us": round(mock_s / per * 1e6, 1),
        "redis_cpu_us": round(redis_s / per * 1e6, 1) if on_redis else None,
    }


def seed_both(
    bench: Bench, running: dict[str, servers.Running], namespace: str, target: int
) -> dict[str, Any]:
    """Fill the big namespace in both servers at once (one wrk each, 8 connections)."""
    found: dict[str, Any] = {}
    errors: list[Exception] = []

    def seed(key: str) -> None:
        begin = time.perf_counter()
        try:
            sessions = fill(bench, running[key], namespace, target, connections=8)
        except MEASURE_ERRORS as exc:
            errors.append(exc)
            return
        seconds = time.perf_counter() - begin
        found[key] = {"sessions": sessions, "seconds": round(seconds, 1)}
        bench.say(f"seeded {key}: {sessions:,} sessions in {seconds:.0f} s")

    threads = [threading.Thread(target=seed, args=(key,)) for key in running]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return found
