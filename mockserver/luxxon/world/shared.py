"""Worlds in the shared store (`--store redis://…`): every worker and host serves the same world.

Each worker keeps a copy of the namespaces it serves and the version it holds. A call first
makes the copy current: one round trip reads the namespace's version; when another worker has
committed since, the commit records after our version are read and patched in (the whole
namespace is reloaded only when the log no longer reaches back). The call then runs on the copy,
exactly as on an embedded world, and what it changed (tracking.py) is committed with the version
it started from. A commit that lost the race changes nothing: the copy is rolled back, brought
up to date and the call runs again, so each call is atomic across processes and the timed
transitions due by now are applied by exactly one of them.

The world's first call builds it from the fixture once, for everyone: the builder's commit
expects version 0 (or the version of a reset), so two workers racing to build it agree on one.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import orjson

from mockserver.calls import Call, Reply
from mockserver.clock import Clock
from mockserver.errors import ApiError
from mockserver.luxxon.world import fixture, model, snapshot
from mockserver.luxxon.world.store import Store
from mockserver.luxxon.world.timeline import Due
from mockserver.luxxon.world.tracking import (
    WIDE,
    Derived,
    DigestIndex,
    LoggedList,
    TrackedDict,
    TrackedTimeline,
    Tracker,
    decode,
    encode,
    member,
    parse_member,
)
from mockserver.luxxon.world.world import World
from mockserver.redisstore import Changes, Loaded, RedisStore, StoreUnavailable
from mockserver.spec import Operation, Spec

T = TypeVar("T")
ATTEMPTS = 50  # commits a call may lose to other workers before it answers 503

# entity name prefix → (Store attribute, type of its values)
ENTITIES: dict[str, tuple[str, Any]] = {
    "w|": ("workspaces", model.Workspace),
    "g|": ("slugs", str),
    "m|": ("memberships", dict[str, str]),
    "k|": ("keys", model.ApiKey),
    "s|": ("sessions", model.Session),
    "i|": ("inputs", str),
    "q|": ("quotes", model.Quote),
    "n|": ("nonces", model.Nonce),
    "c|": ("closed", list[str]),
}
_BY_ATTR = {attr: prefix for prefix, (attr, _) in ENTITIES.items()}


class SharedWorld(World):
    """A namespace's world whose calls commit to the shared store."""

    owner: SharedWorlds
    namespace: str
    tracker: Tracker
    version: int
    salt: str  # with the version, seeds the world's draws for a call (ids, hashes)
    seed_base: int  # the salt as a number: seeding with an int costs a fraction of a string
    rng: LazyRandom
    fingerprint: tuple[Any, ...]

    def handle(self, call: Call, operation: Operation) -> Reply | None:
        return self.owner.apply(self.namespace, lambda w: World.handle(w, call, operation))


class LazyRandom(random.Random):
    """The world's draws, seeded for each call only when the call draws (most calls don't):
    every other method of `random.Random` draws through these two."""

    pending: int | None = None

    def random(self) -> float:
        if self.pending is not None:
            self._seed_now()
        return super().random()

    def getrandbits(self, k: int) -> int:
        if self.pending is not None:
            self._seed_now()
        return super().getrandbits(k)

    def _seed_now(self) -> None:
        seed, self.pending = self.pending, None
        self.seed(seed)


@dataclass
class _Fresh:
    namespace: str
    world: SharedWorld


