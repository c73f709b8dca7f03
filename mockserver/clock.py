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
    format can write (a fixture's very long TTL) is written as the last one it can."""
    if not 0 <= ts <= _LAST_WRITABLE:
        ts = min(max(ts, 0.0), _LAST_WRITABLE)
    return (
        datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{int(ts * 1000) % 1000:03d}Z"
    )


_last_ms = -1
_last_iso = ""
_last_second = -1
_second_prefix = ""


def iso_now() -> str:
    """The current time for envelopes; the date and time of day are formatted once a second,
    the milliseconds appended (once per millisecond, not once per request)."""
    global _last_ms, _last_iso, _last_second, _second_prefix
    ms = int(time.time() * 1000)
    if ms != _last_ms:
        second = ms // 1000
        if second != _last_second:
            _last_second, _second_prefix = second, iso(second)[:-4]  # "…T12:00:00."
        _last_ms, _last_iso = ms, f"{_second_prefix}{ms % 1000:03d}Z"
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
