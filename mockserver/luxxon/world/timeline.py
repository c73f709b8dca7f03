"""Timed transitions, applied lazily: nothing runs in the background.

Every rule that fires later (autopilot steps, first frames, expiry, settlement steps) puts an entry
on a heap; the world pops the entries that are due whenever it is next read or written, in due
order, and applies each at its due time. A frozen clock moved by a test therefore drives the world
exactly as real time would.

The heap holds plain `(at, seq, kind, ref)` tuples: they compare in C, and the garbage collector
stops tracking a tuple of plain values, so a world with tens of thousands of pending expiries
does not make every full collection longer. `Due` is the same tuple with names, for readers.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import NamedTuple

Entry = tuple[
    float, int, str, str
]  # (at, seq, kind, ref): ordered by due time, then schedule order


class Due(NamedTuple):
    at: float
    seq: int
    kind: str
    ref: str


class Timeline:
    def __init__(self) -> None:
        self._heap: list[Entry] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, at: float, kind: str, ref: str) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, kind, ref))

    def pop_due(self, now: float) -> Due | None:
        """The earliest entry due at or before `now`, removed; None when nothing is due."""
        heap = self._heap
        if heap and heap[0][0] <= now:
            return Due._make(heapq.heappop(heap))
        return None

    def put(self, due: Entry) -> None:
        """An entry back on the heap (a rollback, another worker's schedule), as a plain tuple."""
        at, seq, kind, ref = due
        heapq.heappush(self._heap, (at, seq, kind, ref))

    def entries(self) -> Iterator[Due]:
        """Every pending entry, in heap (not due) order."""
        return map(Due._make, self._heap)
