"""The ASGI application: Connexion routes and validates from the spec; one endpoint bound to
every operationId hands the call to the engine; every error leaves in the API's envelope,
rendered here and only here (`as_api_error`).

    [CORS, only when an Origin header is present] → error boundary
        → /ui, /openapi.json: Connexion's Swagger UI
        → /__mock/…: the admin API (admin.py)
        → everything else: body limit → Connexion routing → credential guard
          → request validation → (response validation) → endpoint → engine

Connexion's own error and server-error middlewares are replaced by the one boundary: they
wrap every send and build a request object per error, and we render differently anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Iterator
from copy import deepcopy
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

import orjson
from connexion.exceptions import ProblemException
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from mockserver import docs_ui
from mockserver import scenarios as scenario_files
from mockserver import spec as spec_files
from mockserver.admin import PREFIX as ADMIN_PREFIX
from mockserver.admin import Admin
from mockserver.calls import Call, Reply
from mockserver.clock import iso_now
from mockserver.engine import Engine, namespace_of
from mockserver.errors import ApiError, invalid_input
from mockserver.fake import Generator
from mockserver.luxxon.world import Worlds
from mockserver.routing import CachedRoutingMiddleware
from mockserver.settings import MAX_BODY_BYTES, Settings
from mockserver.validation import PARSED_BODY, VALIDATOR_MAP, CachingRequestValidationMiddleware

log = logging.getLogger("mockserver")
ROUTING = "connexion_routing"
EXPOSED_HEADERS = ["X-Lx-Consistency-Token"]
SESSION_COOKIE = "lx_session"  # the wallet-session cookie counts as a credential


class MockApp:
    """The mock as an ASGI app, with its parts reachable for tests and the CLI."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.spec = spec_files.load(settings.spec_path)
        self.scenarios = scenario_files.load_dir(settings.scenarios_dir, self.spec)
        if settings.scenario is not None and settings.scenario not in self.scenarios:
            known = ", ".join(sorted(self.scenarios)) or "none"
            raise scenario_files.ScenarioError(
                settings.scenarios_dir or "-",
                "--scenario",
                f"unknown scenario {settings.scenario!r}; known: {known}",
            )
        self.worlds = _load_worlds(settings, self.spec)
        self.engine = Engine(
            self.spec, Generator(settings.seed), self.scenarios, settings.scenario, self.worlds
        )
        self.admin = Admin(self.engine)
        secured = frozenset(op.operation_id for op in self.spec.operations.values() if op.secured)
        self._api = self._connexion(
            _api_stack(settings.validate_responses, secured), self._endpoint
        )
        self._docs = docs_ui.UIDocument(
            _swagger_ui(self._api), docs_ui.ui_document(self.spec.document, self.scenarios)
        )
        self._cors = CORSMiddleware(
            self._guarded,
            allow_origin_regex=".*",  # any origin, echoed so cookies (lx_session) work too
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] != "http":
            return
        elif any(name == b"origin" for name, _ in scope["headers"]):
            await self._cors(scope, receive, send)
        else:  # no Origin, no CORS work: the common case for CI clients and load tests
            await self._guarded(scope, receive, send)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The one error boundary: whatever goes wrong leaves in the API's envelope."""
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        path = scope["path"]
        if path.startswith(ADMIN_PREFIX):
            inner = self._admin
        elif path == "/openapi.json" or path.startswith("/ui"):
            inner = self._docs
        else:
            inner = self._api
        try:
            await inner(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            error = as_api_error(exc, scope["method"], path)
            await _send(
                send,
                Reply(
                    status=error.status,
                    raw=orjson.dumps(error.body()),
                    headers=dict(error.headers or {}),
                ),
            )

    def _connexion(self, stack: list[Any], app: Any) -> ConnexionMiddleware:
        middleware = ConnexionMiddleware(
            app,
            middlewares=stack,
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui_path="/ui", swagger_ui_template_arguments=docs_ui.TEMPLATE_ARGUMENTS
            ),
        )
        # Every operationId resolves to the one endpoint; the spec's own paths carry /api/v1,
        # so the server URL's /api/v1 must not be added again (base_path="").
        with _checked_already():
            middleware.add_api(
                deepcopy(self.spec.document),
                base_path="",
                resolver=Resolver(function_resolver=lambda _operation_id: self._endpoint),
                strict_validation=False,
                validator_map=VALIDATOR_MAP,
                validate_responses=self.settings.validate_responses,
            )
        return middleware

    async def _admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        call = await _call(scope, _limited(receive), "admin")
        reply = self.admin.answer(call)
        reply.raw = orjson.dumps(
            {
                "statusCode": 200,
                "message": reply.message,
                "data": reply.data,
                "timestamp": iso_now(),
            }
        )
        await _send(send, reply)

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        op_id = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id")
        if op_id is None:
            await _no_route(scope, receive, send)
        operation = self.spec.operations[op_id]
        call = await _call(scope, receive, op_id, operation.request_schema is not None)
        reply = self.engine.answer(call, operation)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        await _send(send, reply)


