"""The shared store's cost (issue 14, point 7): the mock on Redis beside the mock in memory.

    .venv/bin/python bench/store.py            # about 6 minutes on 2 cores (make bench runs it)
    .venv/bin/python bench/store.py --quick    # a 1-minute sanity run into results/quick/

Starts its own redis-server (Debian's, a free loopback port, a temporary folder, nothing kept on
disk) and measures, on the same cores as wrk and Redis:
1. mixes (b) world read and (c) world write at 50 connections, in interleaved rounds, for one
   process in memory (`mock`), one process on Redis (`mock-redis`) and 2 workers on Redis
   (`mock-redis-2w`); Redis is emptied before each server starts;
2. what each request costs: the mock's CPU (utime + stime of the process and its workers, from
   /proc), Redis's CPU, Redis commands (INFO stats), and round trips (a short MONITOR sample);
3. world write latency (1 connection) in a namespace of 10 and of 100,000 sessions, memory and
   Redis side by side; the big namespace is filled through `POST /sessions` (wrk);
4. the issue's targets, and what N hosts behind a load balancer would serve (store_report.py).
Results: bench/results/store.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from bench import load, report, servers, store_report, world
from bench.mixes import MIXES, PROBE, WORLD_WRITE, in_namespace

SPEC = servers.ROOT / "openapi.json"
SCENARIOS = servers.ROOT / "mockserver" / "luxxon" / "scenarios"
RESULTS = servers.BENCH / "results"
SERVERS = {  # key: (title, on Redis, workers)
    "mock": ("one process, memory", False, 1),
    "mock-redis": ("one process, Redis", True, 1),
    "mock-redis-2w": ("2 workers, Redis", True, 2),
}
# The write of the latency test waits an hour for an operator, so that no session of the big
# namespace expires while it is measured (mix (c) waits the default 300 s).
LASTING_WRITE = replace(WORLD_WRITE, body={**WORLD_WRITE.body, "waitTimeoutSeconds": 3600})


@dataclass(frozen=True)
class Plan:
    rounds: int = 3
    duration_s: int = 4
    warmup_s: int = 1
    sizes: tuple[int, int] = (10, 100_000)
    batch: int = 300  # writes per latency sample
    batches: int = 3  # samples per store and size, interleaved memory / Redis
    sample: int = 200  # requests under MONITOR to count round trips
    out: Path = field(default=RESULTS)

    @classmethod
    def quick(cls) -> Plan:
        return cls(1, 1, 1, (10, 2_000), 100, 2, 100, RESULTS / "quick")


@dataclass(frozen=True)
class Bench:
    plan: Plan
    redis: servers.RedisServer
    work: Path
    raw: Path
    say: Any
    problems: list[str] = field(default_factory=list)

    def log(self, name: str) -> Path:
        return self.raw / f"{name}.log"

    @property
    def wrk_log(self) -> Path:
        return self.raw / "wrk-store.log"

    def client(self) -> redis.Redis:
        return redis.Redis(host=servers.HOST, port=self.redis.port, socket_timeout=30)

    def server(self, key: str, scenarios: Path) -> servers.Server:
        title, shared, workers = SERVERS[key]
        store = self.redis.url if shared else None
        return servers.mock_server(scenarios, key=key, title=title, store=store, workers=workers)


def main(argv: list[str] | None = None) -> int:
    plan = parse_plan(argv)
    if servers.missing_tools(()) or not servers.REDIS_SERVER.is_file():
        print("bench/store: wrk or redis-server is missing; run: bash bench/setup.sh")
        return 2
    say = Progress()
    load_at_start = os.getloadavg()
    raw = plan.out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="bench-store-") as work,
        servers.redis_server(raw / "redis.log") as running_redis,
    ):
        bench = Bench(plan, running_redis, Path(work), raw, say)
        scenarios = world.rich_copy(SCENARIOS, "default", bench.work / "scenarios")
        budget = redis_budget(bench)
        rounds = compare(bench, scenarios)
        sizes = measure_sizes(bench, scenarios)
        redis_version = bench.client().info("server")["redis_version"]
    result = {
        "machine": {
            **report.machine(None),
            "redis": redis_version,
            "load_average": {"start": _rounded(load_at_start), "end": _rounded(os.getloadavg())},
        },
        "settings": {k: v for k, v in asdict(plan).items() if k != "out"},
        "titles": {key: title for key, (title, _, _) in SERVERS.items()},
        "redis_budget": budget,
        "rounds": rounds,
        "sizes": sizes,
        "problems": bench.problems,
        "elapsed_s": round(say.elapsed_s, 1),
    }
    store_report.complete(result)
    json_path, md_path = store_report.write(result, plan.out)
    print(store_report.markdown(result))
    say(f"wrote {json_path} and {md_path}")
    return 1 if bench.problems else 0


def parse_plan(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a 1-minute sanity run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds of the mixes")
    parser.add_argument("--big", type=int, help="sessions in the big namespace (100,000)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    plan = Plan.quick() if quick else Plan()
    if args.rounds:
        plan = replace(plan, rounds=max(1, args.rounds))
    if args.big:
        plan = replace(plan, sizes=(plan.sizes[0], max(plan.sizes[0] + 1, args.big)))
    return replace(plan, out=args.out) if args.out else plan


class Progress:
    def __init__(self) -> None:
        self.begin = time.perf_counter()

    def __call__(self, text: str) -> None:
        print(f"[{self.elapsed_s:6.1f}s] store: {text}", file=sys.stderr, flush=True)

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.begin


def _rounded(values: tuple[float, float, float]) -> list[float]:
    return [round(v, 2) for v in values]


MEASURE_ERRORS = (servers.ServerError, load.LoadError, redis.RedisError, OSError, ValueError)


# ---- Redis's own budget -----------------------------------------------------------------------


def redis_budget(bench: Bench) -> dict[str, float]:
    """`redis-benchmark -q -t get,set -n 100000` (50 clients, no pipelining): GET and SET per
    second on one Redis thread, with the benchmark on the same cores."""
    argv = ["redis-benchmark", "-h", servers.HOST, "-p", str(bench.redis.port), "-q"]
    text = subprocess.run(
        [*argv, "-t", "get,set", "-n", "100000"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = store_report.parse_redis_benchmark(text)
    bench.client().flushall()
    bench.say(f"redis-benchmark: {found}")
    return found


# ---- mixes (b) and (c), interleaved -----------------------------------------------------------


def compare(bench: Bench, scenarios: Path) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {key: [] for key in SERVERS}
    for number in range(1, bench.plan.rounds + 1):
        for key in SERVERS:
            try:
                found[key].append(measure_round(bench, bench.server(key, scenarios), number))
            except MEASURE_ERRORS as exc:
                failed(bench, f"round {number}, {key}", exc)
    return found


def measure_round(bench: Bench, server: servers.Server, number: int) -> dict[str, Any]:
    plan, client = bench.plan, bench.client()
    shared = SERVERS[server.key][1]
    client.flushall()  # every server starts on an empty Redis
    with servers.started(server, SPEC, PROBE, bench.log(server.key)) as running:
        if SERVERS[server.key][2] > 1:
            time.sleep(1.5)  # the probe's 200 came from one worker; let the others finish starting
        measured: dict[str, Any] = {}
        for key in ("b", "c"):
            mix = MIXES[key]
            if key == "c":  # a fresh namespace per round: each round writes into a new world
                mix = in_namespace(mix, f"bench-store-{number}")
            status = servers.request_status(running.port, mix)
            if plan.warmup_s:
                load.run(running.base_url, mix, 50, plan.warmup_s, bench.work)
            before = Usage.take(running, client if shared else None, bench.redis)
            fifty = load.run(running.base_url, mix, 50, plan.duration_s, bench.work, bench.wrk_log)
            after = Usage.take(running, client if shared else None, bench.redis)
            cost = after.minus(before, fifty.requests, plan.duration_s)
            if shared:
                cost["round_trips"] = round_trips(bench, running, mix)
            measured[key] = {"status": status, "c50": fifty.as_dict(), "cost": cost}
        bench.say(
            f"round {number}/{plan.rounds} {server.key}: "
            + ", ".join(
                f"{k} {m['c50']['rps']:,.0f} req/s ({m['status']}, "
                f"{m['cost']['mock_cpu_us']:.0f} µs CPU/req)"
                for k, m in measured.items()
            )
        )
    return {"startup_s": running.startup_s, "mixes": measured}


@dataclass(frozen=True)
class Usage:
    """CPU seconds so far of the mock (all its processes) and of Redis, and Redis's counters."""

    mock_cpu_s: float
    redis_cpu_s: float | None
    commands: int | None
    calls: dict[str, int]

    @classmethod
    def take(cls, running: servers.Running, client: redis.Redis | None, redis_server: Any) -> Usage:
        mock = servers.tree_cpu_s(running.process.pid)
        if client is None:
            return cls(mock, None, None, {})
        total = int(client.info("stats")["total_commands_processed"])
        calls = {
            name.removeprefix("cmdstat_"): int(stats["calls"])
            for name, stats in client.info("commandstats").items()
        }
        return cls(mock, servers.cpu_s(redis_server.process.pid), total, calls)

    def minus(self, before: Usage, requests: int, duration_s: float) -> dict[str, Any]:
        per = max(requests, 1)
        cost: dict[str, Any] = {
            "requests": requests,
            "mock_cpu_us": round((self.mock_cpu_s - before.mock_cpu_s) / per * 1e6, 1),
            "mock_cpu_share": round((self.mock_cpu_s - before.mock_cpu_s) / duration_s, 2),
        }
        if self.redis_cpu_s is None or before.redis_cpu_s is None:
            return cost
        assert self.commands is not None and before.commands is not None
        # The two INFO calls themselves count too: 2 commands in thousands of requests.
        cost["redis_cpu_us"] = round((self.redis_cpu_s - before.redis_cpu_s) / per * 1e6, 1)
        cost["redis_commands"] = round((self.commands - before.commands - 2) / per, 2)
        cost["by_command"] = {
            name: round((n - before.calls.get(name, 0)) / per, 2)
            for name, n in sorted(self.calls.items())
            if n - before.calls.get(name, 0) > per // 100 and not name.startswith("info")
        }
        return cost


