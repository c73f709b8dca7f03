"""The known way in: a call whose (method, path) has been routed before takes the checks of the
API stack (body limit, credentials, parameters and body) without its layers.

Connexion's stack is a chain of ASGI apps: the stack itself, the body limit, routing (which copies
the scope), the credential guard and the routed lookup of each operation's validation, each one
more call and frame on every request. Once a route is known, the same checks are made here in
the same order, by the same objects, and the request goes on to the operation's own validation
(which calls the endpoint). Everything else takes the stack: the first call on a path, a chunked
body (the body limit reads it whole first), and every call when responses are validated (that
middleware wraps `send` and is part of the stack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connexion.middleware.main import ConnexionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.middleware.body_limit import chunked
from mockserver.middleware.credentials import CredentialGuard
from mockserver.middleware.routing import CachedRoutingMiddleware, enter
from mockserver.middleware.validation import CachingRequestValidationMiddleware


@dataclass(frozen=True)
class _Parts:
    routing: CachedRoutingMiddleware
    guard: CredentialGuard
    validation: CachingRequestValidationMiddleware

    @classmethod
    def of(cls, stack: ConnexionMiddleware) -> _Parts | None:
        """The stack's own middleware objects, once it has built them (at its first call)."""
        found = {type(app): app for app in stack.middleware_stack or ()}
        try:
            return cls(
                found[CachedRoutingMiddleware],
                found[CredentialGuard],
                found[CachingRequestValidationMiddleware],
            )
        except KeyError:  # not the stack this expects: every call takes it
            return None


class Lane:
    def __init__(self, stack: ConnexionMiddleware, *, enabled: bool = True) -> None:
        self.stack = stack
        self.enabled = enabled
        self._parts: _Parts | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        parts = self._parts
        if parts is not None:
            route = parts.routing.known(scope)
            if route is not None and not chunked(scope):
                op_id = route[0]
                operation = self._operation(parts, route[1], op_id)
                if operation is not None:
                    enter(scope, route)
                    scope["app"] = self.stack
                    parts.guard.check(scope, op_id)
                    await operation(scope, receive, send)
                    return
        try:
            await self.stack(scope, receive, send)
        finally:  # the stack builds its parts on its first call, answered or refused: look once
            if parts is None and self.enabled:
                self._parts = _Parts.of(self.stack)
                self.enabled = self._parts is not None

    @staticmethod
    def _operation(parts: _Parts, base_path: str, op_id: str) -> ASGIApp | None:
        for api in parts.validation.apis.get(base_path, ()):
            operation: Any = api.operations.get(op_id)
            if operation is not None:
                return operation  # type: ignore[no-any-return]
        return None
