"""Runtime rules: scenario rules added while the mock runs, for one namespace or everyone ("*").

    {"operations": ["LxSessionsController_frame"], "times": 2,
     "respond": {"status": 404, "example": "FRAME_NOT_AVAILABLE"}}
    {"operations": ["LxSessionsController_producerToken"], "latency": {"fixedMs": 300}}
    {"operations": ["LxSessionsController_create"], "times": 1,
     "fault": "connection-reset", "afterCommit": true}

A rule is the scenario rule (`$defs/runtimeRule` in schemas/scenario.schema.json, built by
`scenarios.build_rule`, so files and rules can never drift apart) plus `times` (the next N
matching calls; each match consumes one, under a lock) and `expiresInSeconds` (wall-clock time:
moving a namespace's world clock to expire a quote must not also expire the tester's rules).

Precedence: the caller's namespace's rules before everyone's; within each, the newest first
(as WireMock's most recent stub wins), so a rule added on top overrides without a delete.
The first matching rule decides, alone.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mockserver.calls import Call
from mockserver.scenarios import Rule, ScenarioError, build_rule, schema_error
from mockserver.spec import Spec

EVERYONE = "*"
MAX_RULES = 1000  # per namespace: rules come over HTTP, every store has a cap
RUNTIME_KEYS = ("times", "expiresInSeconds", "namespace")


class RuleError(ValueError):
    """A rule that cannot be: where in it (a dotted key path, "" for the whole) and why."""

    def __init__(self, key_path: str, reason: str) -> None:
        self.key_path, self.reason = key_path, reason
        super().__init__(f"{key_path or '(rule)'}: {reason}")

    def as_dict(self) -> dict[str, str]:
        return {"keyPath": self.key_path, "reason": self.reason}


@dataclass
class RuntimeRule:
    id: str
    namespace: str
    rule: Rule
    given: dict[str, Any]  # the rule as posted, for listings
    remaining: int | None  # calls left; None = until deleted or expired
    expires_at: float | None  # wall clock
    hits: int = 0

    def describe(self) -> dict[str, Any]:
        shape = {k: v for k, v in self.given.items() if k not in RUNTIME_KEYS}
        return {
            "id": self.id,
            "namespace": self.namespace,
            **shape,
            "times": self.given.get("times"),
            "remaining": self.remaining,
            "expiresAt": _iso(self.expires_at) if self.expires_at is not None else None,
            "hits": self.hits,
        }


class Rules:
    def __init__(self, spec: Spec, now: Callable[[], float] = time.time) -> None:
        self.spec = spec
        self.now = now
        self._by_namespace: dict[str, list[RuntimeRule]] = {}  # oldest first
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, raw: Any, namespace: str = "default") -> RuntimeRule:
        """Check `raw` against the schema and the spec; raise RuleError, or keep it."""
        if not isinstance(raw, dict):
            raise RuleError("", "a rule is a JSON object")
        problem = schema_error(raw, "runtimeRule")
        if problem is not None:
            raise RuleError(*problem)
        try:
            rule = build_rule(raw, self.spec, "rule")
        except ScenarioError as exc:
            raise RuleError(exc.key_path, exc.reason) from None
        namespace = raw.get("namespace", namespace)
        expires = raw.get("expiresInSeconds")
        with self._lock:
            rules = self._by_namespace.setdefault(namespace, [])
            self._drop_expired(rules)
            if len(rules) >= MAX_RULES:
                raise RuleError("", f"{namespace!r} has {MAX_RULES} rules already; delete some")
            added = RuntimeRule(
                id=f"rule-{next(self._ids)}",
                namespace=namespace,
                rule=rule,
                given=raw,
                remaining=raw.get("times"),
                expires_at=self.now() + expires if expires is not None else None,
            )
            rules.append(added)
        return added

    def match(self, call: Call) -> RuntimeRule | None:
        """The rule that decides this call, with one of its `times` consumed; None if none does."""
        if not self._by_namespace:  # the common case: no rules at all, one truth test
            return None
        with self._lock:
            for namespace in (call.namespace, EVERYONE):
                rules = self._by_namespace.get(namespace)
                if not rules:
                    continue
                now = None
                for index in range(len(rules) - 1, -1, -1):  # newest first
                    candidate = rules[index]
                    if candidate.expires_at is not None:
                        now = self.now() if now is None else now
                        if candidate.expires_at <= now:
                            continue  # dropped by the next add or listing
                    if candidate.rule.matches(call):
                        self._consume(rules, index, candidate)
                        return candidate
        return None

    def _consume(self, rules: list[RuntimeRule], index: int, rule: RuntimeRule) -> None:
        rule.hits += 1
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining <= 0:
                del rules[index]
                if not rules:
                    self._by_namespace.pop(rule.namespace, None)

    def listing(self, namespace: str | None = None) -> list[RuntimeRule]:
        """A namespace's rules then everyone's, in the order they are tried; None: every rule."""
        with self._lock:
            for name, rules in list(self._by_namespace.items()):
                self._drop_expired(rules)
                if not rules:
                    del self._by_namespace[name]
            if namespace is None:
                chosen = [r for rules in self._by_namespace.values() for r in rules]
                return sorted(chosen, key=lambda r: int(r.id.split("-")[1]), reverse=True)
            order = [namespace] if namespace == EVERYONE else [namespace, EVERYONE]
            return [r for ns in order for r in reversed(self._by_namespace.get(ns, []))]

    def get(self, rule_id: str) -> RuntimeRule | None:
        return next((r for r in self.listing() if r.id == rule_id), None)

    def delete(self, rule_id: str) -> bool:
        with self._lock:
            for namespace, rules in self._by_namespace.items():
                for index, rule in enumerate(rules):
                    if rule.id == rule_id:
                        del rules[index]
                        if not rules:
                            del self._by_namespace[namespace]
                        return True
        return False

    def clear(self, namespace: str | None = None) -> int:
        """Delete one namespace's rules ("*": the rules for everyone), or every rule (None)."""
        with self._lock:
            if namespace is None:
                count = sum(len(rules) for rules in self._by_namespace.values())
                self._by_namespace.clear()
                return count
            return len(self._by_namespace.pop(namespace, []))

    def _drop_expired(self, rules: list[RuntimeRule]) -> None:
        now = self.now()
        rules[:] = [r for r in rules if r.expires_at is None or r.expires_at > now]


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