@contextlib.contextmanager
def _checked_already() -> Iterator[None]:
    """`spec.load` has checked the document against the same OpenAPI schema in milliseconds;
    connexion would check it again in pure Python (0.15 s for Luxxon, 15 s for 3,500
    operations), so its check is skipped while it loads the document, and only then."""
    had_own = "_validate_spec" in OpenAPISpecification.__dict__
    original = OpenAPISpecification.__dict__.get("_validate_spec")
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        yield
    finally:
        if had_own:
            OpenAPISpecification._validate_spec = original
        else:
            del OpenAPISpecification._validate_spec


def _swagger_ui(api: ConnexionMiddleware) -> SwaggerUIMiddleware:
    """Swagger UI and /openapi.json from the spec the API stack already loaded and checked
    (loading it twice doubled start-up: connexion validates the whole document on load)."""
    docs = SwaggerUIMiddleware(_no_route)
    for loaded in api.apis:
        docs.add_api(loaded.specification, base_path=loaded.base_path, **loaded.kwargs)
    return docs


def _load_worlds(settings: Settings, spec: spec_files.Spec) -> Worlds | None:
    if settings.world is None or settings.scenarios_dir is None:
        return None
    fixture = settings.scenarios_dir / "worlds" / f"{settings.world}.yaml"
    if not fixture.is_file():
        if settings.world == Settings.world:
            return None  # a scenarios folder without the default world: serve from the spec
        known = sorted(p.stem for p in fixture.parent.glob("*.yaml")) or ["none"]
        raise scenario_files.ScenarioError(
            fixture, "--world", f"no such world; known: {', '.join(known)}"
        )
    return Worlds(spec, fixture, seed=settings.seed)


async def _call(scope: Scope, receive: Receive, op_id: str, takes_body: bool = True) -> Call:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    query = dict(
        parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    )
    if PARSED_BODY in scope:  # request validation parsed it already
        body = scope[PARSED_BODY] if takes_body else None
    else:
        raw = await _read_body(receive)
        body = _parse_json(raw) if takes_body else None
    cookies: dict[str, str] = {}
    if "cookie" in headers:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(headers["cookie"])
        except Exception:  # a malformed cookie header is no cookie
            jar = SimpleCookie()
        cookies = {name: morsel.value for name, morsel in jar.items()}
    return Call(
        operation_id=op_id,
        method=scope["method"],
        path=scope["path"],
        path_params={k: str(v) for k, v in scope.get("path_params", {}).items()},
        query=query,
        headers=headers,
        cookies=cookies,
        # A body sent to an operation that takes none is ignored, as the API's framework does.
        body=body,
        namespace=namespace_of(headers, query),
    )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _parse_json(body: bytes) -> Any:
    """The body as JSON. Connexion has already refused a wrong content type where the operation
    takes a body; the admin API reads `curl -d '{…}'` (sent as a form) as the JSON it is."""
    if not body.strip():
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise invalid_input(f"body: not valid JSON ({exc})") from None


async def _send(send: Send, reply: Reply) -> None:
    body = reply.raw or b""
    headers = [(b"content-length", str(len(body)).encode())]
    if body and reply.content_type:
        headers.append((b"content-type", reply.content_type.encode()))
    headers += [(k.lower().encode(), v.encode()) for k, v in reply.headers.items()]
    headers += [(b"set-cookie", cookie.encode()) for cookie in reply.set_cookies]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuses bodies over 1 MiB (declared or streamed) before anything buffers them, and hands
    a chunked body on with its length (connexion takes a body without Content-Length for none)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY_BYTES:
                raise _too_large()
            chunked = chunked or name == b"transfer-encoding"
        if not chunked:  # the HTTP parser stops at the declared length (or at none)
            await self.app(scope, receive, send)
            return
        body = await _read_body(_limited(receive))
        headers = [(k, v) for k, v in scope["headers"] if k != b"transfer-encoding"]
        headers.append((b"content-length", str(len(body)).encode()))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: the disconnect, when it comes
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)


