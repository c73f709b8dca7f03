"""Latency added to an answer without replacing it.

    {"fixedMs": 300}                              always 300 ms
    {"uniformMs": [100, 500]}                     anywhere from 100 to 500 ms, evenly
    {"lognormal": {"medianMs": 200, "sigma": 0.5}} mostly near 200 ms, with a long tail

Draws come from one `random.Random` per app (`Delays`), seeded from `--seed` when one is given,
so a seeded run waits the same sequence of times. Every draw is capped at 60 s.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_MS = 60000.0


class LatencyError(ValueError):
    """A latency that cannot be: `str()` is the reason."""


@dataclass(frozen=True)
class Latency:
    kind: str  # fixed | uniform | lognormal
    low_ms: float  # fixed: the delay; uniform: min; lognormal: the median
    high_ms: float = 0.0  # uniform: max; lognormal: sigma

    def draw_ms(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            return self.low_ms
        if self.kind == "uniform":
            return rng.uniform(self.low_ms, self.high_ms)
        return min(MAX_MS, rng.lognormvariate(math.log(self.low_ms), self.high_ms))

    def describe(self) -> dict[str, Any]:
        """The latency in the words of the files and rules."""
        if self.kind == "fixed":
            return {"fixedMs": self.low_ms}
        if self.kind == "uniform":
            return {"uniformMs": [self.low_ms, self.high_ms]}
        return {"lognormal": {"medianMs": self.low_ms, "sigma": self.high_ms}}


def parse(raw: Any) -> Latency:
    """A latency from its file/rule form (the JSON Schema has checked the types already)."""
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise LatencyError("give exactly one of fixedMs, uniformMs, lognormal")
    ((kind, value),) = raw.items()
    if kind == "fixedMs":
        return Latency("fixed", _ms(value, "fixedMs"))
    if kind == "uniformMs":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise LatencyError("uniformMs is [min, max]")
        low, high = _ms(value[0], "uniformMs min"), _ms(value[1], "uniformMs max")
        if low > high:
            raise LatencyError(f"uniformMs min ({low:g}) is above max ({high:g})")
        return Latency("uniform", low, high)
    if kind == "lognormal":
        if not isinstance(value, Mapping) or set(value) != {"medianMs", "sigma"}:
            raise LatencyError("lognormal is {medianMs, sigma}")
        median, sigma = _ms(value["medianMs"], "medianMs"), value["sigma"]
        if median <= 0:
            raise LatencyError("medianMs must be above 0")
        if isinstance(sigma, bool) or not isinstance(sigma, int | float) or not 0 <= sigma <= 5:
            raise LatencyError("sigma must be a number from 0 to 5")
        return Latency("lognormal", median, float(sigma))
    raise LatencyError(f"unknown latency {kind!r}; give fixedMs, uniformMs or lognormal")


def fixed(ms: float) -> Latency:
    """`Prefer: delay=500` and the old `delay_ms: 500`."""
    return Latency("fixed", _ms(ms, "delay"))


def _ms(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_MS:
        raise LatencyError(f"{what} must be a number of milliseconds from 0 to {MAX_MS:g}")
    return float(value)


class Delays:
    """The app's one source of drawn delays."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(f"latency:{seed}") if seed is not None else random.Random()

    def seconds(self, latency: Latency | None) -> float:
        """How long to wait before answering; 0.0 without a latency (no draw, no cost)."""
        return latency.draw_ms(self.rng) / 1000 if latency is not None else 0.0
