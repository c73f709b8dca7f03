"""The ASGI application, composed here and only here. A request's way through it:

    lifespan / non-HTTP scopes          answered or refused here
    the server's own `send` kept, for network faults               faults.py
    CORS by Origin: any origin reads the API, only loopback and    middleware/browsers.py
      --cors-origin get credentials and the admin API
    error boundary (every error leaves as the flavor writes it;    middleware/errors.py
      opens the exchange the journal and access log record)        exchange.py
      /ui, /openapi.json                Swagger UI                 connexion
      /__mock/…                         admin guard (token, origin, JSON bodies)
                                        then the admin API         middleware/admin_guard.py, admin.py
      everything else:
        (a route seen before: the same checks without the layers)  middleware/lane.py
        body limit                                                 middleware/body_limit.py
        routing, remembered per (method, path)                     middleware/routing.py
        credential guard, from the spec's securitySchemes          middleware/credentials.py
        request validation, built once per operation               middleware/validation.py
        (response validation, with --validate-responses)           connexion
        endpoint: ASGI → Call → engine → Reply → ASGI              adapter.py, engine.py
          (latency, journal, then the reply or a network fault)    adapter.deliver

Which API family's habits apply (envelopes, extra credentials, the world) is the flavor's
business (flavor.py, flavors.py); nothing here names one.
"""

from __future__ import annotations

import functools
from copy import deepcopy
from typing import Any

import orjson
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import Receive, Scope, Send

from mockserver import docs_ui, faults, flavors
from mockserver import scenarios as scenario_files
from mockserver import spec as spec_files
from mockserver._compat import spec_already_checked
from mockserver.adapter import deliver, to_call
from mockserver.admin import PREFIX as ADMIN_PREFIX
from mockserver.admin import Admin
from mockserver.calls import Reply
from mockserver.engine import Engine
from mockserver.errors import ConfigError
from mockserver.exchange import AccessLog, Recorder, exchange_of
from mockserver.flavor import Flavor
from mockserver.journal import Journal
from mockserver.latency import Delays
from mockserver.middleware.admin_guard import AdminGuard
from mockserver.middleware.body_limit import BodyLimitMiddleware, limited
from mockserver.middleware.browsers import BrowserPolicy, OriginPolicy
from mockserver.middleware.credentials import CredentialGuard, requirements
from mockserver.middleware.errors import ErrorBoundary, method_not_allowed, not_found
from mockserver.middleware.lane import Lane
from mockserver.middleware.routing import CachedRoutingMiddleware, operation_id
from mockserver.middleware.validation import VALIDATOR_MAP, CachingRequestValidationMiddleware
from mockserver.namespaces import Registry
from mockserver.nearmiss import NearMisses
from mockserver.redaction import Redaction
from mockserver.redisstore import RedisStore, shared
from mockserver.rules import Rules
from mockserver.scenarios import Scenario
from mockserver.settings import Settings
from mockserver.shared_controls import SharedRules, SharedScenarios
from mockserver.shared_journal import SharedJournal


