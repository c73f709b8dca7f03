"""The benchmark harness's own logic (no servers, no timing): reading wrk, writing its scripts,
growing a spec, and judging the issue's targets from medians."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, specs, store_markdown, store_report  # noqa: E402
from bench.mixes import MIXES, WORLD_WRITE, in_namespace  # noqa: E402

WRK_OUTPUT = """\
Running 4s test @ http://127.0.0.1:41234
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    11.62ms    1.37ms  1.02s    87.50%
    Req/Sec     2.19k   220.80     2.44k    80.00%
  Latency Distribution
     50%  850.00us
     75%    7.01ms
     90%    7.81ms
     99%    1.20s
  17704 requests in 4.00s, 5.21MB read
  Non-2xx or 3xx responses: 12
  Socket errors: connect 0, read 1, write 0, timeout 3
Requests/sec:   4426.41
Transfer/sec:      1.30MB
"""


def test_wrk_report_is_read_with_its_units() -> None:
    found = load.parse(WRK_OUTPUT, 50)
    assert found.rps == 4426.41
    assert found.p50_ms == 0.85
    assert found.p99_ms == 1200.0
    assert (found.requests, found.bad_status, found.socket_errors) == (17704, 12, 4)


def test_unreadable_wrk_output_is_an_error_not_a_zero() -> None:
    try:
        load.parse("unable to connect to 127.0.0.1:1 Connection refused\n", 1)
    except load.LoadError as exc:
        assert "unreadable" in str(exc)
    else:
        raise AssertionError("parse accepted text without numbers")


def test_write_mix_script_sends_json_body_auth_and_namespace() -> None:
    script = in_namespace(WORLD_WRITE, "bench-round-2").lua()
    assert 'wrk.method = "POST"' in script
    assert 'wrk.headers["X-Mock-Namespace"] = "bench-round-2"' in script
    assert 'wrk.headers["Authorization"] = "Bearer lxxn_test_' in script
    body = script.split("wrk.body = ", 1)[1].splitlines()[0]
    assert json.loads(json.loads(body)) == WORLD_WRITE.body
    assert "function response" not in script


def test_counted_script_signals_when_its_count_is_reached() -> None:
    script = MIXES["a"].lua(stop_after=250)
    assert "if seen == 250 then" in script
    assert load.DONE in script


def test_scaled_spec_has_ten_times_the_operations_with_unique_ids() -> None:
    document = json.loads((ROOT / "openapi.json").read_text())
    base = specs.count_operations(document)
    bigger = specs.scaled(document, 10)
    ids = [
        op["operationId"]
        for item in bigger["paths"].values()
        for method, op in item.items()
        if method in specs.HTTP_METHODS
    ]
    assert specs.count_operations(bigger) == len(ids) == 10 * base
    assert len(set(ids)) == len(ids)
    assert set(document["paths"]) <= set(bigger["paths"])  # the originals still answer probes


def _round(rps: float, p99: float, startup: float = 0.5) -> dict[str, Any]:
    level = {
        "rps": rps,
        "p50_ms": p99 / 4,
        "p99_ms": p99,
        "requests": 1,
        "bad_status": 0,
        "socket_errors": 0,
    }
    return {
        "startup_s": startup,
        "idle_rss_kb": 60 * 1024,
        "loaded_rss_kb": 70 * 1024,
        "mixes": {"a": {"status": 200, "c1": level, "c50": level}},
    }


def test_medians_ratios_and_targets_follow_the_issue() -> None:
    summary = {
        "mock": report.summarize([_round(5000, 20), _round(9000, 10), _round(6000, 30, 2.0)]),
        "prism": report.summarize([_round(1000, 800)] * 3),
        "prism-quiet": report.summarize([_round(2500, 200)] * 3),
        "asgi": report.summarize([_round(30000, 5)] * 3),
    }
    assert summary["mock"]["mixes"]["a"]["c50"]["rps"] == 6000
    assert report.best_prism(summary, "a") == "prism-quiet"
    verdicts = {t["target"]: t["met"] for t in report.targets(summary, {})}
    assert verdicts["mock ÷ Prism (best mode) req/s, 50 conn., mix a"] is True  # 6000/2500
    assert verdicts["mock p99 ÷ Prism (best mode) p99, 50 conn., mix a"] is True
    assert verdicts["mock ÷ bare-ASGI limit req/s, 50 conn., mix a"] is False  # 0.2
    assert verdicts["mock idle RSS (MB)"] is True
    assert verdicts["mock start-up to first 200, Luxxon spec (s)"] is True  # median 0.5


def test_markdown_shows_every_server_and_marks_missed_targets() -> None:
    summary = {
        "mock": report.summarize([_round(900, 20)]),
        "prism": report.summarize([_round(1000, 10)]),
    }
    result = {
        "machine": {
            "date": "d",
            "cores": 2,
            "cpu": "cpu",
            "ram_gb": 1,
            "kernel": "k",
            "python": "3",
            "uvicorn": "u",
            "prism": "5",
            "wrk": "wrk",
        },
        "settings": {"rounds": 1, "duration_s": 1, "warmup_s": 0},
        "titles": {"mock": "this mock", "prism": "Prism"},
        "summary": summary,
        "ratios": report.ratios(summary),
        "targets": report.targets(summary, {}),
        "scale": {},
    }
    text = report.markdown(result)
    assert "| this mock |" in text and "| Prism |" in text
    assert "**missed**" in text


# ---- bench/store.py: the mock on Redis (no servers: its readers and its arithmetic) -----------

REDIS_BENCHMARK = (
    "\rSET: rps=29488.1 (overall: 29758.9) avg_msec=1.083 (overall: 1.090)"
    "\rSET: 30075.19 requests per second, p50=1.023 msec\n"
    "\rGET: 30769.23 requests per second, p50=1.031 msec\n"
)
MONITOR = """\
OK
1796170683.938049 [0 127.0.0.1:50674] "EVALSHA" "bfab" "2" "mock:{seed}:jn" "mock:{seed}:j"
1796170683.938169 [0 lua] "INCR" "mock:{seed}:jn"
1796170683.938184 [0 lua] "XADD" "mock:{seed}:j" "MAXLEN" "~" "1000" "84883-1" "e" "{}"
1796170683.938807 [0 127.0.0.1:50674] "GET" "mockv:{seed}"
"""


def test_redis_benchmark_and_monitor_output_are_read() -> None:
    assert store_report.parse_redis_benchmark(REDIS_BENCHMARK) == {
        "set": 30075.19,
        "get": 30769.23,
    }
    assert store_report.monitor_round_trips(MONITOR, 1) == 2.0  # the script's own commands: not
    try:
        store_report.parse_redis_benchmark("Could not connect to Redis at 127.0.0.1:1\n")
    except ValueError as exc:
        assert "unreadable" in str(exc)
    else:
        raise AssertionError("parse accepted text without numbers")


def _store_round(b_rps: float, c_rps: float, redis: bool, c_cpu: float = 900.0) -> dict[str, Any]:
    def mix(rps: float, cpu: float) -> dict[str, Any]:
        cost: dict[str, Any] = {"requests": 1000, "mock_cpu_us": cpu, "mock_cpu_share": 0.9}
        if redis:
            cost |= {"redis_cpu_us": 100.0, "redis_commands": 3.0, "round_trips": 1.0}
        level = {"rps": rps, "p50_ms": 10.0, "p99_ms": 50.0, "bad_status": 0, "socket_errors": 0}
        return {"status": 200, "c50": level, "cost": cost}

    return {"startup_s": 1.0, "mixes": {"b": mix(b_rps, 400.0), "c": mix(c_rps, c_cpu)}}


def _latency(p50_small: float, p50_big: float, p50_after: float | None = None) -> dict[str, Any]:
    def sample(sessions: int, p50: float) -> dict[str, Any]:
        return {"sessions": sessions, "writes": 300, "p50_ms": p50, "p99_ms": 9.0, "rps": 500.0}

    found = {"small": [sample(10, p50_small)] * 3, "big": [sample(100_000, p50_big)] * 3}
    if p50_after is not None:
        found["small_after"] = [sample(10, p50_after)] * 3
    return found


def test_store_targets_and_hosts_follow_the_issue() -> None:
    result: dict[str, Any] = {
        "rounds": {
            "mock": [_store_round(4000, 2000, False)] * 2,
            "mock-redis": [_store_round(3400, 900, True), _store_round(3000, 1100, True)],
            "mock-redis-2w": [_store_round(4400, 1000, True, c_cpu=1400.0)] * 2,
        },
        "sizes": {"mock": _latency(1.0, 1.1), "mock-redis": _latency(2.0, 2.6, 2.5)},
        "redis_budget": {"get": 60000.0, "set": 50000.0},
    }
    store_report.complete(result)
    verdicts = [(t["measured"], t["met"]) for t in result["targets"]]
    assert verdicts == [
        (0.8, True),  # (b) on Redis: median 3,200 ÷ 4,000
        (0.5, True),  # (c) on Redis: 1,000 ÷ 2,000
        (1.1, False),  # (b) 2 workers: 4,400 ÷ 4,000 < 1.2
        (1.04, True),  # write p50 at 100k ÷ at 10 on Redis, small ones alternating with big
        (1.3, False),  # the same, small ones written before the big one was filled
        (1.1, None),  # memory: shown, no goal
    ]
    hosts = result["hosts"]
    assert hosts["per_mix"]["b"]["shard_rps"] == 10_000  # 100 µs of Redis CPU per request
    # a worker: 400 µs CPU + 1 round trip × 100 µs + 100 µs Redis = 600 µs
    assert hosts["per_mix"]["b"]["worker_rps"] == 1667
    eight = hosts["rows"][-1]
    assert eight["workers"] == 32 and eight["b"]["shards"] == 6  # 53,344 reads/s ÷ 10,000
    assert eight["b"]["one_namespace"] == 10_000  # one namespace: one shard
    assert eight["c"]["one_namespace"] == hosts["per_mix"]["c"]["worker_rps"]  # writes serialize
    # every worker also applies the others' commits: 2 workers' CPU per write minus one's
    assert hosts["catch_up_us"] == 500.0
    assert eight["c"]["everywhere"] == 1928  # 32 × 10⁶ ÷ (1,100 µs + 31 × 500 µs)


def test_store_markdown_shows_every_table_and_marks_missed_targets() -> None:
    result: dict[str, Any] = {
        "machine": {
            "date": "d",
            "commit": "abc",
            "cores": 2,
            "cpu": "cpu",
            "kernel": "k",
            "python": "3",
            "uvicorn": "u",
            "redis": "7.0",
            "wrk": "wrk",
            "load_average": {"start": [3.0, 2.0, 1.0], "end": [0.5, 0.5, 0.5]},
        },
        "settings": {"rounds": 2, "duration_s": 4, "warmup_s": 1, "sample": 200, "batch": 300}
        | {"batches": 3},
        "titles": {"mock": "memory", "mock-redis": "Redis", "mock-redis-2w": "2 workers"},
        "rounds": {
            "mock": [_store_round(4000, 2000, False)],
            "mock-redis": [_store_round(1000, 500, True)],
            "mock-redis-2w": [_store_round(1500, 400, True)],
        },
        "sizes": {
            "mock": _latency(1.0, 1.0),
            "mock-redis": _latency(2.0, 2.0),
            "seeding": {"mock": {"sessions": 100_000, "seconds": 60.0}},
        },
        "redis_budget": {"get": 60000.0},
    }
    store_report.complete(result)
    text = store_markdown.markdown(result)
    assert "| (b) world read GET /sessions/{id} | Redis | 1,000 |" in text
    assert "**missed**" in text and "the machine was busy" in text
    assert "| 8 × 4 | 32 |" in text  # the hosts table
    assert "100,000 in 60 s" in text
