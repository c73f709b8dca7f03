"""What one call touched and changed in a world, so a shared world (shared.py) commits only that.

A shared world's store holds the same dataclasses as an embedded one; only its containers
differ. Each dict of entities is a `TrackedDict`: the first time a call reaches an entity through
it, the entity's JSON is kept as its pre-image; at the end of the call every touched entity is
encoded again, and only those whose bytes differ are written. A workspace's long lists (its
sessions, its ledger) are `LoggedList`s that record appends, removals and trims instead, so a
write costs O(entities touched), never O(world). The timeline records what it scheduled and
popped. A failed commit rolls all of it back from the pre-images, with no round trip.
"""

from __future__ import annotations

import heapq
import json
from collections import deque
from collections.abc import Callable, Iterator
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson

from mockserver.luxxon.world import snapshot
from mockserver.luxxon.world.model import Workspace
from mockserver.luxxon.world.timeline import Due, Entry, Timeline

KNOWN_MAX = 50_000  # committed JSON kept for pre-images, per world; then it starts afresh
_APART = frozenset({"sessions", "events", "event_index"})  # a workspace's long lists


class LoggedList(list[Any]):
    """A list whose appends, removals and front trims are recorded as operations."""

    def __init__(self, name: str, tracker: Tracker, items: Any = ()) -> None:
        super().__init__(items)
        self.name = name
        self.tracker = tracker

    def append(self, item: Any) -> None:
        super().append(item)
        self.tracker.list_op(self, "+", item, None)

    def remove(self, item: Any) -> None:
        index = self.index(item)
        super().__delitem__(index)
        self.tracker.list_op(self, "-", item, index)

    def __delitem__(self, where: Any) -> None:
        if not (isinstance(where, slice) and where.start is None and where.step is None):
            raise TypeError("a logged list only trims its front")
        gone = self[where]
        super().__delitem__(where)
        self.tracker.list_op(self, "t", gone, None)


class Derived(dict[str, Any]):
    """An index rebuilt from a logged list, never stored (`Workspace.event_index`)."""


