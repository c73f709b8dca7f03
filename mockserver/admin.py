"""`/__mock/…`: switch scenarios, reset worlds and move their clocks while the mock runs, for the
QA engineer and the frontend developer who cannot restart it or set headers.

    GET  /__mock                  what is loaded and active (a browser gets the web console;
                                  `reloadError`: the edit --watch could not load, null when fine)
    GET  /__mock/world            the namespace's world as the flavor summarizes it
    PUT  /__mock/scenario         {"name": "video-outage" | null}        scenario on/off
    POST /__mock/reset            the namespace starts over: its world (from the fixture), its
                                  runtime rules and its journal; {"namespace": "*"}: every one
    GET  /__mock/clock            the namespace's clock
    POST /__mock/clock            {"advance": 30} moves it on; {"freeze": true}, {"unfreeze": true}
    GET  /__mock/requests         the journal, newest first (?operation= &method= &path= &status=
                                  &since= &limit=); GET /__mock/requests/{id}: one entry
    POST /__mock/requests/count   the same filters in the body -> {"count": N} (verification)
    DELETE /__mock/requests       forget the journal
    POST /__mock/rules            a runtime rule -> its id; GET lists them; DELETE …/{id}, DELETE all
    GET  /__mock/bundle           the namespace as one JSON document; PUT loads one (bundle.py)
    …                             a flavor's own actions on the namespace's world

Every call acts on the namespace of its `X-Mock-Namespace` header (`?__namespace=`), or on the
default world; `"namespace": "*"` in the body (or `?namespace=*` on a journal read) acts for
everyone. A field a call does not take is refused (422), never ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import orjson

from mockserver import console
from mockserver.bundle import Bundles
from mockserver.calls import Call, Reply
from mockserver.clock import LATEST, iso
from mockserver.engine import Engine
from mockserver.errors import ApiError, mock_refusal
from mockserver.journal import Filter, FilterError, Journal
from mockserver.namespaces import EVERYONE, checked
from mockserver.redisstore import RedisStore, StoreUnavailable
from mockserver.rules import RuleError

PREFIX = "/__mock"
MAX_ADVANCE_S = 10 * 365 * 24 * 3600  # ten years: any further and dates stop being dates
Action = Callable[["Admin", Call], Any]
WorldAction = Callable[[Any, Call], Any]


class Admin:
    def __init__(
        self, engine: Engine, journal: Journal | None = None, store: RedisStore | None = None
    ) -> None:
        self.engine = engine
        self.store = store
        self.journal = journal or Journal(0)
        self.bundles = Bundles(engine, self.journal)
        self.reload_error: dict[str, str] | None = None  # set by reload.py
        self.actions: dict[tuple[str, str], Action] = dict(ACTIONS)
        for (method, path), world_action in engine.flavor.admin_actions.items():
            self.actions[(method, PREFIX + path)] = _on_world(world_action)

    def answer(self, call: Call) -> Reply:
        path = call.path.rstrip("/") or PREFIX
        action = self.actions.get((call.method, path))
        if action is None:  # …/{id} routes: the last segment is the id
            action = self.actions.get((call.method, path.rpartition("/")[0] + "/{id}"))
        if action is None:
            routes = ", ".join(f"{m} {p}" for m, p in self.actions)
            raise ApiError(
                404,
                "MOCK_NO_SUCH_ADMIN_ROUTE",
                f"No admin route {call.method} {call.path}; there are: {routes}",
                "admin:notFound",
            )
        answer = action(self, call)
        return answer if isinstance(answer, Reply) else Reply(data=answer)

    def store_state(self) -> dict[str, Any]:
        """Where the worlds live and, for a shared store, whether it answers."""
        if self.store is None:
            return {"kind": "memory", "up": True}
        return self.store.state()

    # -- actions ---------------------------------------------------------------------------------
    def status(self, call: Call) -> dict[str, Any] | Reply:
        if console.wants_page(call.headers):
            return console.asset(console.PAGE)
        engine = self.engine
        try:
            engine.sync_controls()
            namespaces = engine.worlds.namespaces() if engine.worlds is not None else []
            rules = len(engine.rules.listing())
        except StoreUnavailable:  # the status still answers, and says the store is down
            namespaces, rules = [], 0
        return {
            "spec": engine.spec.title,
            "operations": len(engine.spec.operations),
            "scenarios": sorted(engine.scenarios),
            "activeScenarios": {ns: s.name for ns, s in sorted(engine.active.items())},
            "world": engine.worlds is not None,
            "namespaces": namespaces,
            "journalSize": self.journal.size,
            "rules": rules,
            "reloadError": self.reload_error,
            "store": self.store_state(),
        }

    def scenario(self, call: Call) -> dict[str, Any]:
        body = _object(call, allowed={"name", "namespace"})
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise _bad("'name' must be a scenario name or null")
        namespace = body.get("namespace", call.namespace)
        if not isinstance(namespace, str):
            raise _bad("'namespace' must be a string ('*' for everyone)")
        if namespace != EVERYONE:
            checked(namespace)  # as X-Mock-Namespace: no 1 MB names, no NUL, no '/..'
        self.engine.activate(name, namespace)
        return {"namespace": namespace, "scenario": name}

    def reset(self, call: Call) -> dict[str, Any]:
        namespace = _namespace(_object(call, allowed={"namespace"}), call)
        if self.engine.worlds is not None:
            self.engine.reset_worlds(namespace)
        rules = self.engine.rules.clear(None if namespace == EVERYONE else namespace)
        entries = self.journal.clear(namespace)
        self.bundles.forget(namespace)
        return {
            "namespace": namespace,
            "reset": True,
            "world": self.engine.worlds is not None,
            "rulesDeleted": rules,
            "journalEntriesDeleted": entries,
        }

    # -- the journal -----------------------------------------------------------------------------
    def requests(self, call: Call) -> dict[str, Any]:
        query = dict(call.query)
        namespace = _namespace(query, call)
        wanted = _filter(query)
        entries = self.journal.find(namespace, wanted)
        return {
            "namespace": namespace,
            "requests": [self.journal.render(entry) for entry in entries],
        }

    def request(self, call: Call) -> dict[str, Any]:
        wanted = call.path.rstrip("/").rpartition("/")[2]
        entry = self.journal.lookup(call.namespace, int(wanted)) if wanted.isdigit() else None
        if entry is None:
            raise mock_refusal(
                "MOCK_UNKNOWN_REQUEST", f"No journal entry {wanted!r}", "journal:unknown"
            )
        return self.journal.render(entry)

    def count(self, call: Call) -> dict[str, Any]:
        body = dict(_object(call))
        namespace = _namespace(body, call)
        body.pop("limit", None)  # a count counts them all
        return {"namespace": namespace, "count": self.journal.count(namespace, _filter(body))}

    def forget_requests(self, call: Call) -> dict[str, Any]:
        namespace = _namespace(_object(call, allowed={"namespace"}), call)
        self.bundles.forget(namespace)
        return {"namespace": namespace, "deleted": self.journal.clear(namespace)}

    # -- runtime rules ---------------------------------------------------------------------------
    def add_rule(self, call: Call) -> dict[str, Any]:
        try:
            added = self.engine.rules.add(call.body, call.namespace)
        except RuleError as exc:
            raise mock_refusal("MOCK_BAD_RULE", str(exc), f"rule:{exc.key_path}") from None
        return added.describe()

    def list_rules(self, call: Call) -> dict[str, Any]:
        rules = self.engine.rules.listing(call.namespace)
        return {"namespace": call.namespace, "rules": [rule.describe() for rule in rules]}

    def delete_rule(self, call: Call) -> dict[str, Any]:
        wanted = call.path.rstrip("/").rpartition("/")[2]
        if not self.engine.rules.delete(wanted):
            raise mock_refusal("MOCK_UNKNOWN_RULE", f"No rule {wanted!r}", "rule:unknown")
        return {"deleted": wanted}

    def delete_rules(self, call: Call) -> dict[str, Any]:
        namespace = _namespace(_object(call, allowed={"namespace"}), call)
        deleted = self.engine.rules.clear(None if namespace == EVERYONE else namespace)
        return {"namespace": namespace, "deleted": deleted}

    def clock(self, call: Call) -> dict[str, Any]:
        if call.method == "POST":
            return cast(
                dict[str, Any], self._worlds().apply(call.namespace, lambda w: self._move(w, call))
            )
        return self._move(self._worlds().get(call.namespace), call)

    def _move(self, world: Any, call: Call) -> dict[str, Any]:
        clock = world.clock
        if call.method == "POST":
            body = _object(call, allowed={"freeze", "unfreeze", "advance"})
            for flag in ("freeze", "unfreeze"):
                if not isinstance(body.get(flag, False), bool):
                    raise _bad(f"'{flag}' must be true or false")
            advance = body.get("advance", 0)
            if (
                not isinstance(advance, int | float)
                or isinstance(advance, bool)
                or not 0 <= advance <= MAX_ADVANCE_S
            ):
                raise _bad(f"'advance' must be a number of seconds from 0 to {MAX_ADVANCE_S}")
            if clock.now() + advance > LATEST:  # checked first: a refused call changes nothing
                raise mock_refusal(
                    "MOCK_CLOCK_OUT_OF_RANGE",
                    f"The clock cannot move past {iso(LATEST)}",
                    "body.advance:range",
                )
            if body.get("freeze"):
                clock.freeze()
            if advance:
                clock.advance(float(advance))
            if body.get("unfreeze"):
                clock.unfreeze()
        return {"namespace": call.namespace, "now": iso(clock.now()), "frozen": clock.frozen}

    def bundle(self, call: Call) -> Any:
        if call.method == "GET":  # the document itself, no envelope: a file to keep and load
            return Reply(raw=orjson.dumps(self.bundles.export(call.namespace)))
        at = call.query.get("at", "end")
        if at not in ("end", "start"):
            raise _bad("'at' is 'end' (the bundle's world as exported) or 'start'")
        return self.bundles.load(call.namespace, call.body, at)

    def world(self, call: Call) -> dict[str, Any]:
        """What the console shows of the namespace's world, in the flavor's words."""
        world = self._worlds().get(call.namespace)
        clock = world.clock
        summary = self.engine.flavor.world_summary(world)
        return {
            "namespace": call.namespace,
            "now": iso(clock.now()),
            "frozen": clock.frozen,
            **summary,
        }

    def console_file(self, call: Call) -> Reply:
        return console.asset(call.path.rsplit("/", 1)[-1])

    def _worlds(self) -> Any:
        if self.engine.worlds is None:
            raise mock_refusal("MOCK_NO_WORLD", "This mock runs without a world", "admin:noWorld")
        return self.engine.worlds


ACTIONS: dict[tuple[str, str], Action] = {
    ("GET", PREFIX): Admin.status,
    ("PUT", f"{PREFIX}/scenario"): Admin.scenario,
    ("POST", f"{PREFIX}/reset"): Admin.reset,
    ("GET", f"{PREFIX}/requests"): Admin.requests,
    ("GET", f"{PREFIX}/requests/{{id}}"): Admin.request,
    ("POST", f"{PREFIX}/requests/count"): Admin.count,
    ("DELETE", f"{PREFIX}/requests"): Admin.forget_requests,
    ("POST", f"{PREFIX}/rules"): Admin.add_rule,
    ("GET", f"{PREFIX}/rules"): Admin.list_rules,
    ("DELETE", f"{PREFIX}/rules/{{id}}"): Admin.delete_rule,
    ("DELETE", f"{PREFIX}/rules"): Admin.delete_rules,
    ("GET", f"{PREFIX}/clock"): Admin.clock,
    ("POST", f"{PREFIX}/clock"): Admin.clock,
    ("GET", f"{PREFIX}/bundle"): Admin.bundle,
    ("PUT", f"{PREFIX}/bundle"): Admin.bundle,
    ("GET", f"{PREFIX}/world"): Admin.world,
    ("GET", f"{PREFIX}/console.js"): Admin.console_file,
    ("GET", f"{PREFIX}/console.css"): Admin.console_file,
}


def _on_world(world_action: WorldAction) -> Action:
    """A flavor's action, given the world of the call's namespace."""
    return lambda admin, call: admin._worlds().apply(
        call.namespace, lambda world: world_action(world, call)
    )


def _object(call: Call, allowed: set[str] | None = None) -> dict[str, Any]:
    if call.body is None:
        return {}
    if not isinstance(call.body, dict):
        raise _bad("the body must be a JSON object")
    unknown = sorted(set(call.body) - allowed) if allowed is not None else []
    if unknown:
        raise _bad(f"unknown field(s) {unknown}; this call takes {sorted(allowed or ())}")
    return call.body


def _namespace(given: dict[str, Any], call: Call) -> str:
    """The `namespace` a call names (taken out of `given`), else the caller's own."""
    namespace = given.pop("namespace", None)
    if namespace is None:
        return call.namespace
    if not isinstance(namespace, str):
        raise _bad("'namespace' must be a string ('*' for everyone)")
    return namespace if namespace == EVERYONE else checked(namespace)


def _filter(raw: dict[str, Any]) -> Filter:
    try:
        return Filter.parse(raw)
    except FilterError as exc:
        raise mock_refusal("MOCK_BAD_FILTER", str(exc), f"filter:{exc.key}") from None


def _bad(message: str) -> ApiError:
    return mock_refusal("MOCK_BAD_ADMIN_REQUEST", message, "admin:badRequest")


__all__ = ["EVERYONE", "PREFIX", "Admin"]
