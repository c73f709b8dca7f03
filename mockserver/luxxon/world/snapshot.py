"""A Luxxon world as plain JSON and back, for bug-report bundles (`mockserver/bundle.py`).

Everything a world holds goes in: the store's entities (the dataclasses of `model.py`, encoded
field by field from their type hints, so a field added there travels without a change here), its
indexes, the pending timed transitions, the publishers a video outage dropped, the random
generator's state (so the identifiers the world hands out next are the ones it would have handed
out) and the clock. The indexes that only point at
entities (`keys_by_digest`) are rebuilt rather than stored.
"""

from __future__ import annotations

import dataclasses
import random
import types
import typing
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from mockserver.clock import LATEST, Clock, iso
from mockserver.luxxon.world import model
from mockserver.luxxon.world.fixture import Rules
from mockserver.luxxon.world.store import Store
from mockserver.luxxon.world.timeline import Timeline
from mockserver.luxxon.world.world import World

VERSION = 1

# Store attributes and their types; `rules`, `rng`, `timeline` and `keys_by_digest` are special.
FIELDS: dict[str, Any] = {
    "t0": float,
    "workspaces": dict[str, model.Workspace],
    "slugs": dict[str, str],
    "memberships": dict[str, dict[str, str]],
    "keys": dict[str, model.ApiKey],
    "sessions": dict[str, model.Session],
    "inputs": dict[str, str],
    "quotes": dict[str, model.Quote],
    "nonces": dict[str, model.Nonce],
    "video_available": bool,
    "revision": int,
}


class SnapshotError(ValueError):
    """A snapshot this code cannot read: where in it and why."""


def dump(world: World) -> dict[str, Any]:
    store, clock = world.store, world.clock
    out: dict[str, Any] = {"version": VERSION}
    out["clock"] = {"now": clock.now(), "frozen": clock.frozen}
    out["rules"] = encode(store.rules)
    version, words, gauss = store.rng.getstate()
    out["rng"] = [version, list(words), gauss]
    out["timeline"] = {
        "seq": store.timeline._seq,
        "due": [list(entry) for entry in sorted(store.timeline._heap)],
    }
    out.update({name: encode(getattr(store, name)) for name in FIELDS})
    # LIVE publishers a video outage dropped
    out["videoDropped"] = sorted(store.video_dropped)
    return out


def load(data: Any) -> World:
    """The world `dump` wrote, its clock running on (or frozen) from the instant it was taken."""
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise SnapshotError(f"world: not a version {VERSION} Luxxon world snapshot")
    try:
        rules = decode(Rules, data["rules"])
        state = data["rng"]
        rng = random.Random()
        rng.setstate((state[0], tuple(state[1]), state[2]))
        store = Store(rules, float(data["t0"]), rng)
        for name, hint in FIELDS.items():
            setattr(store, name, decode(hint, data[name]))
        store.keys_by_digest = {key.digest: key for key in store.keys.values()}
        store.timeline = _timeline(data["timeline"])
        store.video_dropped = {str(ref) for ref in data.get("videoDropped", ())}
        now = float(data["clock"]["now"])
        if not 0 <= now <= LATEST:  # NaN too: a clock the world's deadlines could not be dated by
            raise ValueError(f"clock.now {now} is outside 1970 to {iso(LATEST)}")
        clock = Clock(frozen_at=now)
        if not data["clock"]["frozen"]:
            clock.unfreeze()
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise SnapshotError(f"world: {type(exc).__name__}: {exc}") from None
    world = World.__new__(World)  # not from a fixture: from what a running world was
    world.clock, world.store = clock, store
    return world


def _timeline(data: dict[str, Any]) -> Timeline:
    timeline = Timeline()
    timeline._heap = [
        (float(at), int(seq), str(kind), str(ref)) for at, seq, kind, ref in data["due"]
    ]
    timeline._seq = int(data["seq"])
    return timeline  # sorted by (at, seq): already a heap


_PLAIN = (str, int, float, bool, type(None))


def encode(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    return value


def decode(hint: Any, value: Any) -> Any:
    """`value` (from `encode`) as the type `hint` names."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        return decode(next(a for a in args if a is not type(None)), value)
    if origin is dict:
        return {key: decode(args[1], item) for key, item in value.items()}
    if origin is list:
        return [decode(args[0], item) for item in value]
    if origin is tuple:
        return tuple(decode(args[0], item) for item in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        given = {
            f.name: decode(hints[f.name], value[f.name]) for f in _fields(hint) if f.name in value
        }
        return hint(**given)
    if hint is type(None):
        return None
    if isinstance(hint, type) and issubclass(hint, Enum | Decimal):
        return hint(value)
    if hint is float:
        return float(value)
    if hint in (int, str, bool) and not isinstance(value, hint):
        raise TypeError(f"{value!r} is not a {hint.__name__}")
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)
