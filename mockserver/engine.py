"""Chooses what to answer for a routed, validated call, in this order (`decision.decide`):

1. a per-request override (`Prefer` / `__code`, `__example`, `__dynamic`),
2. a runtime rule (`POST /__mock/rules`), the namespace's before everyone's,
3. the active scenario's rule for this operation (`X-Mock-Scenario`, `__scenario`, `--scenario`),
4. the stateful world's behaviour (when the flavor has a world),
5. the documented success response (its example, else generated from its schema).

A rule without `respond` only adds latency or a fault and passes the answer on. What decided,
the latency drawn and the fault go into the request's `Exchange` before the world is asked, so
an error the world raises is delayed, broken and journaled like any answer.

How a body the mock builds is wrapped (an envelope or not) and how a documented example is
freshened (a current timestamp) is the flavor's business.

Before any of them the app's credential guard has refused calls that carry no credential where
the spec requires one (as Prism does: QA forcing a response still looks like a signed-in client).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson

from mockserver import namespaces, prefer
from mockserver.calls import Call, Reply
from mockserver.clock import iso_now
from mockserver.decision import NOTHING, decide
from mockserver.errors import ApiError, mock_refusal
from mockserver.exchange import Exchange
from mockserver.flavor import Flavor, Worlds
from mockserver.latency import Delays
from mockserver.namespaces import EVERYONE
from mockserver.rules import Rules
from mockserver.scenarios import Rule, Scenario
from mockserver.spec import Operation, Response

if TYPE_CHECKING:
    from mockserver.shared_controls import SharedScenarios

_STAMP = "\x00now\x00"  # where the current time goes in a cached body
_STAMP_JSON = orjson.dumps(_STAMP)


class Engine:
    def __init__(
        self,
        flavor: Flavor,
        scenarios: dict[str, Scenario],
        default_scenario: str | None = None,
        worlds: Worlds | None = None,
        rules: Rules | None = None,
        delays: Delays | None = None,
    ) -> None:
        self.flavor = flavor
        self.spec = flavor.spec
        self.generator = flavor.generator
        self.scenarios = scenarios
        # Scenarios switched on for everyone ("*") or for one namespace (admin API, --scenario).
        self.active: dict[str, Scenario] = {}
        if default_scenario:
            self.active[EVERYONE] = scenarios[default_scenario]
        self.worlds = worlds
        self.rules = rules or Rules(flavor.spec)
        self.delays = delays or Delays()
        self._switched: dict[str, Scenario] = {}  # namespaces whose world a scenario switched
        self.controls: SharedScenarios | None = None  # with a shared store: `active` lives there

    def sync_controls(self) -> None:
        """Bring `active` up to date with what other workers switched (a shared store)."""
        if self.controls is not None:
            self.controls.sync(self)

    def answer(self, call: Call, op: Operation, exchange: Exchange | None = None) -> Reply:
        ex = exchange or Exchange(0.0)
        if self.controls is not None:
            ex.decided_by = "world"  # a shared store that fails here fails for the world too
            self.controls.sync(self)
        ex.decided_by = "override"  # a malformed Prefer is the override's refusal
        selection = prefer.parse(call.headers, call.query)
        ex.decided_by = "scenario"  # an unknown scenario name, likewise
        try:
            scenario = self._scenario(selection.scenario, call.namespace)
        except ApiError as error:
            if namespaces.sticky(call.headers, call.query).get("scenario") == selection.scenario:
                error.message += (
                    f"; it comes from this browser's {namespaces.STICKY_COOKIE} cookie: "
                    "clear it in the console (/__mock/) or delete the cookie"
                )
            raise
        d = decide(selection, self.rules.match(call), scenario.rule_for(call) if scenario else None)
        if d is not NOTHING:
            ex.delay_s = self.delays.seconds(d.latency)
            ex.fault = d.fault
            ex.marks = d.marks(ex.delay_s * 1000)
        if d.skips_world:  # the connection breaks before anyone would have answered
            ex.decided_by = d.decided_by
            return Reply(status=200, raw=b"", content_type="")
        if d.decided_by == "override":
            ex.decided_by = "override"
            reply = self.documented(call, op, selection.code, selection.example, selection.dynamic)
        elif d.responder is not None:
            ex.decided_by = d.decided_by
            reply = self._from_rule(call, op, d.responder)
        else:
            ex.decided_by = "world"
            world_reply = self._from_world(call, op, scenario)
            if world_reply is not None:
                reply = world_reply
            else:
                ex.decided_by = "default"
                reply = self.documented(call, op, None, None, selection.dynamic)
        reply.delay_s = ex.delay_s
        return reply

    def _from_world(self, call: Call, op: Operation, scenario: Scenario | None) -> Reply | None:
        if self.worlds is None:
            return None
        self._switch(call.namespace, scenario)
        world = self.worlds.get(call.namespace)
        reply = world.handle(call, op)
        return self._wrap(op, reply) if reply is not None else None

    def documented(
        self, call: Call, op: Operation, code: int | None, example: str | None, dynamic: bool
    ) -> Reply:
        """The response the spec documents for this status and/or example name."""
        response: Response | None
        name: str | None = example
        if example is not None:
            found = op.find_example(example) if code is None else _example_at(op, code, example)
            if found is None:
                raise _undocumented(op, f"example {example!r}" + (f" for {code}" if code else ""))
            response = found[0]
        else:
            response = op.response(code) if code is not None else (op.success or _first(op))
            if response is None:
                raise _undocumented(op, f"status {code}")
            if not (dynamic and response.code < 400):
                name = next(iter(response.examples), None)
        params = tuple(sorted(call.path_params.items())) if response.code < 400 else ()
        prefix, suffix = self._rendered(op.operation_id, response.status, name, dynamic, params)
        body = prefix + iso_now().encode() + suffix if suffix is not None else prefix
        return Reply(status=response.code, raw=body, content_type=response.content_type or "")

    @lru_cache(maxsize=4096)  # noqa: B019 - the engine lives as long as the app
    def _rendered(
        self,
        op_id: str,
        status: str,
        example: str | None,
        dynamic: bool,
        params: tuple[tuple[str, str], ...],
    ) -> tuple[bytes, bytes | None]:
        """The body as bytes, split where the current time goes (suffix None: no timestamp)."""
        response = self.spec.operations[op_id].responses[status]
        if response.content_type is None:
            return b"", None
        if example is not None:
            body: Any = response.examples[example]
        elif response.schema is None:
            body = {}
        else:
            key = f"{op_id}|{status}|" + "&".join(f"{k}={v}" for k, v in params)
            body = self.generator.generate(response.schema, key, use_examples=not dynamic)
        if "json" not in response.content_type:
            return (body if isinstance(body, bytes) else str(body).encode()), None
        body = self.flavor.freshen(body, response.code, dict(params), _STAMP)
        encoded = orjson.dumps(body)
        if _STAMP_JSON not in encoded:
            return encoded, None
        prefix, suffix = encoded.split(_STAMP_JSON, 1)
        return prefix + b'"', b'"' + suffix

    def _from_rule(self, call: Call, op: Operation, rule: Rule) -> Reply:
        assert rule.status is not None
        if rule.has_body:
            reply = Reply(status=rule.status, raw=orjson.dumps(rule.body))
        else:
            reply = self.documented(call, op, rule.status, rule.example_for(op), False)
        reply.headers.update(rule.headers)
        return reply

    def _wrap(self, op: Operation, reply: Reply) -> Reply:
        """A world reply carries only `data`; the flavor says what goes around it."""
        if reply.raw is None:
            reply.raw = orjson.dumps(self.flavor.body(reply, op))
        return reply

    def _scenario(self, name: str | None, namespace: str) -> Scenario | None:
        if name is None:
            return self.active.get(namespace) or self.active.get(EVERYONE)
        return self.scenario_named(name)

    def scenario_named(self, name: str) -> Scenario:
        try:
            return self.scenarios[name]
        except KeyError:
            known = ", ".join(sorted(self.scenarios)) or "none"
            raise mock_refusal(
                "MOCK_UNKNOWN_SCENARIO",
                f"Unknown scenario {name!r}; known scenarios: {known}",
                "scenario:unknown",
            ) from None

    def _switch(self, namespace: str, scenario: Scenario | None) -> None:
        """Put the world in the state its scenario's `world:` switches ask for, when that changed
        (a scenario switched on or off, a request naming another one); rare, so cheap."""
        assert self.worlds is not None
        wanted = scenario if scenario is not None and scenario.world else None
        if wanted is not self._switched.get(namespace):
            switches = wanted.world if wanted is not None else {}
            self.worlds.apply(namespace, lambda world: self.flavor.switch_world(world, switches))
            if wanted is None:
                del self._switched[namespace]
            else:
                self._switched[namespace] = wanted

    def reset_worlds(self, namespace: str) -> None:
        """Drop one namespace's world ("*": every one); the next call builds it afresh, and a
        scenario's world switches are applied to it again."""
        assert self.worlds is not None
        if namespace == EVERYONE:
            self.worlds.reset(None)
            self._switched.clear()
        else:
            self.worlds.reset(namespace)
            self._switched.pop(namespace, None)

    def forget_world(self, namespace: str) -> None:
        """The namespace idled out here: this process lets its world go (a shared store keeps
        it for the other workers)."""
        assert self.worlds is not None
        self.worlds.forget(namespace)
        self._switched.pop(namespace, None)

    def activate(self, name: str | None, namespace: str = "*") -> None:
        """Switch a scenario on for one namespace or everyone ("*"); None switches it off."""
        if name is None:
            self.active.pop(namespace, None)
        else:
            self.active[namespace] = self.scenario_named(name)
        if self.controls is not None:
            self.controls.publish(namespace, name)
        if self.worlds is None:
            return
        # The worlds that exist feel it now, not at their next call (their clocks may move first).
        names = self.worlds.namespaces() if namespace == EVERYONE else [namespace]
        for each in names:
            if self.worlds.peek(each) is not None:
                self._switch(each, self._scenario(None, each))


def _undocumented(op: Operation, what: str) -> ApiError:
    return mock_refusal(
        "MOCK_UNDOCUMENTED_RESPONSE",
        f"{op.operation_id} does not document {what}; it documents: {'; '.join(op.documented())}",
        "prefer:undocumented",
    )


def _example_at(op: Operation, code: int, name: str) -> tuple[Response, Any] | None:
    response = op.response(code)
    if response is None or name not in response.examples:
        return None
    return response, response.examples[name]


def _first(op: Operation) -> Response | None:
    return next(iter(op.responses.values()), None)
