"""Bug-report bundles: one namespace as one JSON document, to carry a failed CI run's world to a
developer's machine and replay what the app sent (`mockserver replay`, replay.py).

    GET /__mock/bundle            the caller's namespace (X-Mock-Namespace) as a bundle
    PUT /__mock/bundle            load a bundle into the caller's namespace (its world, clock,
                                  scenario and rules replace the namespace's; its journal starts
                                  empty); ?at=start loads the bundle's `start` instead

    {"version": 1,
     "spec": {"title", "version", "sha256"},          sha256 of the document as canonical JSON
     "namespace": "ci-42",
     "clock": {"now": ISO, "epoch": seconds, "frozen": bool},
     "world": <the flavor's snapshot, or null>,
     "activeScenario": "video-outage" | null,         the one in effect (own, else everyone's)
     "rules": [<runtime rule, as POST /__mock/rules takes it, with the times left>],
     "journal": [<GET /__mock/requests entries, oldest first>],
     "start": {"clock", "world", "activeScenario", "rules"} | null,
     "startNote": why `start` is null, or null}

`start` is the namespace as it was just before the first call its journal holds: taken when a
namespace's first API call arrives (after a reset, a DELETE of its journal or a bundle load, at its
next call), so replaying the journal onto it reproduces what happened. Admin calls made between
API calls (a rule added, the clock moved) are not in the journal and so not replayed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.types import Scope

from mockserver.clock import iso
from mockserver.engine import Engine
from mockserver.errors import ApiError, mock_refusal
from mockserver.journal import Entry, Filter, Journal
from mockserver.namespaces import EVERYONE, of_scope
from mockserver.rules import RuleError, Rules

VERSION = 1
MAX_STARTS = 1000  # namespaces come from a header: their number is capped too


@dataclass
class Start:
    state: bytes  # clock, world, activeScenario, rules, as JSON: a fifth of the memory
    calls: int = 0  # API calls seen since: more than the journal holds means it lost some


class Bundles:
    def __init__(self, engine: Engine, journal: Journal) -> None:
        self.engine = engine
        self.journal = journal
        self.starts: dict[str, Start] = {}

    # -- the start of a namespace's journal ------------------------------------------------------
    def note(self, scope: Scope) -> None:
        """Called for every API call before it is answered: the first one of a namespace takes
        its `start` (a bad namespace is refused further on, not here)."""
        if not self.journal.size:
            return
        namespace = _namespace(scope)
        if namespace is None:
            return
        start = self.starts.get(namespace)
        if start is None:
            if len(self.starts) >= MAX_STARTS:
                del self.starts[next(iter(self.starts))]
            start = self.starts[namespace] = Start(_dumps(self.state(namespace, create=True)))
        start.calls += 1

    def forget(self, namespace: str) -> None:
        """The namespace starts over (reset, journal deleted): its next call takes a new start."""
        if namespace == EVERYONE:
            self.starts.clear()
        else:
            self.starts.pop(namespace, None)

    # -- export ----------------------------------------------------------------------------------
    def export(self, namespace: str) -> dict[str, Any]:
        entries = [self._render(e) for e in reversed(self._entries(namespace))]
        start = self.starts.get(namespace)
        note = None
        if not self.journal.size:
            note = "the journal is off (--journal-size 0)"
        elif start is None:
            note = "no API call since the namespace began (or was reset)" if not entries else None
            note = note or "the namespace's start was forgotten (too many namespaces)"
        elif start.calls > len(entries):
            note = (
                f"the journal dropped {start.calls - len(entries)} older call(s) (--journal-size)"
            )
        spec = self.engine.spec
        return {
            "version": VERSION,
            "spec": {
                "title": spec.title,
                "version": str(spec.document.get("info", {}).get("version", "")),
                "sha256": spec_sha256(spec.document),
            },
            "namespace": namespace,
            **self.state(namespace, create=False),
            "journal": entries,
            "start": json.loads(start.state) if start is not None and note is None else None,
            "startNote": note,
        }

    def _render(self, entry: Entry) -> dict[str, Any]:
        """A journal entry, with a fingerprint of each credential the journal cuts: replay finds
        the key it was (of those it is given) without the bundle carrying a secret."""
        out = self.journal.render(entry)
        out["worldEpoch"] = entry.world_time  # worldTime to the microsecond, for replay's clock
        secret = self.journal.redaction.headers | {"authorization", "cookie"}
        prints = {}
        for raw_name, raw_value in entry.headers:
            name = raw_name.decode("latin-1").lower()
            if name in secret:
                value = raw_value.decode("latin-1")
                if name == "authorization":
                    value = value.partition(" ")[2] or value
                prints[name] = fingerprint(value)
        if prints:
            out["credentialFingerprints"] = prints
        return out

    def _entries(self, namespace: str) -> list[Entry]:
        return self.journal.find(namespace, Filter(limit=max(1, self.journal.size)))

    def state(self, namespace: str, *, create: bool) -> dict[str, Any]:
        """Clock, world, active scenario and rules of a namespace, as a bundle writes them."""
        engine, world = self.engine, None
        if engine.worlds is not None:
            world = engine.worlds.get(namespace) if create else engine.worlds.peek(namespace)
        scenario = engine.active.get(namespace) or engine.active.get(EVERYONE)
        now, frozen = (world.clock.now(), world.clock.frozen) if world else (time.time(), False)
        return {
            "clock": {"now": iso(now), "epoch": now, "frozen": frozen},
            "world": engine.flavor.snapshot(world) if world is not None else None,
            "activeScenario": scenario.name if scenario is not None else None,
            "rules": [
                _postable(rule)
                for rule in engine.rules.listing(namespace)
                if rule.namespace == namespace
            ],
        }

    # -- import ----------------------------------------------------------------------------------
    def load(self, namespace: str, bundle: Any, at: str = "end") -> dict[str, Any]:
        if not isinstance(bundle, dict) or bundle.get("version") != VERSION:
            raise _bad(f"not a version {VERSION} bundle (GET /__mock/bundle writes one)")
        state = bundle if at == "end" else bundle.get("start")
        if not isinstance(state, dict):
            raise _bad(f"the bundle has no start: {bundle.get('startNote') or 'none recorded'}")
        engine = self.engine
        scenario = state.get("activeScenario")
        if scenario is not None:
            engine.scenario_named(str(scenario))  # an unknown one is refused before any change
        rules = state.get("rules") or []
        checked = Rules(engine.spec)  # every rule checked before anything changes
        for index, raw in enumerate(rules):
            try:
                checked.add(raw, namespace)
            except RuleError as exc:
                raise _bad(f"rules.{index}: {exc}") from None
        world = state.get("world")
        if engine.worlds is not None:
            if world is not None:
                self._restore(namespace, world)  # a world that cannot be loaded changes nothing
            engine.reset_worlds(namespace)  # and the engine forgets what it switched in the old
            if world is not None:
                self._restore(namespace, world)
        engine.activate(scenario, namespace)
        engine.rules.clear(namespace)
        for raw in rules:
            engine.rules.add(raw, namespace)
        self.journal.clear(namespace)
        self.forget(namespace)
        self.starts[namespace] = Start(_dumps(self.state(namespace, create=True)))
        return {
            "namespace": namespace,
            "loaded": at,
            "world": world is not None,
            "activeScenario": scenario,
            "rules": len(rules),
            "journalEntries": len(bundle.get("journal") or []),
            "now": iso(self.state(namespace, create=False)["clock"]["epoch"]),
        }

    def _restore(self, namespace: str, world: Any) -> None:
        assert self.engine.worlds is not None
        try:
            self.engine.flavor.restore(self.engine.worlds, namespace, world)
        except ValueError as exc:
            raise _bad(f"cannot load the world: {exc}") from None


def fingerprint(credential: str) -> str:
    """Which credential it was, not what it is: 16 hex digits of its SHA-256."""
    return hashlib.sha256(credential.encode()).hexdigest()[:16]


def spec_sha256(document: Any) -> str:
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _postable(rule: Any) -> dict[str, Any]:
    """A runtime rule as POST /__mock/rules takes it, with what is left of its times."""
    given = {
        k: v for k, v in rule.given.items() if k not in ("times", "expiresInSeconds", "namespace")
    }
    if rule.remaining is not None:
        given["times"] = rule.remaining
    if rule.expires_at is not None:
        given["expiresInSeconds"] = max(1, round(rule.expires_at - time.time()))
    return given


def _namespace(scope: Scope) -> str | None:
    """The namespace of an API call, as `namespaces.namespace_of` reads it; None when bad."""
    try:
        return of_scope(scope)
    except ApiError:
        return None


def _bad(message: str) -> ApiError:
    return mock_refusal("MOCK_BAD_BUNDLE", message, "bundle:invalid")


def _dumps(value: Any) -> bytes:
    """JSON of a world's state; integers beyond 64 bits (a heartbeat sequence) too."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":")).encode()
