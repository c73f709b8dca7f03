"""The shared store's cost (issue 14, point 7): the mock on Redis beside the mock in memory.

    .venv/bin/python bench/store.py            # about 6 minutes on 2 cores (make bench runs it)
    .venv/bin/python bench/store.py --rounds 3 # about 7; --big 30000 fills a smaller namespace
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
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, report, servers, store_markdown, store_report, world
from bench.mixes import MIXES, PROBE, in_namespace
from bench.store_bench import (
    MEASURE_ERRORS,
    SCENARIOS,
    SERVERS,
    SPEC,
    Bench,
    Plan,
    Progress,
    failed,
)
from bench.store_cost import SETTLE_S, Usage, redis_budget, round_trips
from bench.store_sizes import measure_sizes


def main(argv: list[str] | None = None) -> int:
    plan = parse_plan(argv)
    if servers.missing_tools(()) or not servers.REDIS_SERVER.is_file():
        print(
            "bench/store: wrk or redis-server is missing; run: bash bench/setup.sh", file=sys.stderr
        )
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
    json_path, md_path = store_markdown.write(result, plan.out)
    print(store_markdown.markdown(result))
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


def _rounded(values: tuple[float, float, float]) -> list[float]:
    return [round(v, 2) for v in values]


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
            time.sleep(SETTLE_S)
            before = Usage.take(running, mix, client if shared else None, bench.redis_server)
            fifty = load.run(running.base_url, mix, 50, plan.duration_s, bench.work, bench.wrk_log)
            time.sleep(SETTLE_S)
            after = Usage.take(running, mix, client if shared else None, bench.redis_server)
            cost = after.minus(before, plan.duration_s)
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


if __name__ == "__main__":
    sys.exit(main())
