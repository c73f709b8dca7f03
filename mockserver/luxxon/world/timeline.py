"""Timed transitions, applied lazily: nothing runs in the background.

Every rule that fires later (autopilot steps, first frames, expiry, settlement steps) puts an entry
on a heap; the world pops the entries that are due whenever it is next read or written, in due
order, and applies each at its due time. A frozen clock moved by a test therefore drives the world
exactly as real time would.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field


@dataclass(order=True, frozen=True)
class Due:
    at: float
    seq: int
    kind: str = field(compare=False)
    ref: str = field(compare=False)


class Timeline:
    def __init__(self) -> None:
        self._heap: list[Due] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, at: float, kind: str, ref: str) -> None:
        self._seq += 1
        heapq.heappush(self._heap, Due(at, self._seq, kind, ref))

    def pop_due(self, now: float) -> Due | None:
        """The earliest entry due at or before `now`, removed; None when nothing is due."""
        if self._heap and self._heap[0].at <= now:
            return heapq.heappop(self._heap)
        return None
