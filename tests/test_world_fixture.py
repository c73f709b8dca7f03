"""The world fixture: checked against its JSON Schema and for cross-references at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.app import create_app
from mockserver.calls import Call
from mockserver.luxxon.world import FixtureError, Worlds
from mockserver.luxxon.world.fixture import load, parse
from mockserver.settings import DEFAULT_SCENARIOS, Settings
from tests.world_client import SPEC

DEFAULT = DEFAULT_SCENARIOS / "worlds" / "default.yaml"


def fixture_text(**changes: object) -> str:
    document = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return yaml.safe_dump(document)


def error_of(text: str) -> FixtureError:
    with pytest.raises(FixtureError) as caught:
        parse(text, "worlds/broken.yaml")
    return caught.value


def test_default_fixture_is_valid_and_has_the_demo_world() -> None:
    fixture = load(DEFAULT)
    assert len(fixture.document["workspaces"]) == 3
    assert {k["key"] for k in fixture.document["apiKeys"]} >= {
        "lxxn_test_8c3a5b_consumerdemo",
        "lxxn_test_9d4b6c_operatordemo",
        "lxxn_test_8c3a5b_readonlydemo",
        "lxxn_test_8c3a5b_revokeddemo",
    }
    assert fixture.rules.quote_ttl == 30 and fixture.rules.key_grace == 60


def test_a_schema_violation_names_file_key_path_and_reason() -> None:
    error = error_of(fixture_text(sessions__0__state="LIVEE"))
    assert (error.file, error.key_path) == ("worlds/broken.yaml", "sessions.0.state")
    assert "'LIVEE' is not one of" in error.reason
    assert str(error).startswith("worlds/broken.yaml: sessions.0.state: ")


def test_an_unknown_key_is_refused() -> None:
    error = error_of(fixture_text(workspaces__0__colour="blue"))
    assert error.key_path == "workspaces.0"
    assert "colour" in error.reason


def test_a_key_must_carry_its_workspaces_id_prefix() -> None:
    error = error_of(fixture_text(apiKeys__1__key="lxxn_test_8c3a5b_stolen"))
    assert error.key_path == "apiKeys.1.key"
    assert "lxxn_test_9d4b6c_" in error.reason


def test_a_session_must_reference_workspaces_of_the_right_role() -> None:
    error = error_of(
        fixture_text(sessions__0__operatorWorkspaceId="8c3a5b6f-1d2e-4f7a-9b8c-d1e2f3a4b5c6")
    )
    assert (error.key_path, error.reason) == (
        "sessions.0.operatorWorkspaceId",
        "not a SUPPLIER workspace in the fixture",
    )


def test_a_live_session_needs_a_start_time() -> None:
    error = error_of(fixture_text(sessions__2__state="LIVE"))  # the ASSIGNED one
    assert error.key_path == "sessions.2.startedAgoSeconds"


def test_invalid_yaml_names_the_line() -> None:
    error = error_of("workspaces:\n  - id: [unclosed\n")
    assert error.key_path == "" and str(error).split(": ")[1] == "(top)" and "line" in error.reason


def test_worlds_refuse_a_bad_fixture_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(fixture_text(settings__pricing__quoteTtlSeconds=-1), encoding="utf-8")
    with pytest.raises(FixtureError, match=r"bad\.yaml: settings\.pricing\.quoteTtlSeconds: "):
        Worlds(SPEC, path)


def test_a_missing_fixture_file_is_a_fixture_error(tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="cannot read"):
        Worlds(SPEC, tmp_path / "nope.yaml")


def test_the_app_does_not_start_with_a_bad_world(tmp_path: Path) -> None:
    (tmp_path / "worlds").mkdir()
    (tmp_path / "worlds" / "default.yaml").write_text("workspaces: []\n", encoding="utf-8")
    with pytest.raises(FixtureError, match=r"default\.yaml: workspaces: "):
        create_app(Settings(scenarios_dir=tmp_path))


def test_each_namespace_is_a_fresh_copy_and_the_file_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(DEFAULT.read_text(encoding="utf-8"), encoding="utf-8")
    worlds = Worlds(SPEC, path)
    path.unlink()  # a namespace made later must not need the file
    first, second = worlds.get("a"), worlds.get("b")
    first.store.sessions.clear()
    assert len(second.store.sessions) == 6 and worlds.get("a") is first
    worlds.reset("a")
    assert len(worlds.get("a").store.sessions) == 6


def test_zero_delays_make_a_dispatched_session_live_and_settled_at_once(tmp_path: Path) -> None:
    settings = {
        "autopilot": {"acceptAfterSeconds": 0, "startAfterSeconds": 0},
        "video": {"firstFrameAfterSeconds": 0},
        "settlement": {
            "pendingAfterSeconds": 0,
            "submittedAfterSeconds": 0,
            "confirmedAfterSeconds": 0,
        },
    }
    path = tmp_path / "instant.yaml"
    path.write_text(fixture_text(settings=settings), encoding="utf-8")
    world = Worlds(SPEC, path).get("default")
    world.clock.freeze()

    def handle(op_id: str, session_id: str = "", body: object = None) -> Any:
        op = SPEC.operations[op_id]
        params = {"id": session_id, "sessionId": session_id}
        headers = {"authorization": "Bearer lxxn_test_8c3a5b_consumerdemo"}
        reply = world.handle(Call(op_id, op.method, op.path, params, {}, headers, {}, body), op)
        assert reply is not None
        return reply.data

    created = handle(
        "LxSessionsController_create", body={"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60}
    )
    handle("LxSessionsController_dispatch", created["id"])
    assert handle("LxSessionsController_get", created["id"])["state"] == "LIVE"
    world.clock.advance(12)
    assert handle("LxSessionsController_end", created["id"])["chargedMicroUsdc"] == "12000"
    assert handle("LxSettlementController_get", created["id"])["state"] == "CONFIRMED"
