"""The precedence of answers, latency and faults across Prefer, runtime rules and scenarios."""

from __future__ import annotations

from typing import Any

from mockserver import faults, prefer
from mockserver.decision import NOTHING, decide
from mockserver.rules import Rules
from mockserver.scenarios import Rule, build_rule
from mockserver.settings import DEFAULT_SPEC
from mockserver.spec import load

SPEC = load(DEFAULT_SPEC)
OP = ["LxSessionsController_producerToken"]


def rule(**raw: Any) -> Rule:
    return build_rule({"operations": OP, **raw}, SPEC, "test")


def runtime(**raw: Any) -> Any:
    return Rules(SPEC).add({"operations": OP, **raw})


def ask(header: str = "") -> prefer.Selection:
    return prefer.parse({"prefer": header} if header else {}, {})


def test_nothing_to_decide_is_the_shared_plain_decision() -> None:
    assert decide(ask(), None, None) is NOTHING
    assert NOTHING.decided_by is None and NOTHING.marks() is None


def test_a_runtime_rule_answers_before_a_scenario() -> None:
    r = runtime(respond={"status": 404, "example": "SESSION_NOT_FOUND"})
    decision = decide(ask(), r, rule(respond={"status": 503}))
    assert decision.decided_by == "rule" and decision.responder is r.rule
    assert decision.marks() == {"rule": r.id}


def test_a_latency_only_rule_keeps_the_next_answer_and_adds_its_latency() -> None:
    r = runtime(latency={"fixedMs": 300})
    with_scenario = decide(ask(), r, rule(respond={"status": 503}))
    assert with_scenario.decided_by == "scenario"
    assert with_scenario.latency is not None and with_scenario.latency.low_ms == 300
    alone = decide(ask(), r, None)
    assert alone.decided_by is None and alone.responder is None  # the world answers
    assert not alone.skips_world


def test_an_override_beats_every_rule_but_keeps_their_latency() -> None:
    decision = decide(
        ask("code=409"), runtime(latency={"fixedMs": 5}), rule(respond={"status": 503})
    )
    assert decision.decided_by == "override" and decision.responder is None
    assert decision.latency is not None and decision.latency.low_ms == 5


def test_prefer_delay_and_fault_win_over_the_rules() -> None:
    r = runtime(latency={"fixedMs": 5}, fault="hang")
    decision = decide(ask("delay=700, fault=empty-response"), r, None)
    assert decision.latency is not None and decision.latency.low_ms == 700
    assert decision.fault == faults.Fault("empty-response")
    assert decision.decided_by == "override" and decision.skips_world


def test_a_fault_before_commit_skips_the_world_and_decides() -> None:
    r = runtime(fault="connection-reset", times=1)
    decision = decide(ask(), r, None)
    assert decision.decided_by == "rule" and decision.skips_world
    assert decision.marks() == {"rule": r.id, "fault": "connection-reset", "afterCommit": False}


def test_a_fault_after_commit_lets_the_world_apply_the_call() -> None:
    r = runtime(fault="connection-reset", afterCommit=True)
    decision = decide(ask(), r, None)
    assert decision.decided_by is None and not decision.skips_world
    assert decision.after_commit
    assert decision.marks(12.5) == {
        "rule": r.id,
        "fault": "connection-reset",
        "afterCommit": True,
        "latencyMs": 12.5,
        "latencyBy": None,
    }


def test_dribble_delivers_whoever_answers() -> None:
    decision = decide(ask("fault=dribble:100"), None, rule(respond={"status": 503}))
    assert decision.decided_by == "scenario" and not decision.skips_world


def test_a_scenario_fault_decides_when_no_runtime_rule_matched() -> None:
    decision = decide(ask(), None, rule(fault={"hang": {"seconds": 1}}))
    assert decision.decided_by == "scenario" and decision.skips_world
