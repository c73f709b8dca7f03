"""The Luxxon flavor: what the Luxxon API does alike on every operation, beyond its spec.

- successes in `{statusCode, message, data, timestamp}` where the spec documents that envelope,
  errors in `LxErrorResponseDto` `{statusCode, code, message, detail, timestamp}`;
- the `lx_session` wallet cookie (the spec's `lx-session` scheme) counts as a credential;
- `X-Lx-Consistency-Token` is readable by browser pages;
- the world (`world/`), with the admin actions only it has: autopilot, the video backend, and
  session controls (first frame, publisher disconnect/reconnect, expire, end: `world/controls.py`),
  and its summary for the console (`world/summary.py`);
- scenario world switches: `world: {video: down}` takes the world's video backend down;
- value rules for generated bodies: WHIP/WHEP URLs, µUSDC amounts, supplier names.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from mockserver.calls import Call, Reply
from mockserver.clock import iso_now
from mockserver.errors import ApiError, mock_refusal
from mockserver.flavor import Flavor, World, Worlds
from mockserver.luxxon.errors import envelope
from mockserver.luxxon.values import VALUE_RULES
from mockserver.spec import Operation, Spec

if TYPE_CHECKING:
    from mockserver.fake import Generator
    from mockserver.fake.names import ValueRules
    from mockserver.redisstore import RedisStore
    from mockserver.settings import Settings

HOME = Path(str(files(__package__)))


class LuxxonFlavor(Flavor):
    name: ClassVar[str] = "luxxon"
    expose_headers: ClassVar[tuple[str, ...]] = ("X-Lx-Consistency-Token", "X-Lx-Next-Cursor")
    also_accepted_schemes: ClassVar[tuple[str, ...]] = ("lx-session",)

    def __init__(self, spec: Spec, generator: Generator) -> None:
        super().__init__(spec, generator)
        self._envelopes = {
            (op.operation_id, r.status): _is_envelope(r.schema)
            for op in spec.operations.values()
            for r in op.responses.values()
        }
        # A success documented without a body (GET /demand) follows the spec's habit.
        successes = [
            r
            for op in spec.operations.values()
            for r in op.responses.values()
            if r.status.startswith("2") and r.schema is not None
        ]
        self._envelope_by_default = (
            sum(_is_envelope(r.schema) for r in successes) > len(successes) / 2
        )
        self._enveloped: dict[tuple[str, int], bool] = {}  # (operationId, status) → found once

    def body(self, reply: Reply, operation: Operation | None) -> Any:
        if operation is not None:
            key = (operation.operation_id, reply.status)
            enveloped = self._enveloped.get(key)
            if enveloped is None:
                enveloped = self._enveloped[key] = self._is_enveloped(operation, reply.status)
            if not enveloped:
                return reply.data
        return {
            "statusCode": reply.status,
            "message": reply.message,
            "data": reply.data,
            "timestamp": iso_now(),
        }

    def _is_enveloped(self, operation: Operation, status: int) -> bool:
        response = operation.response(status)
        if response is None or response.schema is None:
            return self._envelope_by_default
        return self._envelopes[(operation.operation_id, response.status)]

    def freshen(self, body: Any, status: int, params: Mapping[str, str], now: str) -> Any:
        """An example envelope is sent with the current time and its own status, and an entity
        in it echoes the path's identifiers (GET /sessions/{id} answers with that id)."""
        if not (isinstance(body, dict) and "timestamp" in body):
            return body
        body = {**body, "timestamp": now}
        if "statusCode" in body:
            body["statusCode"] = status
        data = body.get("data")
        if isinstance(data, dict) and any(name in data for name in params):
            adopted = {k: v for k, v in params.items() if isinstance(data.get(k), str)}
            body["data"] = {**data, **adopted}
        return body

    def error(self, error: ApiError, operation: Operation | None) -> Reply:
        return Reply(
            status=error.status,
            raw=orjson.dumps(envelope(error)),
            headers=dict(error.headers or {}),
        )

    @classmethod
    def default_files(cls) -> tuple[Path | None, Path | None]:
        return HOME / "openapi.json", HOME / "scenarios"

    def worlds(self, settings: Settings, store: RedisStore | None = None) -> Worlds | None:
        from mockserver.luxxon.world import Worlds as LuxxonWorlds
        from mockserver.luxxon.world.fixture import FixtureError
        from mockserver.luxxon.world.shared import SharedWorlds

        if settings.world is None or settings.scenarios_dir is None:
            return None
        fixture = settings.scenarios_dir / "worlds" / f"{settings.world}.yaml"
        if not fixture.is_file():
            if settings.world == "default":
                return None  # a scenarios folder without the default world: serve from the spec
            known = sorted(p.stem for p in fixture.parent.glob("*.yaml")) or ["none"]
            raise FixtureError(fixture, "--world", f"no such world; known: {', '.join(known)}")
        if store is not None:
            return SharedWorlds(self.spec, fixture, store, seed=settings.seed)
        return LuxxonWorlds(self.spec, fixture, seed=settings.seed)

    def carry_worlds(self, old: Worlds | None, new: Worlds | None) -> Worlds | None:
        from mockserver.luxxon.world import Worlds as LuxxonWorlds
        from mockserver.luxxon.world.shared import SharedWorlds

        for kind in (LuxxonWorlds, SharedWorlds):
            if isinstance(old, kind) and isinstance(new, kind):
                new.adopt(old)  # type: ignore[arg-type]
        return new

    def snapshot(self, world: World) -> Any:
        from mockserver.luxxon.world import snapshot

        return snapshot.dump(world)  # type: ignore[arg-type]

    def restore(self, worlds: Worlds, namespace: str, data: Any) -> None:
        from mockserver.luxxon.world import snapshot

        worlds.put(namespace, snapshot.load(data))  # type: ignore[attr-defined]

    def world_switch_error(self, switches: Mapping[str, Any]) -> str | None:
        from mockserver.luxxon.world import controls

        return controls.switch_error(switches)

    def switch_world(self, world: World, switches: Mapping[str, Any]) -> None:
        from mockserver.luxxon.world import controls

        controls.switch(world, switches)  # type: ignore[arg-type]

    @classmethod
    def value_rules(cls) -> ValueRules | None:
        return VALUE_RULES

    def world_summary(self, world: Any) -> dict[str, Any]:
        from mockserver.luxxon.world.summary import summary

        return summary(world)


