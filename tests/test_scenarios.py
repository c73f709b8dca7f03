"""Scenario files: checked at start-up, refused with file, key path and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver import scenarios
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
            "Additional properties are not allowed",
        ),
        ("name: x\nrules: [\n", "line", "not valid YAML"),
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
    from mockserver.calls import Call

    def call(pid: str, q: dict[str, str], h: dict[str, str]) -> Call:
        return Call("LxSessionsController_get", "GET", "/", {"id": pid}, q, h, {}, None)

    assert rule.matches(call("abc", {"verbose": "true"}, {"x-team": "qa"}))
    assert not rule.matches(call("abd", {"verbose": "true"}, {"x-team": "qa"}))
    assert not rule.matches(call("abc", {}, {"x-team": "qa"}))