class SharedWorlds:
    """The `Worlds` of a shared store: the same interface as the embedded one (world.py)."""

    def __init__(
        self, spec: Spec, fixture_path: Path, store: RedisStore, *, seed: int | None = None
    ) -> None:
        self.spec = spec
        self.fixture = fixture.load(fixture_path)
        self.store = store
        self._seed = seed
        self._cache: dict[str, SharedWorld] = {}
        self._fresh: _Fresh | None = None  # synced by `get` for the call about to run on it

    # -- the Worlds interface --------------------------------------------------------------------
    def get(self, namespace: str) -> SharedWorld:
        world = self._synced(namespace)
        self._fresh = _Fresh(namespace, world)
        return world

    def apply(self, namespace: str, fn: Callable[[SharedWorld], T]) -> T:
        """Run `fn` on the namespace's world as one transaction across every worker."""
        for _ in range(ATTEMPTS):
            fresh, self._fresh = self._fresh, None
            if fresh is not None and fresh.namespace == namespace:
                world = fresh.world
            else:
                world = self._synced(namespace)
            tracker = world.tracker
            tracker.clear()
            world.rng.pending = world.seed_base + world.version  # the same draws on any worker
            try:
                result: T | None = fn(world)
                error: ApiError | None = None
            except ApiError as exc:
                result, error = None, exc
            except BaseException:
                self._rollback(world)
                raise
            try:
                committed = self._commit(world)
            except StoreUnavailable:
                self._rollback(world)
                raise
            if not committed:  # another worker committed first, maybe unheard of yet: ask
                self._rollback(world)
                self.store.watch.forget(namespace)
                continue
            tracker.clear()
            if error is not None:
                raise error
            return result  # type: ignore[return-value]
        raise StoreUnavailable(f"{ATTEMPTS} commits lost to other workers in a row")

    def reset(self, namespace: str | None = None) -> None:
        names = self.namespaces() if namespace is None else [namespace]
        for name in names:
            self.store.wipe(name)
            self._cache.pop(name, None)
        self._fresh = None

    def forget(self, namespace: str) -> None:
        """Drop this worker's copy (the namespace idled out here); the store keeps the world."""
        self._cache.pop(namespace, None)
        self._fresh = None

    def namespaces(self) -> list[str]:
        return self.store.namespaces()

    def peek(self, namespace: str) -> SharedWorld | None:
        """This worker's copy, as the call that just ran left it (the journal stamps entries
        with its clock and revision); no round trip."""
        return self._cache.get(namespace)

    def put(self, namespace: str, world: World) -> None:
        """Make `world` (a bundle loaded) the namespace's world, for every worker."""
        for _ in range(ATTEMPTS):
            version = self.store.version(namespace)
            changes, record = full_changes(world, self._salt(namespace))
            if self.store.commit(namespace, version, changes, record) is not None:
                self._cache.pop(namespace, None)
                self._fresh = None
                return
        raise StoreUnavailable("the namespace kept changing while it was restored")

    def adopt(self, old: SharedWorlds) -> None:
        """Hot reload: the worlds live in the store; this worker's copies stay good."""
        self._cache = old._cache

    # -- syncing ---------------------------------------------------------------------------------
    def _synced(self, namespace: str) -> SharedWorld:
        store = self.store
        world = self._cache.get(namespace)
        if world is not None and store.unchanged(namespace):
            return world
        store.keep_alive(namespace)
        version = store.version(namespace)
        if world is None or world.version != version:
            world = self._caught_up(namespace, world, version)
        store.caught_up(namespace)
        return world

    def _caught_up(self, namespace: str, world: SharedWorld | None, version: int) -> SharedWorld:
        if world is not None and version > world.version:
            records = self.store.records_since(namespace, world.version)
            if records is not None and _patch(world, records):
                self.store.patched += len(records)
                return world
        return self._load(namespace)

    def _load(self, namespace: str) -> SharedWorld:
        self._cache.pop(namespace, None)
        for _ in range(ATTEMPTS):
            loaded = self.store.load(namespace)
            if loaded.entities:
                plain, salt = from_loaded(loaded)
                world = self._adopted(namespace, plain, loaded.version, salt)
                self._cache[namespace] = world
                return world
            seed = None if self._seed is None else f"{self._seed}:{namespace}"
            fresh = World(self.fixture, seed=seed)
            salt = self._salt(namespace)
            changes, record = full_changes(fresh, salt)
            version = self.store.commit(namespace, loaded.version, changes, record)
            if version is not None:
                world = self._adopted(namespace, fresh, version, salt)
                self._cache[namespace] = world
                return world
        raise StoreUnavailable("the namespace kept changing while it was built")

    def _salt(self, namespace: str) -> str:
        """Seeds a world's draws with its version: `--seed` makes them repeatable."""
        return secrets.token_hex(8) if self._seed is None else f"{self._seed}:{namespace}"

    def _adopted(self, namespace: str, world: World, version: int, salt: str) -> SharedWorld:
        shared = SharedWorld.__new__(SharedWorld)
        shared.salt = salt
        shared.seed_base = int.from_bytes(hashlib.sha256(salt.encode()).digest()[:8]) << 64
        shared.clock, shared.store = world.clock, world.store
        shared.owner, shared.namespace, shared.version = self, namespace, version
        shared.tracker = attach(shared.store)
        shared.rng = shared.store.rng = LazyRandom()
        shared.fingerprint = fingerprint(shared)
        return shared

    def _commit(self, world: SharedWorld) -> bool:
        changes, record = collect(world)
        if not changes:
            return True
        version = self.store.commit(world.namespace, world.version, changes, record)
        if version is None:
            return False
        world.tracker.settle(changes.upserts, changes.deletes)
        world.version = version
        world.fingerprint = fingerprint(world)
        return True

    def _rollback(self, world: SharedWorld) -> None:
        world.tracker.rollback(lambda name, data, current: decode_entity(name, data, current))
        meta, clock = world.fingerprint[0], world.fingerprint[1]
        set_meta(world.store, meta)
        world.clock._frozen_at, world.clock._offset = clock


