"""The one error boundary: whatever goes wrong leaves as the flavor writes errors (`as_api_error`
says which error; `Flavor.error` how it looks). Connexion's own error and server-error
middlewares are not used: they wrap every send and build a request object per error.

It also opens the request's `Exchange` (what the journal and the access log record), and an
error leaves the way an answer does (`adapter.deliver`): after the latency a rule drew, journaled,
and through the rule's fault, so a world error under an after-commit reset is still a reset."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from connexion.exceptions import ProblemException
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from mockserver.adapter import deliver
from mockserver.errors import ApiError, invalid_input
from mockserver.exchange import EXCHANGE, Exchange, Recorder
from mockserver.flavor import Flavor
from mockserver.labels import clip, problem_label
from mockserver.middleware.routing import ROUTE_NOTE

log = logging.getLogger("mockserver")
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})  # bodies no operation takes: not kept


class ErrorBoundary:
    def __init__(self, app: Any, flavor: Flavor, recorder: Recorder | None = None) -> None:
        self.app = app
        self.flavor = flavor
        self.recorder = recorder
        self._templates: list[tuple[re.Pattern[str], str]] | None = None

    def _allow(self, path: str) -> str:
        """Every documented method of every spec path this path matches, for the 405 `Allow`."""
        if self._templates is None:  # built on the first 405, not at start-up
            self._templates = [
                (
                    re.compile("^" + re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(op.path)) + "$"),
                    op.method,
                )
                for op in self.flavor.spec.operations.values()
            ]
        methods = {method for pattern, method in self._templates if pattern.match(path)}
        return ", ".join(sorted(methods))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        note: dict[str, str] = {}  # routing writes the operationId here, for the error's shape
        scope[ROUTE_NOTE] = note
        scope[EXCHANGE] = exchange = Exchange(time.perf_counter(), headers=scope["headers"])
        journaled = self.recorder is not None and self.recorder.journal.size
        if journaled and scope.get("method") not in _NO_BODY:
            receive = exchange.keeping_body(receive)
        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:
                raise
            error = as_api_error(exc, scope.get("method", "?"), scope.get("path", "?"))
            allow = self._allow(scope["path"]) if error.status == 405 else ""
            if allow:  # starlette names one route's methods; the path may have more
                error.headers = {**(error.headers or {}), "Allow": allow}
            op_id = note.get("operation_id")
            operation = self.flavor.spec.operations.get(op_id) if op_id else None
            reply = self.flavor.error(error, operation)
            await deliver(scope, send, reply, self.recorder, detail=error.detail or "")


def as_api_error(exc: Exception, method: str, path: str) -> ApiError:
    """Every failure as an API error: validation, routing, the mock's own, the unexpected."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, UnicodeError):
        return invalid_input("body:invalidUtf8", "Request body is not valid UTF-8")
    if isinstance(exc, RecursionError):
        return invalid_input("body:tooDeep", "Request body is nested too deeply")
    if isinstance(exc, ProblemException):
        return _from_problem(exc)
    if isinstance(exc, HTTPException):
        if exc.status_code == 405:
            return method_not_allowed(method, path, dict(exc.headers or {}).get("Allow", ""))
        if exc.status_code == 404:
            return not_found(method, path)
        return ApiError(exc.status_code, "HTTP_ERROR", str(exc.detail), "route:refused")
    log.exception("unexpected error on %s %s", method, path, exc_info=exc)
    return ApiError(500, "INTERNAL_SERVER_ERROR", "Internal server error", "mock:bug")


def method_not_allowed(method: str, path: str, allow: str) -> ApiError:
    return ApiError(
        405,
        "METHOD_NOT_ALLOWED",
        f"Method not allowed: {method} {path}",
        "route:methodNotAllowed",
        headers={"Allow": allow} if allow else None,
    )


def not_found(method: str, path: str) -> ApiError:
    return ApiError(404, "NOT_FOUND", f"No operation at {method} {path}", "route:notFound")


def _from_problem(exc: ProblemException) -> ApiError:
    """Connexion's problems (validation, media type, auth) with the API's codes."""
    text = str(exc.detail or exc.title or "invalid request")
    if exc.status == 415:
        return invalid_input("header.content-type:unsupported", clip(text))
    if exc.status in (400, 422):
        return invalid_input(problem_label(text), clip(text))
    if exc.status == 401:
        return ApiError(401, "NOT_AUTHENTICATED", detail="auth:missingCredential")
    if exc.status == 403:
        return ApiError(403, "NOT_AUTHORIZED", detail="auth:notAuthorized")
    if exc.status >= 500:
        log.error("connexion problem: %r", exc)
        return ApiError(exc.status, "INTERNAL_SERVER_ERROR", "Internal server error", "mock:bug")
    code = "MOCK_" + str(exc.title).upper().replace(" ", "_")
    return ApiError(exc.status, code, clip(text), "request:refused")
