"""`/__mock/…`: switch scenarios, reset worlds and move their clocks while the mock runs, for the
QA engineer and the frontend developer who cannot restart it or set headers.

    GET  /__mock                  what is loaded and active
    PUT  /__mock/scenario         {"name": "video-outage" | null}        scenario on/off
    POST /__mock/reset            the namespace's world starts again from the fixture
    GET  /__mock/clock            the namespace's clock
    POST /__mock/clock            {"advance": 30} moves it on; {"freeze": true}, {"unfreeze": true}
    PUT  /__mock/autopilot        {"workspaceId": "…", "on": false}     a simulated supplier
    PUT  /__mock/video            {"available": false}                  the video backend

Every call acts on the namespace of its `X-Mock-Namespace` header (`?__namespace=`), or on the
default world; `PUT /__mock/scenario` with `"namespace": "*"` in the body acts for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.calls import Call, Reply
from mockserver.clock import iso
from mockserver.engine import EVERYONE, MOCK_STATUS, Engine
from mockserver.errors import ApiError

PREFIX = "/__mock"
MAX_ADVANCE_S = 10 * 365 * 24 * 3600  # ten years: any further and dates stop being dates
Action = Callable[["Admin", Call], Any]


class Admin:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def answer(self, call: Call) -> Reply:
        action = ACTIONS.get((call.method, call.path.rstrip("/") or PREFIX))
        if action is None:
            routes = ", ".join(f"{m} {p}" for m, p in ACTIONS)
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
            if body.get("freeze"):
                clock.freeze()
            if advance:
                clock.advance(float(advance))
            if body.get("unfreeze"):
                clock.unfreeze()
        return {"namespace": call.namespace, "now": iso(clock.now()), "frozen": clock.frozen}

    def autopilot(self, call: Call) -> dict[str, Any]:
        body = _object(call)
        workspace, on = body.get("workspaceId"), body.get("on")
        if not isinstance(workspace, str) or not isinstance(on, bool):
            raise _bad("give 'workspaceId' (a supplier workspace id) and 'on' (true or false)")
        try:
            self._worlds().get(call.namespace).set_autopilot(workspace, on)
        except KeyError:
            raise ApiError(404, "WORKSPACE_NOT_FOUND", detail="admin:autopilot") from None
        return {"namespace": call.namespace, "workspaceId": workspace, "autopilot": on}

    def video(self, call: Call) -> dict[str, Any]:
        available = _object(call).get("available")
        if not isinstance(available, bool):
            raise _bad("'available' must be true or false")
        self._worlds().get(call.namespace).set_video_available(available)
        return {"namespace": call.namespace, "videoAvailable": available}

    def _worlds(self) -> Any:
        if self.engine.worlds is None:
            raise ApiError(
                MOCK_STATUS,
                "MOCK_NO_WORLD",
                "This mock runs without a world (--world none)",
                "admin:noWorld",
            )
        return self.engine.worlds


ACTIONS: dict[tuple[str, str], Action] = {
    ("GET", PREFIX): Admin.status,
    ("PUT", f"{PREFIX}/scenario"): Admin.scenario,
    ("POST", f"{PREFIX}/reset"): Admin.reset,
    ("GET", f"{PREFIX}/clock"): Admin.clock,
    ("POST", f"{PREFIX}/clock"): Admin.clock,
    ("PUT", f"{PREFIX}/autopilot"): Admin.autopilot,
    ("PUT", f"{PREFIX}/video"): Admin.video,
}


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
    return ApiError(MOCK_STATUS, "MOCK_BAD_ADMIN_REQUEST", message, "admin:badRequest")


__all__ = ["EVERYONE", "PREFIX", "Admin"]
