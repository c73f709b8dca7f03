"""A world per namespace, each with its own store and clock, evolving lazily with time."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from mockserver.calls import Call, Reply
from mockserver.clock import Clock
from mockserver.errors import ApiError
from mockserver.luxxon.world import autopilot, fixture, genesis, money, sessions, video
from mockserver.luxxon.world.context import Ctx
from mockserver.luxxon.world.documented import as_documented
from mockserver.luxxon.world.handlers import HANDLERS
from mockserver.luxxon.world.model import Autopilot
from mockserver.luxxon.world.store import Store
from mockserver.spec import Operation, Spec

T = TypeVar("T")
TimedStep = Callable[[Store, str, float], None]
TIMED: dict[str, TimedStep] = {
    "wait_timeout": sessions.wait_timeout,
    "max_duration": sessions.max_duration,
    "autopilot_accept": autopilot.acknowledge,
    "autopilot_start": autopilot.start,
    "first_frame": video.first_frame,
    "settle_pending": money.settle_pending,
    "settle_submitted": money.settle_submitted,
    "settle_confirmed": money.settle_confirmed,
    "quote": lambda store, ref, at: store.purge("quote", ref),
    "nonce": lambda store, ref, at: store.purge("nonce", ref),
}
_ABOUT_SESSIONS = frozenset(TIMED) - {"quote", "nonce"}


class World:
    """One namespace's Luxxon: `handle` answers a call from the current state of the world."""

    def __init__(
        self, source: fixture.Fixture, clock: Clock | None = None, seed: str | None = None
    ) -> None:
        self.clock = clock or Clock()
        self.store = genesis.build(source, self.clock.now(), random.Random(seed))

    def handle(self, call: Call, operation: Operation) -> Reply | None:
        handler = HANDLERS.get(call.operation_id)
        if handler is None:
            return None
        now = self.advance()
        try:
            return handler(Ctx(call, self.store, now))
        except ApiError as error:
            raise as_documented(error, operation) from None

    def advance(self) -> float:
        """Apply every timed transition due by now, in due order, each at its due time."""
        now = self.clock.now()
        timeline = self.store.timeline
        due = timeline.pop_due(now)
        while due is not None:
            if due.kind not in _ABOUT_SESSIONS or due.ref in self.store.sessions:  # not forgotten
                TIMED[due.kind](self.store, due.ref, due.at)
            due = timeline.pop_due(now)
        return now

    @property
    def revision(self) -> int:
        """Moves on every authz-relevant write (the consistency-token counter)."""
        return self.store.revision

    def set_autopilot(self, workspace_id: str, on: bool) -> None:
        """Switch a supplier's simulation on (the world's default delays) or off."""
        ws = self.store.workspaces[workspace_id]
        rules = self.store.rules
        ws.autopilot = Autopilot(rules.accept_after, rules.start_after) if on else None

    def set_video_available(self, available: bool) -> None:
        """Mark the whole video backend up or down (start/viewer/producer tokens → VIDEO_ERROR)."""
        self.store.video_available = available


class Worlds:
    """The fixture, loaded and checked once; a fresh world per namespace on first use."""

    def __init__(self, spec: Spec, fixture_path: Path, *, seed: int | None = None) -> None:
        self.spec = spec
        self.fixture = fixture.load(fixture_path)
        self._seed = seed
        self._worlds: dict[str, World] = {}

    def get(self, namespace: str) -> World:
        world = self._worlds.get(namespace)
        if world is None:
            seed = None if self._seed is None else f"{self._seed}:{namespace}"
            world = self._worlds[namespace] = World(self.fixture, seed=seed)
        return world

    def apply(self, namespace: str, fn: Callable[[World], T]) -> T:
        """Run `fn` on the namespace's world (one process: nothing else can run meanwhile)."""
        return fn(self.get(namespace))

    def forget(self, namespace: str) -> None:
        """The namespace idled out (namespaces.Registry): its world goes."""
        self.reset(namespace)

    def reset(self, namespace: str | None = None) -> None:
        """Forget one namespace's world (or all): the next call starts from the fixture again."""
        if namespace is None:
            self._worlds.clear()
        else:
            self._worlds.pop(namespace, None)

    def namespaces(self) -> list[str]:
        return sorted(self._worlds)

    def peek(self, namespace: str) -> World | None:
        return self._worlds.get(namespace)

    def put(self, namespace: str, world: World) -> None:
        """Make `world` the namespace's (a bundle loaded: snapshot.py)."""
        self._worlds[namespace] = world

    def adopt(self, old: Worlds) -> None:
        """Hot reload: keep every namespace's world of `old`; new ones start from this fixture."""
        self._worlds = old._worlds
