"""`make bench`: this mock beside Prism and a bare ASGI limit, then how the mock's cost grows.

    .venv/bin/python bench/run.py                 # full run, about 10 minutes on 2 cores
    BENCH_QUICK=1 .venv/bin/python bench/run.py   # a sanity run (results/quick/; README says how long)
    .venv/bin/python bench/run.py --help          # rounds, durations, which servers and mixes

Servers run one at a time, interleaved A B C A B C, each started afresh every round on a free
127.0.0.1 port; traffic goes nowhere else. Results go to bench/results/latest.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, report, servers, specs, store, world
from bench.mixes import MIXES, PROBE, WORLD_WRITE, in_namespace, read_session

SPEC = servers.ROOT / "openapi.json"
SCENARIOS = servers.ROOT / "mockserver" / "luxxon" / "scenarios"
RESULTS = servers.BENCH / "results"
ALL_SERVERS = ("mock", "prism", "prism-quiet", "asgi", "starlette")
LIMITS = ("asgi", "starlette")  # serve one static body: only mix (a) means anything for them
WORLD_NAMESPACE = "bench-scale"


@dataclass(frozen=True)
class Plan:
    rounds: int = 3
    duration_s: int = 4
    warmup_s: int = 1
    idle_s: float = 2.0  # settle time before reading idle RSS
    servers: tuple[str, ...] = ALL_SERVERS
    mixes: tuple[str, ...] = ("a", "b", "c")
    spec_sizes: tuple[int, ...] = (35, 350, 3500)
    world_sizes: tuple[int, ...] = (10, 10_000, 100_000)
    scale: bool = True
    store: bool = True  # then bench/store.py: the mock on Redis beside the mock in memory
    sanity: bool = False  # the quick run: bench/store.py runs its quick run too
    out: Path = field(default=RESULTS)

    @classmethod
    def quick(cls) -> Plan:
        """A sanity run; its results go beside, not over, the full run's."""
        return cls(
            rounds=1,
            duration_s=1,
            warmup_s=1,
            idle_s=1.0,
            spec_sizes=(35, 350),
            world_sizes=(10, 1_000),
            sanity=True,
            out=RESULTS / "quick",
        )


class Progress:
    def __init__(self) -> None:
        self.begin = time.perf_counter()

    def __call__(self, text: str) -> None:
        print(f"[{time.perf_counter() - self.begin:6.1f}s] {text}", file=sys.stderr, flush=True)

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.begin


@dataclass(frozen=True)
class Bench:
    plan: Plan
    work: Path  # Lua scripts, generated specs and fixtures
    raw: Path  # server logs, wrk output
    say: Progress
    problems: list[str] = field(default_factory=list)  # what failed; the run goes on without it

    def log(self, name: str) -> Path:
        return self.raw / f"{name}.log"

    def failed(self, what: str, exc: Exception) -> None:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        self.problems.append(f"{what}: {first} (log in {self.raw})")
        self.say(f"FAILED {what}: {exc}")


MEASURE_ERRORS = (servers.ServerError, load.LoadError, OSError, ValueError, KeyError)


def main(argv: list[str] | None = None) -> int:
    plan = parse_plan(argv)
    missing = servers.missing_tools(plan.servers)
    if missing:
        print(f"bench: {missing}; run: bash bench/setup.sh", file=sys.stderr)
        return 2
    say = Progress()
    load_at_start = os.getloadavg()[0]
    raw = plan.out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for old in raw.glob("*.log"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        bench = Bench(plan, Path(work), raw, say)
        scenarios = world.rich_copy(SCENARIOS, "default", bench.work / "scenarios")
        chosen = {key: build_server(key, scenarios) for key in plan.servers}
        rounds = compare(bench, chosen)
        scale = measure_scale(bench, chosen) if plan.scale and "mock" in chosen else {}
    summary = {key: report.summarize(found) for key, found in rounds.items() if found}
    result = {
        "machine": {
            **report.machine(prism_version()),
            "load_average": [round(load_at_start, 2), round(os.getloadavg()[0], 2)],
        },
        "settings": {k: v for k, v in asdict(plan).items() if k != "out"},
        "titles": {key: server.title for key, server in chosen.items()},
        "summary": summary,
        "ratios": report.ratios(summary),
        "targets": report.targets(summary, scale),
        "scale": scale,
        "problems": bench.problems,
        "rounds": rounds,
        "elapsed_s": round(say.elapsed_s, 1),
    }
    json_path, md_path = report.write(result, plan.out)
    print(report.markdown(result))
    say(f"wrote {json_path} and {md_path}")
    status = 1 if bench.problems else 0
    if plan.store:  # its own redis-server, servers and tables (results/store.md)
        status = max(status, store.main(["--out", str(plan.out)] + ["--quick"] * plan.sanity))
    return status


def parse_plan(argv: list[str] | None) -> Plan:
    argv = list(sys.argv[1:] if argv is None else argv)
    quick = "--quick" in argv or os.environ.get("BENCH_QUICK") == "1"
    base = Plan.quick() if quick else Plan()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a sanity run: 1 round, 1 s loads, small worlds (BENCH_QUICK=1)",
    )
    parser.add_argument("--rounds", type=int, default=_env_int("BENCH_ROUNDS", base.rounds))
    parser.add_argument(
        "--duration",
        type=int,
        default=_env_int("BENCH_DURATION", base.duration_s),
        help="seconds per measured load (BENCH_DURATION)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=_env_int("BENCH_WARMUP", base.warmup_s),
        help="seconds of warm-up load before each mix, 0 for none (BENCH_WARMUP)",
    )
    parser.add_argument(
        "--servers",
        default=",".join(base.servers),
        help=f"comma-separated, from {', '.join(ALL_SERVERS)}",
    )
    parser.add_argument("--mixes", default=",".join(base.mixes), help="comma-separated: a,b,c")
    parser.add_argument(
        "--spec-sizes",
        default=",".join(map(str, base.spec_sizes)),
        help="operations in the generated specs; empty to skip",
    )
    parser.add_argument(
        "--world-sizes",
        default=",".join(map(str, base.world_sizes)),
        help="sessions in the world for the read-latency scale; empty to skip",
    )
    parser.add_argument("--no-scale", action="store_true", help="skip the scale tables")
    parser.add_argument(
        "--no-store", action="store_true", help="skip bench/store.py (the mock on Redis)"
    )
    parser.add_argument("--out", type=Path, default=base.out)
    return _plan_from(parser.parse_args(argv), base)


