"""Time as every part of the mock reads it: real by default, frozen and moved in tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=65536)  # entities show the same few instants on every read
def iso(ts: float) -> str:
    """ISO-8601 in UTC with milliseconds, as the Luxxon examples write it."""
    return (
        datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{int(ts * 1000) % 1000:03d}Z"
    )


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
    """Real time unless frozen; `advance` moves a frozen clock (and only a frozen one)."""

    def __init__(self, frozen_at: float | None = None) -> None:
        self._frozen_at = frozen_at

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> float:
        return self._frozen_at if self._frozen_at is not None else time.time()

    def freeze(self, at: float | None = None) -> None:
        self._frozen_at = time.time() if at is None else at

    def unfreeze(self) -> None:
        self._frozen_at = None

    def advance(self, seconds: float) -> None:
        if self._frozen_at is None:
            raise RuntimeError("only a frozen clock can be moved; call freeze() first")
        self._frozen_at += seconds
