"""QA's controls in the shared store: a runtime rule or a scenario switched on through one worker
steers every worker.

Two small control planes, each a hash and a version key watched like a namespace's
(store_watch.py), so a call costs no round trip while nobody changes them:

    mock:{*rules}:def     rule id → the rule as posted, its namespace and expiry (never changes)
    mock:{*rules}:left    rule id → calls left, for rules with `times`
    mock:{*rules}:hits    rule id → calls it decided
    mock:{*scenarios}:on  namespace ("*": everyone) → scenario name, "" for switched off

(`*` cannot start a namespace's name, so these never meet one.) A rule's `times` are consumed by
one script, so 50 workers racing for a `times: 2` rule hand out exactly two answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from mockserver.calls import Call
from mockserver.namespaces import EVERYONE
from mockserver.redisstore import RedisStore
from mockserver.rules import MAX_RULES, Rules, RuntimeRule
from mockserver.scenarios import build_rule
from mockserver.spec import Spec

if TYPE_CHECKING:
    from mockserver.engine import Engine

RULES, SCENARIOS = "*rules", "*scenarios"

# KEYS: def, left, hits, version. ARGV: rule id. Returns calls left, -2 for no limit, -1: gone.
_CONSUME = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then return -2 end
local left = redis.call('HINCRBY', KEYS[2], ARGV[1], -1)
if left <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1]); redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1]); redis.call('INCR', KEYS[4])
end
if left < 0 then return -1 end
return left
"""


class SharedRules(Rules):
    def __init__(self, spec: Spec, store: RedisStore, now: Callable[[], float] = time.time):
        super().__init__(spec, now)
        self.store = store
        self._consume_script = store.redis.register_script(_CONSUME)
        self._synced_once = False

    def _key(self, part: str) -> str:
        return self.store.key(RULES, part)

    # -- reading ---------------------------------------------------------------------------------
    def _sync(self, force: bool = False) -> None:
        if self._synced_once and not force and self.store.unchanged(RULES):
            return
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.hgetall(self._key("def"))
        pipe.hgetall(self._key("left"))
        pipe.hgetall(self._key("hits"))
        definitions, left, hits = self.store._call(pipe.execute)
        known = {r.id: r for rules in self._by_namespace.values() for r in rules}
        by_namespace: dict[str, list[RuntimeRule]] = {}
        for raw_id, raw in definitions.items():
            rule_id = raw_id.decode()
            data = orjson.loads(raw)
            rule = known.get(rule_id)
            if rule is None:
                built = build_rule(data["given"], self.spec, "rule")
                rule = RuntimeRule(rule_id, data["namespace"], built, data["given"], None, None)
                rule.expires_at = data["expiresAt"]
            rule.remaining = int(left[raw_id]) if raw_id in left else None
            rule.hits = int(hits.get(raw_id, 0))
            by_namespace.setdefault(rule.namespace, []).append(rule)
        for rules in by_namespace.values():
            rules.sort(key=lambda r: int(r.id.split("-")[1]))  # oldest first, as Rules keeps them
        self._by_namespace = by_namespace
        self._synced_once = True
        self.store.caught_up(RULES)

    def match(self, call: Call) -> RuntimeRule | None:
        self._sync()
        for _ in range(MAX_RULES):
            candidate = super().match(call)  # consumes locally; the store decides for real
            if candidate is None:
                return None
            left = int(
                self.store._call(
                    self._consume_script,
                    keys=[self._key(p) for p in ("def", "left", "hits")]
                    + [self.store.key(RULES, "v")],
                    args=[candidate.id],
                )
            )
            if left != -1:
                return candidate
            self._sync(force=True)  # another worker had its last call: look again
        return None

    def listing(self, namespace: str | None = None) -> list[RuntimeRule]:
        self._sync(force=True)  # hits move without a version change: read them fresh
        return super().listing(namespace)

    # -- writing ---------------------------------------------------------------------------------
    def add(self, raw: Any, namespace: str = "default") -> RuntimeRule:
        self._sync(force=True)
        rule = super().add(raw, namespace)  # checks it, and the cap, against every worker's rules
        number = self.store._call(self.store.redis.incr, self._key("ids"))
        rule.id = f"rule-{number}"
        given = {"namespace": rule.namespace, "given": rule.given, "expiresAt": rule.expires_at}
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.hset(self._key("def"), rule.id, orjson.dumps(given))
        if rule.remaining is not None:
            pipe.hset(self._key("left"), rule.id, rule.remaining)
        pipe.incr(self.store.key(RULES, "v"))
        self.store._call(pipe.execute)
        return rule

    def delete(self, rule_id: str) -> bool:
        self._sync(force=True)
        found = super().delete(rule_id)
        if found:
            self._forget([rule_id])
        return found

    def clear(self, namespace: str | None = None) -> int:
        self._sync(force=True)
        ids = [
            r.id
            for ns, rules in self._by_namespace.items()
            if namespace is None or ns == namespace
            for r in rules
        ]
        count = super().clear(namespace)
        self._forget(ids)
        return count

    def _forget(self, ids: list[str]) -> None:
        pipe = self.store.redis.pipeline(transaction=True)
        for part in ("def", "left", "hits"):
            if ids:
                pipe.hdel(self._key(part), *ids)
        pipe.incr(self.store.key(RULES, "v"))
        self.store._call(pipe.execute)


class SharedScenarios:
    """Which scenario is on for whom, for every worker (`Engine.active`)."""

    def __init__(self, store: RedisStore, default: str | None) -> None:
        self.store = store
        self.default = default  # --scenario: every worker starts with it on for everyone
        self._synced_once = False

    def sync(self, engine: Engine) -> None:
        if self._synced_once and self.store.unchanged(SCENARIOS):
            return
        chosen = self.store._call(self.store.redis.hgetall, self.store.key(SCENARIOS, "on"))
        active = {EVERYONE: self.default} if self.default else {}
        for raw_namespace, raw_name in chosen.items():
            active[raw_namespace.decode()] = raw_name.decode()
        engine.active = {
            ns: engine.scenarios[name]
            for ns, name in active.items()
            if name and name in engine.scenarios  # a scenario another version of the files has
        }
        self._synced_once = True
        self.store.caught_up(SCENARIOS)

    def publish(self, namespace: str, name: str | None) -> None:
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.hset(self.store.key(SCENARIOS, "on"), namespace, name or "")
        pipe.incr(self.store.key(SCENARIOS, "v"))
        self.store._call(pipe.execute)


__all__ = ["SharedRules", "SharedScenarios"]