# -- a world as entities -------------------------------------------------------------------------
def attach(store: Store) -> Tracker:
    """Turn an embedded world's store into a tracked one, in place."""
    tracker = Tracker()
    for prefix, (attr, _) in ENTITIES.items():
        setattr(store, attr, TrackedDict(prefix, tracker, getattr(store, attr)))
    for ws in dict.values(store.workspaces):
        attach_lists(ws, tracker)
    store.keys_by_digest = DigestIndex(store.keys)  # type: ignore[arg-type]
    timeline = TrackedTimeline(tracker, list(store.timeline._heap), store.timeline._seq)
    store.timeline = tracker.timeline = timeline
    return tracker


def attach_lists(ws: model.Workspace, tracker: Tracker) -> None:
    if not isinstance(ws.sessions, LoggedList):
        ws.sessions = LoggedList(f"{ws.id}|s", tracker, ws.sessions)
        ws.events = LoggedList(f"{ws.id}|e", tracker, ws.events)
        ws.event_index = Derived(ws.event_index)


def meta_of(store: Store) -> tuple[Any, ...]:
    timeline_seq = store.timeline._seq
    return (
        store.revision,
        store.video_available,
        timeline_seq,
        frozenset(store.video_dropped),
    )


def set_meta(store: Store, meta: tuple[Any, ...]) -> None:
    store.revision, store.video_available, store.timeline._seq, dropped = meta
    store.video_dropped = set(dropped)


def fingerprint(world: World) -> tuple[Any, ...]:
    return meta_of(world.store), (world.clock._frozen_at, world.clock._offset)


def base_json(store: Store, salt: str) -> bytes:
    """What a world never changes: when it began, its rules, the salt of its draws."""
    return encode({"t0": store.t0, "rules": snapshot.encode(store.rules), "salt": salt})


def meta_json(store: Store) -> bytes:
    return encode(
        {
            "revision": store.revision,
            "video": store.video_available,
            "seq": store.timeline._seq,
            "dropped": sorted(store.video_dropped),
        }
    )


def clock_json(clock: Clock) -> bytes:
    return encode({"frozenAt": clock._frozen_at, "offset": clock._offset})


