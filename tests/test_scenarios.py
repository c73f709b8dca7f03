"""Scenario files: checked at start-up, refused with file, key path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver import faults, scenarios
from mockserver.calls import Call
from mockserver.settings import DEFAULT_SCENARIOS, DEFAULT_SPEC
from mockserver.spec import load

SPEC = load(DEFAULT_SPEC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_scenarios_load() -> None:
    loaded = scenarios.load_dir(DEFAULT_SCENARIOS, SPEC)
    assert {"video-outage", "expired-credentials", "not-operator"} <= set(loaded)


def test_expired_credentials_selects_exactly_the_secured_operations() -> None:
    rule = scenarios.load_dir(DEFAULT_SCENARIOS, SPEC)["expired-credentials"].rules[0]
    secured = {op.operation_id for op in SPEC.operations.values() if op.secured}
    assert rule.operation_ids == secured


@pytest.mark.parametrize(
    ("text", "key_path", "reason"),
    [
        ("name: x\nrules: []\n", "rules", "should be non-empty"),
        (
            "name: x\nrules:\n  - operations: [LxHealthController_check]\n    respond: {status: 'a'}\n",
            "rules.0.respond.status",
            "is not of type 'integer'",
        ),
        (
            "name: x\nrules:\n  - operations: [NoSuchOperation]\n    respond: {status: 200}\n",
            "rules.0.operations.0",
            "matches no operation",
        ),
        (
            "name: x\nrules:\n  - operations: [LxHealthController_check]\n    respond: {status: 503}\n",
            "rules.0.respond",
            "does not document status 503",
        ),
        (
            "name: x\nrules:\n  - operations: [LxSessionsController_start]\n"
            "    respond: {status: 503, example: NOPE}\n",
            "rules.0.respond",
            "none of the examples",
        ),
        (
            "name: x\nrules:\n  - operations: [LxHealthController_check]\n    respond: {status: 200}\n"
            "    colour: red\n",
            "rules.0",
            "'colour' was unexpected",
        ),
        ("name: x\nrules: [\n", "", "not valid YAML/JSON: line 3"),
    ],
)
def test_bad_file_names_file_key_path_and_reason(
    tmp_path: Path, text: str, key_path: str, reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(scenarios.ScenarioError) as caught:
        scenarios.load_file(path, SPEC)
    message = str(caught.value)
    assert message.startswith(str(path))
    assert key_path in caught.value.key_path
    assert reason in message


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    text = "name: twin\nrules:\n  - operations: [LxHealthController_check]\n    respond: {status: 200}\n"
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="also defined"):
        scenarios.load_dir(tmp_path, SPEC)


def test_rule_matches_on_path_query_and_headers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
name: one-session-gone
rules:
  - operations: [LxSessionsController_get]
    match: {path: {id: abc}, query: {verbose: true}, headers: {X-Team: qa}}
    respond: {status: 404, example: SESSION_NOT_FOUND}
""",
    )
    rule = scenarios.load_file(path, SPEC).rules[0]

    def call(pid: str, q: dict[str, str], h: dict[str, str]) -> Call:
        return Call("LxSessionsController_get", "GET", "/", {"id": pid}, q, h, {}, None)

    assert rule.matches(call("abc", {"verbose": "true"}, {"x-team": "qa"}))
    assert not rule.matches(call("abd", {"verbose": "true"}, {"x-team": "qa"}))
    assert not rule.matches(call("abc", {}, {"x-team": "qa"}))


# -- latency, faults and body matches (issue 12) -------------------------------------------------


def rule_from(tmp_path: Path, body: str) -> scenarios.Rule:
    path = write(
        tmp_path, f"name: x\nrules:\n  - operations: [LxSessionsController_producerToken]\n{body}"
    )
    return scenarios.load_file(path, SPEC).rules[0]


def test_a_latency_only_rule_does_not_choose_the_answer(tmp_path: Path) -> None:
    rule = rule_from(tmp_path, "    latency: {fixedMs: 1500}\n")
    assert not rule.responds and rule.status is None
    assert rule.latency is not None and rule.latency.describe() == {"fixedMs": 1500}
    assert rule.delay_s == 1.5


def test_delay_ms_still_works_as_fixed_latency(tmp_path: Path) -> None:
    rule = rule_from(tmp_path, "    respond: {status: 200}\n    delay_ms: 250\n")
    assert rule.responds and rule.latency is not None
    assert rule.latency.describe() == {"fixedMs": 250} and rule.delay_s == 0.25


def test_a_fault_rule_after_commit(tmp_path: Path) -> None:
    rule = rule_from(tmp_path, "    fault: connection-reset\n    afterCommit: true\n")
    assert rule.fault == faults.Fault("connection-reset") and rule.after_commit
    hang = rule_from(tmp_path, "    fault: {hang: {seconds: 3}}\n")
    assert hang.fault == faults.Fault("hang", seconds=3.0) and not hang.after_commit


def test_match_on_a_body_json_pointer(tmp_path: Path) -> None:
    rule = rule_from(
        tmp_path,
        "    match: {body: {/workspaceId: w1, /tags/0: hot, /a~1b: 5, /on: true}}\n"
        "    respond: {status: 200}\n",
    )

    def call(body: object) -> Call:
        return Call("LxSessionsController_producerToken", "POST", "/", {}, {}, {}, {}, body)

    good = {"workspaceId": "w1", "tags": ["hot"], "a/b": 5, "on": True}
    assert rule.matches(call(good))
    assert not rule.matches(call({**good, "a/b": "5"}))
    assert not rule.matches(call({**good, "on": 1}))
    assert not rule.matches(call({"workspaceId": "w1", "tags": []}))
    assert not rule.matches(call(None))


@pytest.mark.parametrize(
    ("body", "key_path", "reason"),
    [
        ("    match: {path: {id: x}}\n", "rules.0", "needs respond, latency or fault"),
        ("    latency: {fixedMs: 1}\n    delay_ms: 1\n", "rules.0.delay_ms", "not both"),
        (
            "    afterCommit: true\n    latency: {fixedMs: 1}\n",
            "rules.0",
            "'fault' is a dependency",
        ),
        (
            "    fault: empty-response\n    afterCommit: true\n    respond: {status: 200}\n",
            "rules.0.afterCommit",
            "leave out respond",
        ),
        ("    fault: dribble\n    afterCommit: true\n", "rules.0.afterCommit", "adds nothing"),
        ("    fault: teleport\n", "rules.0.fault", "is not one of connection-reset"),
        ("    latency: {uniformMs: [9, 1]}\n", "rules.0.latency", "min (9) is above max (1)"),
        ("    latency: {gauss: 3}\n", "rules.0.latency", "is not one of {fixedMs: N}"),
        ("    match: {body: {amount: 5}}\n    fault: hang\n", "rules.0.match.body", "JSON pointer"),
        ("    times: 2\n    fault: hang\n", "rules.0", "'times' was unexpected"),
    ],
)
def test_bad_latency_fault_and_match_name_key_path_and_reason(
    tmp_path: Path, body: str, key_path: str, reason: str
) -> None:
    with pytest.raises(scenarios.ScenarioError) as caught:
        rule_from(tmp_path, body)
    assert caught.value.key_path == key_path
    assert reason in caught.value.reason
