"""What bench/store.py's parts share: the plan, the servers it compares, the running bench."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import redis

from bench import load, servers
from bench.mixes import WORLD_WRITE

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
    rounds: int = 2  # --rounds 3 adds about a minute; the 100k fill on Redis takes about four
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
    redis_server: servers.RedisServer
    work: Path
    raw: Path
    say: Any
    problems: list[str] = field(default_factory=list)

    def log(self, name: str) -> Path:
        return self.raw / f"store-{name}.log"

    @property
    def wrk_log(self) -> Path:
        return self.raw / "wrk-store.log"

    def client(self) -> redis.Redis:
        return redis.Redis(host=servers.HOST, port=self.redis_server.port, socket_timeout=30)

    def server(self, key: str, scenarios: Path) -> servers.Server:
        title, shared, workers = SERVERS[key]
        store = self.redis_server.url if shared else None
        return servers.mock_server(scenarios, key=key, title=title, store=store, workers=workers)


class Progress:
    def __init__(self) -> None:
        self.begin = time.perf_counter()

    def __call__(self, text: str) -> None:
        print(f"[{self.elapsed_s:6.1f}s] store: {text}", file=sys.stderr, flush=True)

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.begin


MEASURE_ERRORS = (servers.ServerError, load.LoadError, redis.RedisError, OSError, ValueError)


def failed(bench: Bench, what: str, exc: Exception) -> None:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    bench.problems.append(f"{what}: {first} (logs in {bench.raw})")
    bench.say(f"FAILED {what}: {exc}")