def collect(world: SharedWorld) -> tuple[Changes, bytes]:
    """What the call changed, as a commit and its log record."""
    tracker, store = world.tracker, world.store
    made = [name for name, (_, _, before) in tracker.pre.items() if before is None]
    for name in made:  # a workspace made by this call: its lists become logged
        if name.startswith("w|"):
            ws = dict.get(store.workspaces, name[2:])
            if ws is not None and not isinstance(ws.sessions, LoggedList):
                plain_sessions, plain_events = list(ws.sessions), list(ws.events)
                attach_lists(ws, tracker)
                list.clear(ws.sessions)
                list.clear(ws.events)
                for item in plain_sessions:
                    ws.sessions.append(item)
                for event in plain_events:
                    ws.events.append(event)
    changes = Changes()
    for name, after in tracker.changed():
        if after is None:
            changes.deletes.append(name)
        else:
            changes.upserts[name] = after
    changes.made = [name for name in made if name in changes.upserts]
    meta, clock = world.fingerprint
    if meta_of(store) != meta:
        changes.upserts["meta"] = meta_json(store)
    if (world.clock._frozen_at, world.clock._offset) != clock:
        changes.upserts["clock"] = clock_json(world.clock)
    for items, op, value, _ in tracker.ops:
        if op == "t":
            changes.lists.append((items.name, "t", str(len(value))))
        else:
            changes.lists.append((items.name, op, _item(value)))
    changes.due_added = [(due.at, member(due)) for due in tracker.added]
    changes.due_removed = [member(due) for due in tracker.popped]
    return changes, _record(changes) if changes else b""


def full_changes(world: World, salt: str) -> tuple[Changes, bytes]:
    """Everything a world holds, as one commit that replaces whatever the namespace held."""
    store = world.store
    changes = Changes(wipe=True)
    changes.upserts["base"] = base_json(store, salt)
    for prefix, (attr, _) in ENTITIES.items():
        for key, value in dict.items(getattr(store, attr)):
            changes.upserts[prefix + key] = encode(value)
    changes.made = list(changes.upserts)
    changes.upserts["meta"] = meta_json(store)
    changes.upserts["clock"] = clock_json(world.clock)
    for ws in dict.values(store.workspaces):
        changes.lists += [(f"{ws.id}|s", "+", _item(item)) for item in ws.sessions]
        changes.lists += [(f"{ws.id}|e", "+", _item(item)) for item in ws.events]
    seen: set[int] = getattr(store.timeline, "gone", set())
    changes.due_added = [(d.at, member(d)) for d in store.timeline._heap if d.seq not in seen]
    return changes, b'{"reset":true}'


def _item(value: Any) -> str:
    return value if isinstance(value, str) else encode(value).decode()


def _embedded(data: bytes) -> Any:
    """An entity's JSON inside a log record: as is, or as a string when only `decode` reads it
    back exactly."""
    return data.decode() if data[:1] == WIDE else orjson.Fragment(data)


def _record(changes: Changes) -> bytes:
    return orjson.dumps(
        {
            "u": {name: _embedded(data) for name, data in changes.upserts.items()},
            "d": changes.deletes,
            "l": changes.lists,
            "za": changes.due_added,
            "zr": changes.due_removed,
        }
    )


# -- a world from entities -----------------------------------------------------------------------
def decode_entity(name: str, data: bytes | Any, current: Any = None) -> Any:
    """An entity from its JSON (bytes), or from a log record's parsed value (where only a
    wide-integer entity is still text: `_embedded`)."""
    wide = isinstance(data, str) and data[:1] == WIDE.decode()
    raw = decode(data) if isinstance(data, bytes) or wide else data
    prefix = name[:2]
    hint = ENTITIES[prefix][1]
    if prefix == "w|":
        for field in ("sessions", "events", "event_index"):
            raw.pop(field, None)
        ws: model.Workspace = snapshot.decode(hint, raw)
        if current is not None:  # the lists live apart: the copy's own go on
            ws.sessions, ws.events, ws.event_index = (
                current.sessions,
                current.events,
                current.event_index,
            )
        return ws
    value = snapshot.decode(hint, raw)
    return deque(value) if prefix == "c|" else value


