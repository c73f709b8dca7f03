"""`/__mock/…`: switch scenarios, reset worlds and move their clocks while the mock runs, for the
QA engineer and the frontend developer who cannot restart it or set headers.

    GET  /__mock                  what is loaded and active
    PUT  /__mock/scenario         {"name": "video-outage" | null}        scenario on/off
    POST /__mock/reset            the namespace's world starts again from the fixture
    GET  /__mock/clock            the namespace's clock
    POST /__mock/clock            {"advance": 30} moves it on; {"freeze": true}, {"unfreeze": true}
    …                             a flavor's own actions on the namespace's world

Every call acts on the namespace of its `X-Mock-Namespace` header (`?__namespace=`), or on the
default world; `PUT /__mock/scenario` with `"namespace": "*"` in the body acts for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.calls import Call, Reply
from mockserver.clock import LATEST, iso
from mockserver.engine import Engine
from mockserver.errors import ApiError, mock_refusal
from mockserver.namespaces import EVERYONE, checked

PREFIX = "/__mock"
MAX_ADVANCE_S = 10 * 365 * 24 * 3600  # ten years: any further and dates stop being dates
Action = Callable[["Admin", Call], Any]
WorldAction = Callable[[Any, Call], Any]


class Admin:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.actions: dict[tuple[str, str], Action] = dict(ACTIONS)
        for (method, path), world_action in engine.flavor.admin_actions.items():
            self.actions[(method, PREFIX + path)] = _on_world(world_action)

    def answer(self, call: Call) -> Reply:
        action = self.actions.get((call.method, call.path.rstrip("/") or PREFIX))
        if action is None:
            routes = ", ".join(f"{m} {p}" for m, p in self.actions)
            raise ApiError(
                404,
                "MOCK_NO_SUCH_ADMIN_ROUTE",
                f"No admin route {call.method} {call.path}; there are: {routes}",
                "admin:notFound",
            )
        return Reply(data=action(self, call))

    # -- actions ---------------------------------------------------------------------------------
    def status(self, call: Call) -> dict[str, Any]:
        engine = self.engine
        return {
            "spec": engine.spec.title,
            "operations": len(engine.spec.operations),
            "scenarios": sorted(engine.scenarios),
            "activeScenarios": {ns: s.name for ns, s in sorted(engine.active.items())},
            "world": engine.worlds is not None,
            "namespaces": engine.worlds.namespaces() if engine.worlds is not None else [],
        }

    def scenario(self, call: Call) -> dict[str, Any]:
        body = _object(call)
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
        self._worlds().reset(call.namespace)
        return {"namespace": call.namespace, "reset": True}

    def clock(self, call: Call) -> dict[str, Any]:
        clock = self._worlds().get(call.namespace).clock
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

    def _worlds(self) -> Any:
        if self.engine.worlds is None:
            raise mock_refusal("MOCK_NO_WORLD", "This mock runs without a world", "admin:noWorld")
        return self.engine.worlds


ACTIONS: dict[tuple[str, str], Action] = {
    ("GET", PREFIX): Admin.status,
    ("PUT", f"{PREFIX}/scenario"): Admin.scenario,
    ("POST", f"{PREFIX}/reset"): Admin.reset,
    ("GET", f"{PREFIX}/clock"): Admin.clock,
    ("POST", f"{PREFIX}/clock"): Admin.clock,
}


def _on_world(world_action: WorldAction) -> Action:
    """A flavor's action, given the world of the call's namespace."""
    return lambda admin, call: world_action(admin._worlds().get(call.namespace), call)


def _object(call: Call, allowed: set[str] | None = None) -> dict[str, Any]:
    if call.body is None:
        return {}
    if not isinstance(call.body, dict):
        raise _bad("the body must be a JSON object")
    unknown = sorted(set(call.body) - allowed) if allowed is not None else []
    if unknown:
        raise _bad(f"unknown field(s) {unknown}; this call takes {sorted(allowed or ())}")
    return call.body


def _bad(message: str) -> ApiError:
    return mock_refusal("MOCK_BAD_ADMIN_REQUEST", message, "admin:badRequest")


__all__ = ["EVERYONE", "PREFIX", "Admin"]
