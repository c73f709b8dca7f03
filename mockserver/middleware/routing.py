"""Connexion's routing, remembered: the operation a (method, path) routes to never changes, so
after the first request the route is a dict look-up instead of a scan of every path regex."""

from __future__ import annotations

import re
from typing import Any

from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.routing import RoutingMiddleware
from starlette.routing import Mount, Router
from starlette.types import Receive, Scope, Send

from mockserver._compat import routing_scope

ROUTE_NOTE = "mockserver.route"  # scope key: a dict shared by every copy of the scope, told the
# operationId once routing knows it (the error boundary shapes errors by the operation)
MAX_ROUTES = 4096  # distinct (method, path) pairs remembered; fuzzers make many, clients few


Route = tuple[str, str, dict[str, Any]]  # operationId, the API's base path, path parameters


def enter(scope: Scope, route: Route) -> Scope:
    """`scope` (changed in place) as connexion's router hands a request to `route` on."""
    op_id, base_path, params = route
    if ROUTE_NOTE in scope:
        scope[ROUTE_NOTE]["operation_id"] = op_id
    scope["path_params"] = dict(params)
    extensions = scope.setdefault("extensions", {})
    extensions[ROUTING_CONTEXT] = {"api_base_path": base_path, "operation_id": op_id}
    return scope


class CachedRoutingMiddleware(RoutingMiddleware):  # type: ignore[misc]
    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self._routes: dict[tuple[str, str], Route] = {}

    def add_api(self, *args: Any, **kwargs: Any) -> None:
        super().add_api(*args, **kwargs)
        self.router.redirect_slashes = False  # /sessions/ is no operation: 404, not a 307
        for route in self.router.routes:
            if isinstance(route, Mount):
                if isinstance(route.app, Router):
                    route.app.redirect_slashes = False
                # The mount's `{path:path}` is `.*`, which stops at a newline: a path parameter
                # holding %0A would match no operation. Let it match every character.
                route.path_regex = re.compile(route.path_regex.pattern, re.DOTALL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        key = (scope["method"], scope["path"])
        known = self._routes.get(key)
        if known is not None:
            await self.app(enter(dict(scope), known), receive, send)
            return
        routed = dict(scope)
        routing_scope.set(routed)  # connexion's router fills this copy in and hands it on
        try:
            await self.router(scope, receive, send)
        finally:
            self._remember(key, routed)
            found = operation_id(routed)
            if found is not None and ROUTE_NOTE in scope:
                scope[ROUTE_NOTE]["operation_id"] = found

    def known(self, scope: Scope) -> Route | None:
        """The route this (method, path) took before; None for one not seen yet."""
        return self._routes.get((scope["method"], scope["path"]))

    def _remember(self, key: tuple[str, str], routed: Scope) -> None:
        context = routed.get("extensions", {}).get(ROUTING_CONTEXT, {})
        if context.get("operation_id") is None:
            return  # unknown paths are not worth a slot
        if len(self._routes) >= MAX_ROUTES:
            self._routes.clear()
        params = dict(routed.get("path_params", {}))
        self._routes[key] = (context["operation_id"], context.get("api_base_path", ""), params)


def operation_id(scope: Scope) -> str | None:
    """The operationId routing found for this request (None: no operation matched yet)."""
    context = scope.get("extensions", {}).get(ROUTING_CONTEXT)
    return context.get("operation_id") if context else None
