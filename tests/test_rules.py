"""Runtime rules: the issue's shapes, times and expiry, precedence, listing, refusals with key
path and reason, and `times` consumed exactly once under concurrent calls."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from mockserver import faults
from mockserver.calls import Call
from mockserver.rules import MAX_RULES, RuleError, Rules
from mockserver.settings import DEFAULT_SPEC
from mockserver.spec import load

SPEC = load(DEFAULT_SPEC)
FRAME = {
    "operations": ["LxSessionsController_frame"],
    "times": 2,
    "respond": {"status": 404, "example": "FRAME_NOT_AVAILABLE"},
}
SLOW_TOKEN = {"operations": ["LxSessionsController_producerToken"], "latency": {"fixedMs": 300}}
RESET_CREATE = {
    "operations": ["LxSessionsController_create"],
    "times": 1,
    "fault": "connection-reset",
    "afterCommit": True,
}


def call(op: str = "LxSessionsController_frame", ns: str = "default", **kw: Any) -> Call:
    fields: dict[str, Any] = {
        "method": "GET",
        "path": "/",
        "path_params": {"id": "s1"},
        "query": {},
        "headers": {},
        "cookies": {},
        "body": None,
    }
    fields.update(kw)
    return Call(operation_id=op, namespace=ns, **fields)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_issues_shapes_are_rules() -> None:
    rules = Rules(SPEC)
    frame, slow, reset = (rules.add(raw) for raw in (FRAME, SLOW_TOKEN, RESET_CREATE))
    assert (frame.rule.status, frame.rule.examples, frame.remaining) == (
        404,
        ("FRAME_NOT_AVAILABLE",),
        2,
    )
    assert not slow.rule.responds and slow.rule.latency is not None
    assert slow.rule.latency.describe() == {"fixedMs": 300}
    assert reset.rule.fault == faults.Fault("connection-reset") and reset.rule.after_commit


def test_times_two_decides_two_calls_then_the_world_answers_again() -> None:
    rules = Rules(SPEC)
    added = rules.add(FRAME)
    assert rules.match(call()) is added
    assert rules.match(call()) is added
    assert rules.match(call()) is None
    assert rules.listing() == []
    assert added.hits == 2


def test_a_rule_without_times_stays_until_deleted() -> None:
    rules = Rules(SPEC)
    slow = rules.add(SLOW_TOKEN)
    for _ in range(5):
        assert rules.match(call("LxSessionsController_producerToken")) is slow
    assert rules.delete(slow.id)
    assert not rules.delete(slow.id)
    assert rules.match(call("LxSessionsController_producerToken")) is None


def test_rules_expire_on_the_wall_clock() -> None:
    clock = Clock()
    rules = Rules(SPEC, now=clock)
    added = rules.add({**SLOW_TOKEN, "expiresInSeconds": 30})
    assert added.describe()["expiresAt"] == "1970-01-01T00:17:10.000Z"
    clock.t += 29
    assert rules.match(call("LxSessionsController_producerToken")) is added
    clock.t += 1
    assert rules.match(call("LxSessionsController_producerToken")) is None
    assert rules.listing() == []


def test_the_namespaces_own_rules_come_before_everyones_and_the_newest_first() -> None:
    rules = Rules(SPEC)
    everyone = rules.add({**SLOW_TOKEN, "namespace": "*"})
    older = rules.add(SLOW_TOKEN, "team-a")
    newer = rules.add({**SLOW_TOKEN, "latency": {"fixedMs": 1}}, "team-a")
    token = "LxSessionsController_producerToken"
    assert rules.match(call(token, "team-a")) is newer
    assert rules.match(call(token, "team-b")) is everyone
    assert [r.id for r in rules.listing("team-a")] == [newer.id, older.id, everyone.id]
    assert [r.id for r in rules.listing("*")] == [everyone.id]
    assert [r.id for r in rules.listing()] == [newer.id, older.id, everyone.id]


def test_rules_match_on_path_query_header_and_body_values() -> None:
    rules = Rules(SPEC)
    added = rules.add(
        {
            "operations": ["LxSessionsController_create"],
            "match": {"headers": {"X-Team": "qa"}, "body": {"/quoteId": "q1"}},
            "respond": {"status": 409, "example": "QUOTE_EXPIRED"},
        }
    )
    create = "LxSessionsController_create"
    assert rules.match(call(create, headers={"x-team": "qa"}, body={"quoteId": "q1"})) is added
    assert rules.match(call(create, headers={"x-team": "qa"}, body={"quoteId": "q2"})) is None
    assert rules.match(call(create, body={"quoteId": "q1"})) is None


def test_listing_describes_a_rule_in_the_words_it_was_given() -> None:
    rules = Rules(SPEC)
    added = rules.add(FRAME, "team-a")
    rules.match(call(ns="team-a"))
    assert rules.listing("team-a")[0].describe() == {
        "id": added.id,
        "namespace": "team-a",
        "operations": ["LxSessionsController_frame"],
        "respond": {"status": 404, "example": "FRAME_NOT_AVAILABLE"},
        "times": 2,
        "remaining": 1,
        "expiresAt": None,
        "hits": 1,
    }
    assert rules.get(added.id) is added and rules.get("rule-0") is None


def test_clear_one_namespace_or_every_rule() -> None:
    rules = Rules(SPEC)
    rules.add(SLOW_TOKEN, "team-a")
    rules.add(SLOW_TOKEN, "team-b")
    rules.add(SLOW_TOKEN, "*")
    assert rules.clear("team-a") == 1
    assert rules.clear("nobody") == 0
    assert rules.clear() == 2
    assert rules.match(call("LxSessionsController_producerToken")) is None


@pytest.mark.parametrize(
    ("raw", "key_path", "reason"),
    [
        ([], "", "a rule is a JSON object"),
        ({"times": 1, "fault": "hang"}, "", "'operations' is a required property"),
        ({**FRAME, "times": 0}, "times", "0 is less than the minimum of 1"),
        (
            {**FRAME, "expiresInSeconds": -1},
            "expiresInSeconds",
            "less than or equal to the minimum",
        ),
        ({**FRAME, "colour": "red"}, "", "'colour' was unexpected"),
        ({**FRAME, "namespace": "a b"}, "namespace", "does not match"),
        ({**FRAME, "operations": ["Nope"]}, "operations.0", "matches no operation"),
        (
            {**FRAME, "respond": {"status": 418}},
            "respond",
            "does not document status 418",
        ),
        ({**SLOW_TOKEN, "latency": {"fixedMs": -3}}, "latency.fixedMs", "less than the minimum"),
        ({**RESET_CREATE, "fault": "teleport"}, "fault", "is not one of connection-reset"),
        ({**SLOW_TOKEN, "afterCommit": True}, "", "'fault' is a dependency of 'afterCommit'"),
        ({"operations": ["LxSessionsController_frame"], "times": 3}, "", "needs respond"),
    ],
)
def test_bad_rules_say_where_and_why(raw: Any, key_path: str, reason: str) -> None:
    with pytest.raises(RuleError) as caught:
        Rules(SPEC).add(raw)
    assert caught.value.key_path == key_path
    assert reason in caught.value.reason
    assert caught.value.as_dict() == {"keyPath": key_path, "reason": caught.value.reason}


def test_rules_per_namespace_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mockserver.rules.MAX_RULES", 2)
    rules = Rules(SPEC)
    rules.add(SLOW_TOKEN)
    rules.add(SLOW_TOKEN)
    with pytest.raises(RuleError, match="has 2 rules already"):
        rules.add(SLOW_TOKEN)
    rules.add(SLOW_TOKEN, "other")  # other namespaces have their own room
    assert MAX_RULES >= 100


def test_times_are_consumed_exactly_once_under_concurrent_calls() -> None:
    rules = Rules(SPEC)
    rules.add({**FRAME, "times": 500})
    matched: list[int] = []

    def worker() -> None:
        count = sum(rules.match(call()) is not None for _ in range(400))
        matched.append(count)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(matched) == 500


def test_no_rules_no_match() -> None:
    assert Rules(SPEC).match(call()) is None