def _plan_from(args: argparse.Namespace, base: Plan) -> Plan:
    chosen = tuple(s for s in args.servers.split(",") if s)
    unknown = set(chosen) - set(ALL_SERVERS)
    if unknown:
        raise SystemExit(f"bench: unknown server(s) {', '.join(sorted(unknown))}")
    return Plan(
        rounds=max(1, args.rounds),
        duration_s=max(1, args.duration),
        warmup_s=max(0, args.warmup),
        idle_s=base.idle_s,
        servers=chosen,
        mixes=tuple(m for m in args.mixes.split(",") if m in MIXES),
        spec_sizes=tuple(int(n) for n in args.spec_sizes.split(",") if n),
        world_sizes=tuple(int(n) for n in args.world_sizes.split(",") if n),
        scale=not args.no_scale,
        store=not args.no_store,
        sanity=base.sanity,
        out=args.out,
    )


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def build_server(key: str, scenarios: Path) -> servers.Server:
    if key == "mock":
        return servers.mock_server(scenarios)
    if key in ("prism", "prism-quiet"):
        return servers.prism_server(quiet=key == "prism-quiet")
    return servers.asgi_server() if key == "asgi" else servers.starlette_server()


def prism_version() -> str | None:
    try:
        _, script = servers.PRISM_COMMAND.read_text().split()
        package = Path(script).parent.parent / "package.json"
        return str(json.loads(package.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


# ---- side by side -----------------------------------------------------------------------------


def compare(bench: Bench, chosen: dict[str, servers.Server]) -> dict[str, list[dict[str, Any]]]:
    """Every server once per round, in the same order each round (A B C A B C)."""
    found: dict[str, list[dict[str, Any]]] = {key: [] for key in chosen}
    for number in range(1, bench.plan.rounds + 1):
        for key, server in chosen.items():
            try:
                found[key].append(measure_round(bench, server, number))
            except MEASURE_ERRORS as exc:
                bench.failed(f"round {number}, {server.title}", exc)
    return found


def measure_round(bench: Bench, server: servers.Server, number: int) -> dict[str, Any]:
    plan = bench.plan
    mixes = [k for k in plan.mixes if server.key not in LIMITS or k == "a"]
    with servers.started(server, SPEC, PROBE, bench.log(server.key)) as running:
        time.sleep(plan.idle_s)
        idle_kb = peak_kb = running.rss_kb()
        measured: dict[str, Any] = {}
        for key in mixes:
            mix = MIXES[key]
            if key == "c":  # a fresh namespace per round: each round writes into an empty world
                mix = in_namespace(mix, f"bench-round-{number}")
            measured[key] = measure_mix(bench, running, mix)
            peak_kb = max(peak_kb, running.rss_kb())
        bench.say(
            f"round {number}/{plan.rounds} {server.key}: start-up {running.startup_s:.2f}s, "
            f"idle {idle_kb / 1024:.0f} MB, "
            + ", ".join(
                f"{k} {m['c50']['rps']:,.0f} req/s ({m['status']})" for k, m in measured.items()
            )
        )
    return {
        "startup_s": running.startup_s,
        "idle_rss_kb": idle_kb,
        "loaded_rss_kb": peak_kb,
        "mixes": measured,
    }


def measure_mix(bench: Bench, running: servers.Running, mix: load.Mix) -> dict[str, Any]:
    plan, wrk_log = bench.plan, bench.log("wrk")
    status = servers.request_status(running.port, mix)
    if plan.warmup_s:
        load.run(running.base_url, mix, 50, plan.warmup_s, bench.work)
    one = load.run(running.base_url, mix, 1, plan.duration_s, bench.work, wrk_log)
    fifty = load.run(running.base_url, mix, 50, plan.duration_s, bench.work, wrk_log)
    return {"status": status, "c1": one.as_dict(), "c50": fifty.as_dict()}


# ---- scale ------------------------------------------------------------------------------------


def measure_scale(bench: Bench, chosen: dict[str, servers.Server]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        if bench.plan.spec_sizes:
            out["specs"] = scale_specs(
                bench, [chosen[k] for k in ("mock", "prism-quiet") if k in chosen]
            )
    except MEASURE_ERRORS as exc:
        bench.failed("scale, spec size", exc)
    try:
        if bench.plan.world_sizes:
            out["world"] = scale_world(bench, chosen["mock"])
    except MEASURE_ERRORS as exc:
        bench.failed("scale, world size", exc)
    return out


def scale_specs(bench: Bench, chosen: list[servers.Server]) -> list[dict[str, Any]]:
    """Start-up and idle RSS of each server on bigger and bigger specs (medians of the rounds)."""
    rows = []
    for size in bench.plan.spec_sizes:
        spec, operations = specs.write_scaled(SPEC, size, bench.work)
        samples: dict[str, list[tuple[float, int]]] = {s.key: [] for s in chosen}
        for _ in range(min(bench.plan.rounds, 3)):
            for server in chosen:
                with servers.started(
                    server, spec, PROBE, bench.log(f"{server.key}-scale"), timeout_s=300
                ) as running:
                    time.sleep(bench.plan.idle_s)
                    samples[server.key].append((running.startup_s, running.rss_kb()))
        for server in chosen:
            found = samples[server.key]
            row = {
                "operations": operations,
                "server": server.key,
                "title": server.title,
                "startup_s": report.median([s for s, _ in found]),
                "idle_rss_mb": report.median([kb / 1024 for _, kb in found]),
            }
            rows.append(row)
            bench.say(
                f"scale: {operations} operations, {server.key}: start-up "
                f"{row['startup_s']:.2f}s, idle {row['idle_rss_mb']:.0f} MB"
            )
    return rows


def scale_world(bench: Bench, mock: servers.Server) -> dict[str, Any]:
    """World reads as the number of stored sessions grows; sessions are created through the API."""
    plan = bench.plan
    write = in_namespace(WORLD_WRITE, WORLD_NAMESPACE)
    levels: list[dict[str, Any]] = []
    with servers.started(mock, SPEC, PROBE, bench.log("mock-world")) as running:
        created = 0
        for target in plan.world_sizes:
            if target - created > 1:
                seeded = load.send_count(
                    running.base_url,
                    write,
                    target - created - 1,
                    8,
                    bench.work,
                    limit_s=30 + target / 200,
                )
                created += seeded.requests - seeded.bad_status
            status, body = servers.request(
                running.port, write
            )  # the newest session is the one read
            if status != 200:
                raise ValueError(f"POST /sessions answered {status}: {body[:300]!r}")
            created += 1
            read = read_session(json.loads(body)["data"]["id"], WORLD_NAMESPACE)
            rss_kb = running.rss_kb()
            if plan.warmup_s:
                load.run(running.base_url, read, 50, plan.warmup_s, bench.work)
            one = load.run(running.base_url, read, 1, plan.duration_s, bench.work)
            fifty = load.run(running.base_url, read, 50, plan.duration_s, bench.work)
            levels.append(
                {
                    "sessions": target,
                    "created": created,
                    "rss_mb": rss_kb / 1024,
                    "status": servers.request_status(running.port, read),
                    "c1": one.as_dict(),
                    "c50": fifty.as_dict(),
                }
            )
            bench.say(
                f"scale: world of {created:,} sessions: read p50 {one.p50_ms:.3f} ms, "
                f"{fifty.rps:,.0f} req/s, RSS {rss_kb / 1024:.0f} MB"
            )
    return {
        "levels": levels,
        "how": "wrk, 8 connections",
        "bytes_per_session": bytes_per_session(levels),
    }


def bytes_per_session(levels: list[dict[str, Any]]) -> float | None:
    if len(levels) < 2:
        return None
    low, high = levels[-2], levels[-1]
    added = high["created"] - low["created"]
    return round((high["rss_mb"] - low["rss_mb"]) * 1024 * 1024 / added, 0) if added else None


if __name__ == "__main__":
    sys.exit(main())
