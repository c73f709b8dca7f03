"""Time as every part of the mock reads it: real by default, frozen and moved in tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache

# The latest instant a clock may show: a year short of what ISO-8601 dates (and Python's datetime)
# can write, so every deadline the world sets from "now" (quote, nonce, cookie, session timeouts)
# still has a date. Moving a clock past it is refused, not a 500 on the next read.
LATEST = datetime(9999, 1, 1, tzinfo=UTC).timestamp()
_LAST_WRITABLE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


class ClockRangeError(ValueError):
    """A move that would take a clock past `LATEST`; the clock is unchanged."""


@lru_cache(maxsize=8192)  # entities show the same few instants on every read; bounded: every
# millisecond of traffic (envelope timestamps, createdAt) is a new instant, 65,536 of them were 14 MB
def iso(ts: float) -> str:
    """ISO-8601 in UTC with milliseconds (`2026-05-13T12:00:00.000Z`); an instant beyond what the
    format can write (a fixture's very long TTL) is written as the last one it can.
    The date and time of day come from the whole second (formatted once), the milliseconds from
    a table: every write stamps a new instant, and a `strftime` each cost a good part of it. An
    instant whose microseconds round into the next second, or out of range, is `formatted`."""
    whole = int(ts) if 0 <= ts <= _LAST_WRITABLE else -1  # NaN fails the comparison too
    if whole < 0 or ts - whole >= 0.9999:
        return formatted(ts)
    return _second(whole) + _MILLIS[int(ts * 1000) % 1000]


def formatted(ts: float) -> str:
    """`iso` the long way, with `datetime.strftime`: the reference `iso` is held to."""
    if not 0 <= ts <= _LAST_WRITABLE:
        ts = min(max(ts, 0.0), _LAST_WRITABLE)
    return (
        datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{int(ts * 1000) % 1000:03d}Z"
    )


_MILLIS = [f"{ms:03d}Z" for ms in range(1000)]  # what `formatted` appends


@lru_cache(maxsize=256)
def _second(whole: int) -> str:
    return formatted(float(whole))[:-4]  # "2026-05-13T12:00:00." of "2026-05-13T12:00:00.000Z"


_last_ms = -1
_last_iso = ""


def iso_now() -> str:
    """The current time for envelopes; formatted once per millisecond, not once per request."""
    global _last_ms, _last_iso
    ms = int(time.time() * 1000)
    if ms != _last_ms:
        _last_ms, _last_iso = ms, iso(ms / 1000)
    return _last_iso


class Clock:
    """Real time, possibly moved forward, possibly frozen. Moving it never goes back: advancing a
    running clock shifts it, and unfreezing resumes from the frozen instant."""

    def __init__(self, frozen_at: float | None = None) -> None:
        self._frozen_at = frozen_at
        self._offset = 0.0  # seconds ahead of real time while running

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> float:
        return self._frozen_at if self._frozen_at is not None else time.time() + self._offset

    def freeze(self, at: float | None = None) -> None:
        self._frozen_at = self.now() if at is None else at

    def unfreeze(self) -> None:
        if self._frozen_at is not None:
            self._offset = self._frozen_at - time.time()
            self._frozen_at = None

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        if self.now() + seconds > LATEST:
            raise ClockRangeError(f"a clock cannot move past {iso(LATEST)}")
        if self._frozen_at is not None:
            self._frozen_at += seconds
        else:
            self._offset += seconds
