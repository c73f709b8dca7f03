"""The reference app broken in one way each, with the check that must name the break."""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from tests.broken import reference
from tests.broken.reference import Handler, Store, ok


@dataclass(frozen=True)
class Variant:
    check: str  # the check that must report it
    operation: str  # the operationId that is broken
    handler: Handler

    def app(self) -> Starlette:
        return reference.create_app({self.operation: self.handler})


async def health_created(request: Request, store: Store) -> Response:
    return ok({"ok": True, "surface": "api", "version": "1.0.0", "buildSha": "0a1b2c3"}, status=201)


async def health_without_build_sha(request: Request, store: Store) -> Response:
    return ok({"ok": True, "surface": "api", "version": "1.0.0"})


async def health_as_text(request: Request, store: Store) -> Response:
    response = await reference.health(request, store)
    return Response(response.body, media_type="text/plain")


async def health_claims_201(request: Request, store: Store) -> Response:
    body = {
        "statusCode": 201,
        "message": "Request successful",
        "timestamp": "2026-05-13T12:00:00Z",
        "data": {"ok": True, "surface": "api", "version": "1.0.0", "buildSha": "0a1b2c3"},
    }
    return JSONResponse(body)


async def create_with_string_duration(request: Request, store: Store) -> Response:
    response = await reference.create_session(request, store)
    if response.status_code != 200:
        return response
    body = json.loads(bytes(response.body))
    body["data"]["maxDurationSeconds"] = str(body["data"]["maxDurationSeconds"])
    return JSONResponse(body)


async def create_crashing_without_wait(request: Request, store: Store) -> Response:
    body = await request.json() if await request.body() else None
    if isinstance(body, dict) and "waitTimeoutSeconds" not in body:
        return PlainTextResponse("Internal Server Error", status_code=500)
    return await reference.create_session(request, store)


async def create_ignoring_auth(request: Request, store: Store) -> Response:
    patched = Request(
        {
            **request.scope,
            "headers": [
                (b"authorization", f"Bearer {reference.CONSUMER_KEY}".encode()),
                *[(k, v) for k, v in request.scope["headers"] if k != b"authorization"],
            ],
        },
        request.receive,
    )
    return await reference.create_session(patched, store)


async def get_with_bare_error(request: Request, store: Store) -> Response:
    if request.path_params["id"] not in store.sessions:
        return JSONResponse({"error": "session not found"}, status_code=404)
    return await reference.get_session(request, store)


async def get_with_undocumented_code(request: Request, store: Store) -> Response:
    if request.path_params["id"] not in store.sessions:
        body = {
            "statusCode": 404,
            "code": "NOT_FOUND",
            "message": "Resource not found",
            "timestamp": "2026-05-13T12:00:00Z",
        }
        return JSONResponse(body, status_code=404)
    return await reference.get_session(request, store)


HEALTH = "LxHealthController_check"
CREATE = "LxSessionsController_create"
GET = "LxSessionsController_get"

BROKEN: dict[str, Variant] = {
    "wrong status": Variant("status_code_conformance", HEALTH, health_created),
    "missing required field": Variant(
        "response_schema_conformance", HEALTH, health_without_build_sha
    ),
    "wrong type": Variant("response_schema_conformance", CREATE, create_with_string_duration),
    "wrong content type": Variant("content_type_conformance", HEALTH, health_as_text),
    "server error": Variant("not_a_server_error", CREATE, create_crashing_without_wait),
    "ignores auth": Variant("ignored_auth", CREATE, create_ignoring_auth),
    "error body outside the envelope": Variant("error_envelope", GET, get_with_bare_error),
    "undocumented error code": Variant("error_envelope", GET, get_with_undocumented_code),
    "success statusCode not the HTTP status": Variant(
        "success_envelope", HEALTH, health_claims_201
    ),
}

START = "LxSessionsController_start"


async def start_during_a_video_outage(request: Request, store: Store) -> Response:
    """Correct except that the video backend is down: a documented 503 on every call."""
    body = {
        "statusCode": 503,
        "code": "VIDEO_ERROR",
        "message": "Video service unavailable",
        "timestamp": "2026-05-13T12:00:00Z",
    }
    return JSONResponse(body, status_code=503)


# Not broken: a documented answer no check expects by default (`--accept-status 503` accepts it).
OUTAGE = Variant("not_a_server_error", START, start_during_a_video_outage)