def round_trips(bench: Bench, running: servers.Running, mix: load.Mix) -> float | None:
    """Commands the mock sends Redis per request (not those its scripts run), counted with
    MONITOR over a short sample at 10 connections: MONITOR slows Redis, so it is never on during
    a measured run."""
    log = bench.raw / "monitor.log"
    argv = ["redis-cli", "-h", servers.HOST, "-p", str(bench.redis.port), "monitor"]
    with log.open("w") as out:
        monitor = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL)
    try:
        deadline = time.perf_counter() + 5
        while log.stat().st_size == 0 and time.perf_counter() < deadline:  # "OK" once it is on
            time.sleep(0.02)
        sent = load.send_count(running.base_url, mix, bench.plan.sample, 10, bench.work, 60)
        time.sleep(0.3)  # the last commands reach the monitor
    finally:
        monitor.terminate()
        monitor.wait(timeout=10)
    return store_report.monitor_round_trips(log.read_text(errors="replace"), sent.requests)


def failed(bench: Bench, what: str, exc: Exception) -> None:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    bench.problems.append(f"{what}: {first} (logs in {bench.raw})")
    bench.say(f"FAILED {what}: {exc}")


# ---- write latency as the namespace grows -----------------------------------------------------


def measure_sizes(bench: Bench, scenarios: Path) -> dict[str, Any]:
    """Write p50/p99 at 1 connection with few and with many sessions in the namespace, memory and
    Redis side by side (both servers up at once, batches interleaved). A small-namespace batch
    writes into a namespace of its own, filled to the small size first; the big namespace is
    filled through `POST /sessions` by wrk, both stores at once."""
    plan, client = bench.plan, bench.client()
    small, big = plan.sizes
    client.flushall()
    keys = ("mock", "mock-redis")
    out: dict[str, Any] = {key: {"small": [], "big": []} for key in keys}
    try:
        with (
            servers.started(
                bench.server(keys[0], scenarios), SPEC, PROBE, bench.log("sz-mem")
            ) as m,
            servers.started(bench.server(keys[1], scenarios), SPEC, PROBE, bench.log("sz-rd")) as r,
        ):
            running = {keys[0]: m, keys[1]: r}
            for number in range(plan.batches):
                namespace = f"bench-small-{number}"
                for key in keys:
                    sessions = fill(bench, running[key], namespace, small)
                    out[key]["small"].append(batch(bench, running[key], namespace, sessions))
            out["seeding"] = seed_both(bench, running, "bench-big", big)
            held = {key: out["seeding"][key]["sessions"] for key in keys}
            for _ in range(plan.batches):
                for key in keys:
                    sample = batch(bench, running[key], "bench-big", held[key])
                    held[key] += sample["writes"]
                    out[key]["big"].append(sample)
    except MEASURE_ERRORS as exc:
        failed(bench, "write latency as the namespace grows", exc)
    return out


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
    """`plan.batch` writes one after another (wrk, 1 connection) into a namespace of `sessions`."""
    write = in_namespace(LASTING_WRITE, namespace)
    work = bench.work / running.server.key
    work.mkdir(exist_ok=True)
    found = load.send_count(running.base_url, write, bench.plan.batch, 1, work, 120)
    if found.bad_status or found.socket_errors:
        raise ValueError(f"{running.server.key}: {found.bad_status} non-2xx answers to writes")
    return {"sessions": sessions, "writes": found.requests, **found.as_dict()}


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


if __name__ == "__main__":
    sys.exit(main())
