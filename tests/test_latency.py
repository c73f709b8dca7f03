"""Latency forms, seeded draws, and the per-request `Prefer: delay=… / fault=…` words."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from mockserver import faults, latency, prefer
from mockserver.errors import ApiError


def draws(raw: dict[str, Any], seed: int | None = 7, n: int = 2001) -> list[float]:
    delays = latency.Delays(seed)
    parsed = latency.parse(raw)
    return [delays.seconds(parsed) * 1000 for _ in range(n)]


def test_fixed_latency_is_always_the_same() -> None:
    assert set(draws({"fixedMs": 300}, n=10)) == {300.0}


def test_uniform_latency_stays_between_min_and_max() -> None:
    values = draws({"uniformMs": [100, 200]})
    assert min(values) >= 100 and max(values) <= 200
    assert len(set(values)) > 100  # spread, not one value


def test_lognormal_latency_centres_on_its_median_with_a_tail() -> None:
    values = draws({"lognormal": {"medianMs": 200, "sigma": 0.5}})
    assert 170 < statistics.median(values) < 230  # a seeded stream: the same figures every run
    assert max(values) > 400


def test_a_seed_repeats_the_same_delays_and_no_seed_does_not() -> None:
    raw = {"uniformMs": [0, 1000]}
    assert draws(raw, seed=1, n=20) == draws(raw, seed=1, n=20)
    assert draws(raw, seed=1, n=20) != draws(raw, seed=2, n=20)
    assert draws(raw, seed=None, n=20) != draws(raw, seed=None, n=20)


def test_no_latency_costs_no_draw() -> None:
    delays = latency.Delays(3)
    state = delays.rng.getstate()
    assert delays.seconds(None) == 0.0
    assert delays.rng.getstate() == state


def test_lognormal_draws_are_capped_at_a_minute() -> None:
    values = draws({"lognormal": {"medianMs": 50000, "sigma": 5}}, n=200)
    assert max(values) == latency.MAX_MS


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"fixedMs": -1}, "fixedMs must be a number of milliseconds from 0 to 60000"),
        ({"fixedMs": 60001}, "from 0 to 60000"),
        ({"uniformMs": [500, 100]}, r"min \(500\) is above max \(100\)"),
        ({"uniformMs": [1]}, r"uniformMs is \[min, max\]"),
        ({"lognormal": {"medianMs": 0, "sigma": 1}}, "medianMs must be above 0"),
        ({"lognormal": {"medianMs": 10}}, "lognormal is"),
        ({"fixedMs": 1, "uniformMs": [1, 2]}, "exactly one of"),
        ({"gaussian": 3}, "unknown latency 'gaussian'"),
        ({"fixedMs": True}, "fixedMs must be a number"),
    ],
)
def test_bad_latency_says_why(raw: Any, reason: str) -> None:
    with pytest.raises(latency.LatencyError, match=reason):
        latency.parse(raw)


def test_latency_describes_itself_in_the_words_it_was_given() -> None:
    for raw in (
        {"fixedMs": 5.0},
        {"uniformMs": [1.0, 2.0]},
        {"lognormal": {"medianMs": 3.0, "sigma": 0.2}},
    ):
        assert latency.parse(raw).describe() == raw


# -- Prefer: delay / fault ---------------------------------------------------------------------


def test_prefer_delay_and_fault_words() -> None:
    selection = prefer.parse({"prefer": "delay=500, fault=connection-reset; after-commit=true"}, {})
    assert selection.delay_ms == 500
    assert selection.fault == faults.Fault("connection-reset")
    assert selection.after_commit
    assert not selection.forced  # latency and faults keep whoever answers


def test_prefer_query_twins_for_pages_that_cannot_set_headers() -> None:
    selection = prefer.parse({}, {"__delay": "250", "__fault": "hang:3"})
    assert selection.delay_ms == 250
    assert selection.fault == faults.Fault("hang", seconds=3.0)


def test_no_prefer_means_no_delay_and_no_fault() -> None:
    selection = prefer.parse({}, {})
    assert (selection.delay_ms, selection.fault, selection.after_commit) == (None, None, False)


@pytest.mark.parametrize(
    ("header", "detail", "words"),
    [
        ("delay=soon", "prefer:delay", "milliseconds from 0 to 60000"),
        ("delay=-5", "prefer:delay", "not '-5'"),
        ("delay=nan", "prefer:delay", "milliseconds"),
        ("fault=teleport", "prefer:fault", "unknown fault 'teleport'"),
        ("fault=hang:forever", "prefer:fault", "not a number"),
    ],
)
def test_bad_prefer_delay_or_fault_is_422_saying_why(header: str, detail: str, words: str) -> None:
    with pytest.raises(ApiError) as caught:
        prefer.parse({"prefer": header}, {})
    assert (caught.value.status, caught.value.code, caught.value.detail) == (
        422,
        "MOCK_BAD_PREFER",
        detail,
    )
    assert words in caught.value.message