def _autopilot(world: Any, call: Call) -> dict[str, Any]:
    """PUT /__mock/autopilot {"workspaceId": "…", "on": false}: a simulated supplier on/off."""
    body = _body(call, {"workspaceId", "on"})
    workspace, on = body.get("workspaceId"), body.get("on")
    if not isinstance(workspace, str) or not isinstance(on, bool):
        raise _bad("give 'workspaceId' (a supplier workspace id) and 'on' (true or false)")
    try:
        world.set_autopilot(workspace, on)
    except KeyError:
        raise ApiError(404, "WORKSPACE_NOT_FOUND", detail="admin:autopilot") from None
    return {"namespace": call.namespace, "workspaceId": workspace, "autopilot": on}


def _video(world: Any, call: Call) -> dict[str, Any]:
    """PUT /__mock/video {"available": false}: the video backend up or down (sessions too)."""
    from mockserver.luxxon.world import controls

    available = _body(call, {"available"}).get("available")
    if not isinstance(available, bool):
        raise _bad("'available' must be true or false")
    controls.set_video(world, available)
    return {"namespace": call.namespace, "videoAvailable": available}


def _session(world: Any, call: Call) -> dict[str, Any]:
    """POST /__mock/session {"sessionId": "…", "action": "first-frame"}: push a session on now
    (first-frame, disconnect, reconnect, expire, end)."""
    from mockserver.luxxon.world import controls

    body = _body(call, {"sessionId", "action"})
    session_id, action = body.get("sessionId"), body.get("action")
    if not isinstance(session_id, str) or action not in controls.SESSION_ACTIONS:
        raise _bad(f"give 'sessionId' and 'action', one of {', '.join(controls.SESSION_ACTIONS)}")
    s = controls.session_action(world, session_id, action)
    return {
        "namespace": call.namespace,
        "sessionId": s.id,
        "action": action,
        "state": s.state.value,
        "publisherConnected": s.publisher_connected,
    }


def _body(call: Call, allowed: set[str]) -> dict[str, Any]:
    """The body as an object with only the fields the action takes (others: 422)."""
    if call.body is None:
        return {}
    if not isinstance(call.body, dict):
        raise _bad("the body must be a JSON object")
    unknown = sorted(set(call.body) - allowed)
    if unknown:
        raise _bad(f"unknown field(s) {unknown}; this call takes {sorted(allowed)}")
    return call.body


def _bad(message: str) -> ApiError:
    return mock_refusal("MOCK_BAD_ADMIN_REQUEST", message, "admin:badRequest")


LuxxonFlavor.admin_actions = {
    ("PUT", "/autopilot"): _autopilot,
    ("PUT", "/video"): _video,
    ("POST", "/session"): _session,
}


def _is_envelope(schema: dict[str, Any] | None) -> bool:
    """True for `{statusCode, message, data, timestamp}`-shaped schemas (also through allOf)."""
    if not schema:
        return False
    props: set[str] = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props |= set(part.get("properties", {}))
    return {"statusCode", "data", "timestamp"} <= props