class MockApp:
    """The mock as an ASGI app, with its parts reachable for tests and the CLI."""

    def __init__(self, settings: Settings, carry: MockApp | None = None) -> None:
        """`carry`: the running app a hot reload replaces (reload.py); what it has learnt since
        it started (worlds, journal, rules, active scenarios, bundle starts) lives on here."""
        self.settings = settings
        self.spec = spec_files.load(settings.spec_path)
        self.flavor = flavors.build(self.spec, settings.flavor, settings.seed)
        self.scenarios = scenario_files.load_dir(settings.scenarios_dir, self.spec)
        if settings.scenario is not None and settings.scenario not in self.scenarios:
            known = ", ".join(sorted(self.scenarios)) or "none"
            raise ConfigError(
                settings.scenarios_dir or "-",
                "--scenario",
                f"unknown scenario {settings.scenario!r}; known: {known}",
            )
        _check_world_switches(self.flavor, self.scenarios)
        self.store = (
            RedisStore(settings.store, settings.store_timeout, settings.namespace_ttl)
            if shared(settings)
            else None
        )
        self.worlds = self.flavor.worlds(settings, self.store)
        ops = [(o.method, o.path, o.operation_id) for o in self.spec.operations.values()]
        journal_parts = (
            settings.journal_size,
            Redaction.from_spec(self.spec.document),
            NearMisses(ops),
        )
        self.journal = (
            SharedJournal(self.store, *journal_parts) if self.store else Journal(*journal_parts)
        )
        self.rules = SharedRules(self.spec, self.store) if self.store else Rules(self.spec)
        self.delays = Delays(settings.seed)
        if carry is not None:
            self._carry_parts(carry)
        access = AccessLog(settings.log_format) if settings.access_log else None
        self.recorder = Recorder(self.journal, self.worlds, access)
        self.engine = Engine(
            self.flavor, self.scenarios, settings.scenario, self.worlds, self.rules, self.delays
        )
        if self.store is not None:
            self.engine.controls = SharedScenarios(self.store, settings.scenario)
        self.admin = Admin(self.engine, self.journal, self.store)
        if carry is not None:
            self.carry_choices(carry)
        stack = self._connexion()
        self._api = Lane(stack, enabled=not settings.validate_responses)
        self._docs = docs_ui.UIDocument(
            _swagger_ui(stack),
            docs_ui.ui_document(self.spec.document, self.scenarios),
            self.spec.document,
        )
        self._app = ErrorBoundary(self._route, self.flavor, self.recorder)
        # Browsers, the admin door and the namespace ceiling (docs/limits.md).
        origins = OriginPolicy(settings.cors_origins)
        self._browsers = BrowserPolicy(
            self._app, origins, admin_prefix=ADMIN_PREFIX, expose_headers=self.flavor.expose_headers
        )
        self._admin_guarded = AdminGuard(self._admin, origins, settings.admin_token)
        self.namespaces = Registry(settings.namespace_ttl, settings.max_namespaces)
        if self.worlds is not None:
            self.namespaces.on_forget(self.engine.forget_world)
        if self.store is None:  # a shared store keeps what other workers still serve, and
            # forgets a namespace by itself when no worker has served it for that long
            self.namespaces.on_forget(self.journal.clear)
            self.namespaces.on_forget(self.rules.clear)
            self.namespaces.on_forget(lambda name: self.engine.active.pop(name, None))
        self.namespaces.on_forget(self.admin.bundles.forget)
        if carry is not None:  # hot reload: the same namespaces, idle since when they were
            self.namespaces._seen = carry.namespaces._seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":  # CORS by Origin (none: no CORS work, the common case for CI)
            faults.remember_send(scope, send)
            try:
                await self._browsers(scope, receive, send)
            finally:  # the server's `send` holds the scope: no reference cycle left per request
                faults.forget_send(scope)
        elif kind == "lifespan":
            await _lifespan(receive, send)
        elif kind == "websocket":  # no operation is a WebSocket: refuse the upgrade
            await send({"type": "websocket.close", "code": 1008})

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        if path.startswith(ADMIN_PREFIX):
            await self._admin_guarded(scope, receive, send)
        elif path == "/openapi.json" or path.startswith("/ui"):
            if scope["method"] not in ("GET", "HEAD"):  # starlette would answer in plain text
                raise method_not_allowed(scope["method"], path, "GET, HEAD")
            await self._docs(scope, receive, self._logged(scope, send))
        else:
            self.admin.bundles.note(scope)  # the world as it was before a namespace's journal
            await self._api(scope, receive, send)

    def _carry_parts(self, old: MockApp) -> None:
        """The same worlds, journal, rules and latency draws, seen through the new spec."""
        self.worlds = self.flavor.carry_worlds(old.worlds, self.worlds)
        old.journal.redaction, old.journal.near_misses = (
            self.journal.redaction,
            self.journal.near_misses,
        )
        self.journal = old.journal
        old.rules.spec = self.spec
        self.rules, self.delays = old.rules, old.delays

    def carry_choices(self, old: MockApp) -> None:
        """Active scenarios by name (a scenario the edit removed is switched off)."""
        self.engine.active = {
            namespace: self.scenarios[scenario.name]
            for namespace, scenario in dict(old.engine.active).items()
            if scenario.name in self.scenarios
        }
        # A switched world is switched again (or back) at its next call: the objects differ.
        self.engine._switched.update(old.engine._switched)
        self.admin.bundles.starts = old.admin.bundles.starts

    def _connexion(self) -> ConnexionMiddleware:
        stack: list[Any] = [
            BodyLimitMiddleware,
            CachedRoutingMiddleware,
            functools.partial(
                CredentialGuard,
                needs=requirements(self.spec, self.flavor.also_accepted_schemes),
            ),
            CachingRequestValidationMiddleware,
        ]
        if self.settings.validate_responses:
            stack.append(ResponseValidationMiddleware)
        middleware = ConnexionMiddleware(
            self._endpoint,
            middlewares=stack,
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui_path="/ui", swagger_ui_template_arguments=docs_ui.TEMPLATE_ARGUMENTS
            ),
        )
        # Every operationId resolves to the one endpoint; the spec's own paths carry any base
        # path its server URL has, so none is added again (base_path="").
        with spec_already_checked():
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
        call = await to_call(scope, limited(receive), "admin")
        self.namespaces.touch(call.namespace)
        reply = self.admin.answer(call)
        if reply.raw is None:  # the console's files and a bundle are sent as they are
            reply = _json(reply, self.flavor.body(reply, None))
        await deliver(scope, send, reply, self.recorder)

    async def _endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        op_id = operation_id(scope)
        if op_id is None:
            raise not_found(scope["method"], scope["path"])
        operation = self.spec.operations[op_id]
        call = await to_call(scope, receive, op_id, operation.request_schema is not None)
        self.namespaces.touch(call.namespace)
        exchange = exchange_of(scope)
        exchange.call = call
        reply = self.engine.answer(call, operation, exchange)
        await deliver(scope, send, reply, self.recorder, rng=self.delays.rng)

    def _logged(self, scope: Scope, send: Send) -> Send:
        """Documentation pages come from connexion: their status is read off the way out."""
        if self.recorder.access_log is None:
            return send

        async def logging_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                reply = Reply(status=message["status"])
                self.recorder.record(scope, exchange_of(scope), reply)
            await send(message)

        return logging_send


def _check_world_switches(flavor: Flavor, scenarios: dict[str, Scenario]) -> None:
    for scenario in scenarios.values():
        problem = flavor.world_switch_error(scenario.world)
        if problem is not None:
            raise ConfigError(scenario.file, "world", problem)


def _json(reply: Reply, body: Any) -> Reply:
    reply.raw = orjson.dumps(body)
    return reply


def _swagger_ui(api: ConnexionMiddleware) -> SwaggerUIMiddleware:
    """Swagger UI and /openapi.json from the spec the API stack already loaded and checked
    (loading it twice doubled start-up: connexion validates the whole document on load)."""

    async def nothing_here(scope: Scope, receive: Receive, send: Send) -> None:
        raise not_found(scope["method"], scope["path"])

    docs = SwaggerUIMiddleware(nothing_here)
    for loaded in api.apis:
        docs.add_api(loaded.specification, base_path=loaded.base_path, **loaded.kwargs)
    return docs


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop: answer the server's lifespan messages."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(settings: Settings | None = None) -> MockApp:
    return MockApp(settings or Settings())