class TrackedDict(dict[str, Any]):
    """A store's dict of entities; every entity a call reaches through it is noted."""

    def __init__(self, prefix: str, tracker: Tracker, items: Any = ()) -> None:
        super().__init__(items)
        self.prefix = prefix
        self.tracker = tracker

    def _touch(self, key: str) -> None:
        self.tracker.touch(self, key)

    def __getitem__(self, key: str) -> Any:
        self._touch(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        self._touch(key)
        return dict.get(self, key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self._touch(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._touch(key)
        dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        self._touch(key)
        return dict.pop(self, key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._touch(key)
        return dict.setdefault(self, key, default)

    def values(self) -> Any:  # every entity may change: all are noted (rare, admin-sized)
        for key in dict.keys(self):
            self._touch(key)
        return dict.values(self)

    def items(self) -> Any:
        for key in dict.keys(self):
            self._touch(key)
        return dict.items(self)


class DigestIndex(dict[str, Any]):
    """`keys_by_digest`: a key reached by its digest is noted as the key entity it is."""

    def __init__(self, keys: TrackedDict) -> None:
        super().__init__((key.digest, key) for key in dict.values(keys))
        self.by_id = keys

    def get(self, digest: str, default: Any = None) -> Any:
        key = dict.get(self, digest, default)
        if key is not None:
            self.by_id.tracker.touch(self.by_id, key.id)
        return key


class TrackedTimeline(Timeline):
    """The timeline, recording what a call scheduled and popped; entries another worker popped
    are skipped (`gone`) rather than searched for in the heap."""

    def __init__(self, tracker: Tracker, heap: list[Entry], seq: int) -> None:
        super().__init__()
        self._heap, self._seq = heap, seq
        heapq.heapify(self._heap)
        self.gone: set[int] = set()
        self.tracker = tracker

    def schedule(self, at: float, kind: str, ref: str) -> None:
        super().schedule(at, kind, ref)
        self.tracker.added.append(Due(at, self._seq, kind, ref))

    def pop_due(self, now: float) -> Due | None:
        while True:
            due = super().pop_due(now)
            if due is None or due.seq not in self.gone:
                break
            self.gone.discard(due.seq)
        if due is not None:
            self.tracker.popped.append(due)
        return due


def member(due: Due) -> str:
    return f"{due.seq}|{due.kind}|{due.ref}"


def parse_member(text: str, at: float) -> Due:
    seq, kind, ref = text.split("|", 2)
    return Due(at, int(seq), kind, ref)


class Tracker:
    """One world's touches and operations since the last commit (a call is one transaction)."""

    def __init__(self) -> None:
        self.pre: dict[str, tuple[TrackedDict, str, bytes | None]] = {}
        self.ops: list[tuple[LoggedList, str, Any, int | None]] = []
        self.added: list[Due] = []
        self.popped: list[Due] = []
        self.timeline: TrackedTimeline | None = None
        # The committed JSON of entities calls touched lately: a pre-image costs a lookup, not an
        # encoding. Only ever the committed state: set by `settle`, dropped by `stale`.
        self.known: dict[str, bytes] = {}

    def touch(self, where: TrackedDict, key: str) -> None:
        name = where.prefix + key
        if name not in self.pre:
            before = self.known.get(name)
            if before is None:
                value = dict.get(where, key)
                if value is not None:
                    before = encode(value)
                    if len(self.known) >= KNOWN_MAX:
                        self.known.clear()
                    self.known[name] = before
            self.pre[name] = (where, key, before)

    def settle(self, upserts: dict[str, bytes], deletes: list[str]) -> None:
        """The call committed: what it wrote is the committed JSON now."""
        known = self.known
        for name in upserts:
            if name in self.pre:
                known[name] = upserts[name]
        for name in deletes:
            known.pop(name, None)

    def stale(self, name: str) -> None:
        """Another worker changed the entity: its JSON is read again when next touched."""
        self.known.pop(name, None)

    def list_op(self, items: LoggedList, op: str, value: Any, index: int | None) -> None:
        self.ops.append((items, op, value, index))

    def clear(self) -> None:
        self.pre.clear()
        self.ops.clear()
        self.added.clear()
        self.popped.clear()

    def changed(self) -> Iterator[tuple[str, bytes | None]]:
        """Every touched entity whose JSON moved: (name, new JSON, or None if it is gone)."""
        for name, (where, key, before) in self.pre.items():
            value = dict.get(where, key)
            after = None if value is None else encode(value)
            if after != before:
                yield name, after

    def rollback(self, restore: Callable[[str, bytes, Any], Any]) -> None:
        """Undo the call: entities back to their pre-images (`restore(name, pre-image, current)`
        decodes one), list and timeline operations reversed, newest first."""
        for name, (where, key, before) in self.pre.items():
            if before is None:
                dict.pop(where, key, None)
            else:
                dict.__setitem__(where, key, restore(name, before, dict.get(where, key)))
        for items, op, value, index in reversed(self.ops):
            if op == "+":
                list.pop(items)
            elif op == "-":
                list.insert(items, index if index is not None else len(items), value)
            else:
                items[0:0] = value
        if self.timeline is not None:
            for due in self.added:
                self.timeline.gone.add(due.seq)
            for due in self.popped:
                self.timeline.put(due)
        self.clear()


def _default(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, deque | set | frozenset):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__}")


def encode(value: Any) -> bytes:
    if type(value) is Workspace:  # its long lists live apart (a Redis list each), or are rebuilt
        value = {k: v for k, v in vars(value).items() if k not in _APART}
    try:
        return orjson.dumps(value, default=_default)
    except TypeError:  # an integer beyond 64 bits (a device's heartbeat sequence may be one)
        plain = snapshot.encode(value)  # as bundles write it; Python's json takes any integer
        return WIDE + json.dumps(plain, separators=(",", ":"), default=_default).encode()


def decode(data: bytes | str) -> Any:
    """What `encode` wrote, integers of any size included."""
    if data[:1] in (WIDE, WIDE.decode()):
        return json.loads(data[1:])
    return orjson.loads(data)


WIDE = b"~"  # marks JSON that orjson cannot read back exactly (it reads wide integers as floats)
