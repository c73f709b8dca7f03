"""A correct implementation of a slice of the Luxxon API, small enough to read in one sitting.

It answers health and the session lifecycle (create → get → accept → start → end → settlement,
plus cancel) the way openapi.json documents them: the success and error envelopes, the documented
codes, 401 without a known key, 403 NOT_OPERATOR for consumers on operator steps, 400 on a body the
schema refuses, 404 for an unknown session and 409 for a step the session's state forbids.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jsonschema
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver import spec
from mockserver.clock import iso_now
from mockserver.errors import ApiError, invalid_input
from mockserver.luxxon.errors import envelope
from mockserver.settings import DEFAULT_SPEC

# The mock's demo keys (tests/conftest.py has them too; importing it would pull in the mock).
CONSUMER_KEY = "lxxn_test_8c3a5b_consumerdemo"
OPERATOR_KEY = "lxxn_test_9d4b6c_operatordemo"
CONSUMER_WORKSPACE = "8c3a5b6f-1d2e-4f7a-9b8c-d1e2f3a4b5c6"
OPERATOR_WORKSPACE = "9d4b6c7f-2e3f-5a8b-0c1d-e2f3a4b5c6d7"
CALLERS = {CONSUMER_KEY: "consumer", OPERATOR_KEY: "operator"}


@dataclass
class Store:
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What happened, in order, for tests to see which sequences ran.
    transitions: list[tuple[str, str]] = field(default_factory=list)  # (session id, new state)
    settlements: list[str] = field(default_factory=list)  # settlement states answered

    def move(self, session: dict[str, Any], state: str) -> None:
        session["state"] = state
        self.transitions.append((session["id"], state))


Handler = Callable[[Request, Store], Awaitable[Response]]


def ok(data: Any, status: int = 200) -> JSONResponse:
    body = {
        "statusCode": status,
        "message": "Request successful",
        "data": data,
        "timestamp": iso_now(),
    }
    return JSONResponse(body, status_code=status)


def caller(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    role = CALLERS.get(token.strip()) if scheme.lower() == "bearer" else None
    if role is None:
        raise ApiError(401, "NOT_AUTHENTICATED")
    return role


def operator(request: Request) -> None:
    if caller(request) != "operator":
        raise ApiError(403, "NOT_OPERATOR")


def session_of(request: Request, store: Store, key: str = "id") -> dict[str, Any]:
    caller(request)
    session = store.sessions.get(request.path_params[key])
    if session is None:
        raise ApiError(404, "SESSION_NOT_FOUND")
    return session


def require_state(session: dict[str, Any], *states: str) -> None:
    if session["state"] not in states:
        raise ApiError(409, "INVALID_STATE", detail=f"session:{session['state'].lower()}")


@cache
def request_schema(operation_id: str) -> dict[str, Any]:
    schema = spec.load(DEFAULT_SPEC).operations[operation_id].request_schema
    assert schema is not None
    return schema


async def json_body(request: Request, operation_id: str, *, required: bool) -> dict[str, Any]:
    raw = await request.body()
    if not raw and not required:
        return {}
    if "json" not in request.headers.get("content-type", ""):
        raise invalid_input("body:contentType")
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid_input("body:notJson") from None
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft7Validator(request_schema(operation_id)).iter_errors(body)
    )
    if error is not None:
        raise invalid_input(f"body:{'.'.join(map(str, error.absolute_path)) or 'root'}")
    assert isinstance(body, dict)
    return body


def public_session(session: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in session.items() if key != "consistencyToken"}


async def health(request: Request, store: Store) -> Response:
    return ok({"ok": True, "surface": "api", "version": "1.0.0", "buildSha": "0a1b2c3"})


async def create_session(request: Request, store: Store) -> Response:
    if caller(request) != "consumer":
        raise ApiError(403, "NOT_AUTHORIZED")
    body = await json_body(request, "LxSessionsController_create", required=True)
    session_id = str(uuid.uuid4())
    rate = 1000
    session = {
        "id": session_id,
        "consumerWorkspaceId": CONSUMER_WORKSPACE,
        "operatorWorkspaceId": None,
        "state": "REQUESTED",
        "maxDurationSeconds": body["maxDurationSeconds"],
        "waitTimeoutSeconds": body.get("waitTimeoutSeconds", 300),
        "ratePerSecondMicroUsdc": str(rate),
        "holdMicroUsdc": "0",
        "startedAt": None,
        "endedAt": None,
        "cleanSeconds": 0,
        "chargedMicroUsdc": "0",
        "settlementTxHash": None,
        "videoBackendRef": None,
        "createdAt": iso_now(),
        "requestedLat": body["lat"],
        "requestedLng": body["lng"],
        "authorized": True,
        "consistencyToken": f"zed-{session_id[:8]}",
    }
    store.sessions[session_id] = session
    store.transitions.append((session_id, "REQUESTED"))
    return ok(session)


async def get_session(request: Request, store: Store) -> Response:
    return ok(public_session(session_of(request, store)))


async def cancel_session(request: Request, store: Store) -> Response:
    session = session_of(request, store)
    if caller(request) != "consumer":
        raise ApiError(403, "NOT_AUTHORIZED")
    require_state(session, "REQUESTED", "ASSIGNED")
    store.move(session, "CANCELLED")
    return ok(public_session(session))


async def accept_session(request: Request, store: Store) -> Response:
    operator(request)
    session = session_of(request, store)
    await json_body(request, "LxSessionsController_accept", required=False)
    require_state(session, "REQUESTED")
    session["operatorWorkspaceId"] = OPERATOR_WORKSPACE
    store.move(session, "ASSIGNED")
    return ok(public_session(session))


async def start_session(request: Request, store: Store) -> Response:
    operator(request)
    session = session_of(request, store)
    require_state(session, "ASSIGNED")
    session.update(startedAt=iso_now(), videoBackendRef="6a7aab6e273b40251e8ee72d7ca05719")
    store.move(session, "LIVE")
    return ok(
        {
            "session": public_session(session),
            "videoBackendRef": session["videoBackendRef"],
            "whipUrl": "https://stream.example/publish",
            "whepUrl": "https://stream.example/play",
        }
    )


async def end_session(request: Request, store: Store) -> Response:
    session = session_of(request, store)
    require_state(session, "LIVE")
    session["endedAt"] = iso_now()
    store.move(session, "ENDED")
    return ok(public_session(session))


async def settlement(request: Request, store: Store) -> Response:
    session = session_of(request, store, key="sessionId")
    state = "PENDING" if session["state"] == "ENDED" else "NOT_READY"
    store.settlements.append(state)
    return ok({"sessionId": session["id"], "state": state})


HANDLERS: dict[str, tuple[str, str, Handler]] = {
    "LxHealthController_check": ("GET", "/api/v1/health", health),
    "LxSessionsController_create": ("POST", "/api/v1/sessions", create_session),
    "LxSessionsController_get": ("GET", "/api/v1/sessions/{id}", get_session),
    "LxSessionsController_cancel": ("DELETE", "/api/v1/sessions/{id}", cancel_session),
    "LxSessionsController_accept": ("POST", "/api/v1/sessions/{id}/accept", accept_session),
    "LxSessionsController_start": ("POST", "/api/v1/sessions/{id}/start", start_session),
    "LxSessionsController_end": ("POST", "/api/v1/sessions/{id}/end", end_session),
    "LxSettlementController_get": ("GET", "/api/v1/settlements/{sessionId}", settlement),
}
OPERATIONS = tuple(HANDLERS)


def _endpoint(handler: Handler, store: Store) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request, store)
        except ApiError as error:
            return JSONResponse(envelope(error), status_code=error.status)

    return endpoint


async def _route_miss(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    error = ApiError(status, "NOT_FOUND" if status == 404 else "INVALID_INPUT")
    return JSONResponse(envelope(error), status_code=status)


def create_app(overrides: Mapping[str, Handler] | None = None) -> Starlette:
    """The reference app; `overrides` swaps the handler of an operationId for a broken one."""
    store = Store()
    handlers = {
        op_id: (method, path, (overrides or {}).get(op_id, handler))
        for op_id, (method, path, handler) in HANDLERS.items()
    }
    routes = [
        Route(path, _endpoint(handler, store), methods=[method])
        for method, path, handler in handlers.values()
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _route_miss})
    app.state.store = store
    return app
