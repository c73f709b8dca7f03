"""The Luxxon flavor: what the Luxxon API does alike on every operation, beyond its spec.

- successes in `{statusCode, message, data, timestamp}` where the spec documents that envelope,
  errors in `LxErrorResponseDto` `{statusCode, code, message, detail, timestamp}`;
- the `lx_session` wallet cookie (the spec's `lx-session` scheme) counts as a credential;
- `X-Lx-Consistency-Token` is readable by browser pages;
- the world (`world/`), with the admin actions only it has: autopilot and the video backend;
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
from mockserver.flavor import Flavor, Worlds
from mockserver.luxxon.errors import envelope
from mockserver.luxxon.values import VALUE_RULES
from mockserver.spec import Operation, Spec

if TYPE_CHECKING:
    from mockserver.fake import Generator
    from mockserver.fake.names import ValueRules
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

    def body(self, reply: Reply, operation: Operation | None) -> Any:
        if operation is not None:
            response = operation.response(reply.status)
            if response is None or response.schema is None:
                enveloped = self._envelope_by_default
            else:
                enveloped = self._envelopes[(operation.operation_id, response.status)]
            if not enveloped:
                return reply.data
        return {
            "statusCode": reply.status,
            "message": reply.message,
            "data": reply.data,
            "timestamp": iso_now(),
        }

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

    def worlds(self, settings: Settings) -> Worlds | None:
        from mockserver.luxxon.world import Worlds as LuxxonWorlds
        from mockserver.luxxon.world.fixture import FixtureError

        if settings.world is None or settings.scenarios_dir is None:
            return None
        fixture = settings.scenarios_dir / "worlds" / f"{settings.world}.yaml"
        if not fixture.is_file():
            if settings.world == "default":
                return None  # a scenarios folder without the default world: serve from the spec
            known = sorted(p.stem for p in fixture.parent.glob("*.yaml")) or ["none"]
            raise FixtureError(fixture, "--world", f"no such world; known: {', '.join(known)}")
        return LuxxonWorlds(self.spec, fixture, seed=settings.seed)

    @classmethod
    def value_rules(cls) -> ValueRules | None:
        return VALUE_RULES


def _autopilot(world: Any, call: Call) -> dict[str, Any]:
    """PUT /__mock/autopilot {"workspaceId": "…", "on": false}: a simulated supplier on/off."""
    body = call.body if isinstance(call.body, dict) else {}
    workspace, on = body.get("workspaceId"), body.get("on")
    if not isinstance(workspace, str) or not isinstance(on, bool):
        raise _bad("give 'workspaceId' (a supplier workspace id) and 'on' (true or false)")
    try:
        world.set_autopilot(workspace, on)
    except KeyError:
        raise ApiError(404, "WORKSPACE_NOT_FOUND", detail="admin:autopilot") from None
    return {"namespace": call.namespace, "workspaceId": workspace, "autopilot": on}


def _video(world: Any, call: Call) -> dict[str, Any]:
    """PUT /__mock/video {"available": false}: the video backend up or down."""
    available = call.body.get("available") if isinstance(call.body, dict) else None
    if not isinstance(available, bool):
        raise _bad("'available' must be true or false")
    world.set_video_available(available)
    return {"namespace": call.namespace, "videoAvailable": available}


def _bad(message: str) -> ApiError:
    return mock_refusal("MOCK_BAD_ADMIN_REQUEST", message, "admin:badRequest")


LuxxonFlavor.admin_actions = {("PUT", "/autopilot"): _autopilot, ("PUT", "/video"): _video}


def _is_envelope(schema: dict[str, Any] | None) -> bool:
    """True for `{statusCode, message, data, timestamp}`-shaped schemas (also through allOf)."""
    if not schema:
        return False
    props: set[str] = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props |= set(part.get("properties", {}))
    return {"statusCode", "data", "timestamp"} <= props
