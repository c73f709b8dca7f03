"""Worlds in the shared store (`--store redis://…`): every worker and host serves the same world.

Each worker keeps a copy of the namespaces it serves and the version it holds. A call first
makes the copy current: when the change feed (store_watch.py) has said nothing about the
namespace, it is; else one round trip reads its version, and when another worker has committed
since, the commit records after our version are read and patched in (the whole
namespace is reloaded only when the log no longer reaches back). The call then runs on the copy,
exactly as on an embedded world, and what it changed (tracking.py, entities.py) is committed with the version
it started from. A commit that lost the race changes nothing: the copy is rolled back, brought
up to date and the call runs again, so each call is atomic across processes and the timed
transitions due by now are applied by exactly one of them.

The world's first call builds it from the fixture once, for everyone: the builder's commit
expects version 0 (or the version of a reset), so two workers racing to build it agree on one.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from mockserver.calls import Call, Reply
from mockserver.errors import ApiError
from mockserver.luxxon.world import fixture
from mockserver.luxxon.world.entities import (
    attach,
    collect,
    decode_entity,
    fingerprint,
    from_loaded,
    full_changes,
    patch,
    set_meta,
)
from mockserver.luxxon.world.timeline import Due
from mockserver.luxxon.world.tracking import Tracker
from mockserver.luxxon.world.world import World
from mockserver.redisstore import RedisStore, StoreUnavailable
from mockserver.spec import Operation, Spec

T = TypeVar("T")
ATTEMPTS = 50  # commits a call may lose to other workers before it answers 503


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
            if records is not None and patch(world, records):
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


__all__ = ["Due", "SharedWorld", "SharedWorlds"]
