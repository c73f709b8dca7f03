"""A Luxxon world as entities in the shared store, and back (shared.py keeps the copies current).

An entity is one value of one of the store's dicts (a workspace, a key, a session…), stored under
its prefix and key as JSON (`tracking.encode`); beside them, `base` (what a world never changes),
`meta` (its counters and switches) and `clock`. A workspace's long lists are Redis lists, the
timeline a sorted set. `collect` turns what a call changed into a commit and its log record;
`full_changes` writes a whole world; `from_loaded` reads one back; `patch` applies other workers'
log records to a copy.
"""

from __future__ import annotations

import random
from collections import deque
from typing import TYPE_CHECKING, Any

import orjson

from mockserver.clock import Clock
from mockserver.luxxon.world import fixture, model, snapshot
from mockserver.luxxon.world.store import Store
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
from mockserver.redisstore import Changes, Loaded

if TYPE_CHECKING:
    from mockserver.luxxon.world.shared import SharedWorld

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
    changes.due_added = [(d.at, member(d)) for d in store.timeline.entries() if d.seq not in seen]
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
    for text, at in loaded.due:
        store.timeline.put(parse_member(text, at))
    store.timeline._seq = int(meta["seq"])
    clock_data = orjson.loads(loaded.entities["clock"])
    clock = Clock(frozen_at=clock_data["frozenAt"])
    clock._offset = float(clock_data["offset"])
    world = World.__new__(World)
    world.clock, world.store = clock, store
    return world, str(base["salt"])


def patch(world: SharedWorld, records: list[tuple[int, bytes]]) -> bool:
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
            timeline.put(due)  # O(log n): a heapify here was O(world)
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