def _limited(receive: Receive) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > MAX_BODY_BYTES:
            raise _too_large()
        return message

    return counted


class CredentialGuard:
    """As the API's guards do, refuses a call with no credential before its input is validated:
    an operation whose `security` requires one gets 401 without `Authorization: Bearer …` or an
    `lx_session` cookie. Which credential is valid is the world's business (or, without a world,
    any bearer passes)."""

    def __init__(self, app: Any, secured: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.secured = secured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        op_id = scope.get("extensions", {}).get(ROUTING, {}).get("operation_id")
        if op_id in self.secured and not _has_credential(scope["headers"]):
            raise ApiError(401, "NOT_AUTHENTICATED", detail="auth:missingCredential")
        await self.app(scope, receive, send)


def _has_credential(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.partition(b" ")
            if scheme.lower() == b"bearer" and token.strip():
                return True
        elif name == b"cookie" and SESSION_COOKIE.encode() + b"=" in value:
            return True
    return False


def _too_large() -> ApiError:
    return invalid_input("body: larger than 1 MiB", "Request body too large")


def as_api_error(exc: Exception, method: str, path: str) -> ApiError:
    """Every failure as the API's error: validation, routing, the mock's own, the unexpected."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, UnicodeDecodeError):
        return invalid_input("body: not valid UTF-8")
    if isinstance(exc, RecursionError):
        return invalid_input("body: nested too deeply")
    if isinstance(exc, ProblemException):
        return _from_problem(exc)
    if isinstance(exc, HTTPException):
        where = f"{method} {path}"
        if exc.status_code == 405:
            return ApiError(
                405,
                "METHOD_NOT_ALLOWED",
                f"Method not allowed: {where}",
                "route:methodNotAllowed",
                headers=dict(exc.headers or {}),
            )
        if exc.status_code == 404:
            return ApiError(404, "NOT_FOUND", f"No operation at {where}", "route:notFound")
        return ApiError(exc.status_code, "HTTP_ERROR", str(exc.detail), where)
    log.exception("unexpected error on %s %s", method, path, exc_info=exc)
    return ApiError(500, "INTERNAL_SERVER_ERROR", "Internal server error", type(exc).__name__)


def _from_problem(exc: ProblemException) -> ApiError:
    """Connexion's problems (validation, media type, auth) with the API's codes."""
    detail = str(exc.detail or exc.title or "invalid request")
    if exc.status in (400, 415, 422):
        return invalid_input(f"content-type: {detail}" if exc.status == 415 else detail)
    if exc.status == 401:
        return ApiError(401, "NOT_AUTHENTICATED", detail=detail)
    if exc.status == 403:
        return ApiError(403, "NOT_AUTHORIZED", detail=detail)
    if exc.status >= 500:
        log.error("connexion problem: %r", exc)
        return ApiError(exc.status, "INTERNAL_SERVER_ERROR", "Internal server error", detail)
    code = "MOCK_" + str(exc.title).upper().replace(" ", "_")
    return ApiError(exc.status, code, str(exc.title), detail)


async def _no_route(scope: Scope, receive: Receive, send: Send) -> None:
    raise ApiError(
        404, "NOT_FOUND", f"No operation at {scope['method']} {scope['path']}", "route:notFound"
    )


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: answer the server's lifespan messages."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def _api_stack(validate_responses: bool, secured: frozenset[str]) -> list[Any]:
    stack: list[Any] = [
        BodyLimitMiddleware,
        CachedRoutingMiddleware,
        functools.partial(CredentialGuard, secured=secured),
        CachingRequestValidationMiddleware,
    ]
    if validate_responses:
        stack.append(ResponseValidationMiddleware)
    return stack


def create_app(settings: Settings | None = None) -> MockApp:
    return MockApp(settings or Settings())