def from_loaded(loaded: Loaded) -> tuple[World, str]:
    """A plain (untracked) world from a namespace read whole, and the salt of its draws."""
    base = orjson.loads(loaded.entities["base"])
    meta = orjson.loads(loaded.entities["meta"])
    rules = snapshot.decode(fixture.Rules, base["rules"])
    store = Store(rules, float(base["t0"]), random.Random())
    store.revision, store.video_available = meta["revision"], meta["video"]
    store.video_dropped = set(meta["dropped"])
    for name, data in loaded.entities.items():
        if name[:2] in ENTITIES:
            getattr(store, ENTITIES[name[:2]][0])[name[2:]] = decode_entity(name, data)
    for ws in store.workspaces.values():
        ws.sessions = loaded.lists.get(f"{ws.id}|s", [])
        ws.events = [
            snapshot.decode(model.WalletEvent, orjson.loads(item))
            for item in loaded.lists.get(f"{ws.id}|e", [])
        ]
        ws.event_index = {event.id: i for i, event in enumerate(ws.events)}
    store.keys_by_digest = {key.digest: key for key in store.keys.values()}
    store.timeline._heap = [parse_member(text, at) for text, at in loaded.due]
    store.timeline._seq = int(meta["seq"])
    clock_data = orjson.loads(loaded.entities["clock"])
    clock = Clock(frozen_at=clock_data["frozenAt"])
    clock._offset = float(clock_data["offset"])
    world = World.__new__(World)
    world.clock, world.store = clock, store
    return world, str(base["salt"])


def _patch(world: SharedWorld, records: list[tuple[int, bytes]]) -> bool:
    """Apply other workers' commits to the copy; False: one was a reset (reload instead)."""
    store = world.store
    for version, raw in records:
        record = orjson.loads(raw)
        if record.get("reset"):
            return False
        for name, data in record["u"].items():
            world.tracker.stale(name)
            if name == "meta":
                _patch_meta(store, data)
            elif name == "clock":
                world.clock._frozen_at, world.clock._offset = data["frozenAt"], data["offset"]
            else:
                where: TrackedDict = getattr(store, ENTITIES[name[:2]][0])
                value = decode_entity(name, data, dict.get(where, name[2:]))
                if name[:2] == "w|":
                    attach_lists(value, world.tracker)
                elif name[:2] == "k|":
                    dict.__setitem__(store.keys_by_digest, value.digest, value)
                dict.__setitem__(where, name[2:], value)
        for name in record["d"]:
            world.tracker.stale(name)
            where = getattr(store, ENTITIES[name[:2]][0])
            gone = dict.pop(where, name[2:], None)
            if name[:2] == "k|" and gone is not None:
                dict.pop(store.keys_by_digest, gone.digest, None)
        for list_name, op, value in record["l"]:
            _patch_list(store, list_name, op, value)
        timeline = world.tracker.timeline
        assert timeline is not None
        for at, text in record["za"]:
            due = parse_member(text, at)
            timeline.gone.discard(due.seq)
            heapq.heappush(timeline._heap, due)  # O(log n): a heapify here was O(world)
        for text in record["zr"]:
            timeline.gone.add(parse_member(text, 0.0).seq)
        world.version = version
    world.fingerprint = fingerprint(world)
    return True


def _patch_meta(store: Store, data: dict[str, Any]) -> None:
    store.revision, store.video_available = data["revision"], data["video"]
    store.timeline._seq = int(data["seq"])
    store.video_dropped = set(data["dropped"])


def _patch_list(store: Store, name: str, op: str, value: str) -> None:
    ws_id, _, which = name.rpartition("|")
    ws = dict.get(store.workspaces, ws_id)
    if ws is None:
        return
    items = ws.sessions if which == "s" else ws.events
    item: Any = value if which == "s" else snapshot.decode(model.WalletEvent, orjson.loads(value))
    if op == "+":
        list.append(items, item)
    elif op == "-":
        if item in items:
            list.remove(items, item)
    else:
        list.__delitem__(items, slice(0, int(value)))  # type: ignore[misc]  # not logged again
    if which == "e":
        ws.event_index.clear()
        ws.event_index.update((event.id, i) for i, event in enumerate(ws.events))


__all__ = ["Due", "SharedWorld", "SharedWorlds"]
