"""The `luxxon_mock` fixture as a user's suite sees it (pytester runs a small suite through the
installed `pytest11` entry point): a namespace per test, reset after it, the demo keys, the admin
helpers, a self-started mock or a given one. tests/test_install.py runs the example suite from a
fresh virtualenv with `pytest -n 2`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from mockserver.app import create_app
from mockserver.luxxon.pytest_plugin import LuxxonMock
from mockserver.settings import DEFAULT_WORLD_FILE, Settings
from tests.conftest import LIVE_SESSION, OPERATOR_KEY, LiveServer

SUITE = f'''
import json, pathlib

LIVE = "{LIVE_SESSION}"

def test_keys_and_url(luxxon_mock):
    assert luxxon_mock.url.endswith("/api/v1")
    pathlib.Path("keys.json").write_text(json.dumps(luxxon_mock.keys))

def test_ending_the_session_stays_in_this_test(luxxon_mock):
    session = luxxon_mock.client.get(f"/sessions/{{LIVE}}", headers=luxxon_mock.bearer("operator"))
    assert session.json()["data"]["state"] == "LIVE"
    ended = luxxon_mock.client.post(f"/sessions/{{LIVE}}/end", headers=luxxon_mock.bearer("operator"))
    assert ended.json()["data"]["state"] == "ENDED"
    pathlib.Path("namespace").write_text(luxxon_mock.namespace)

def test_a_second_test_sees_the_session_live(luxxon_mock):
    session = luxxon_mock.client.get(f"/sessions/{{LIVE}}", headers=luxxon_mock.bearer("operator"))
    assert session.json()["data"]["state"] == "LIVE"

def test_scenario_and_clock(luxxon_mock):
    luxxon_mock.scenario("video-outage")
    token = luxxon_mock.client.get(
        f"/sessions/{{LIVE}}/producer-token", headers=luxxon_mock.bearer("operator"))
    assert token.status_code == 503
    before = luxxon_mock.admin("GET", "/clock")["now"]
    assert luxxon_mock.advance(3600)["now"] > before

def test_rules_journal_and_session_controls(luxxon_mock):
    frame = f"/sessions/{{LIVE}}/frame"
    operator = luxxon_mock.bearer("operator")
    luxxon_mock.rule(operations=["LxSessionsController_frame"], times=1,
                     respond={{"status": 404, "example": "FRAME_NOT_AVAILABLE"}})
    assert luxxon_mock.client.get(frame, headers=operator).status_code == 404
    assert luxxon_mock.client.get(frame, headers=operator).status_code == 200
    assert luxxon_mock.count(operation="LxSessionsController_frame") == 2
    assert [e["decidedBy"] for e in luxxon_mock.requests(status=404)] == ["rule"]
    assert luxxon_mock.session(LIVE, "end")["state"] == "ENDED"
'''


@pytest.fixture
def mock() -> Iterator[LiveServer]:
    with LiveServer(create_app(Settings(seed=1))) as server:
        yield server


def default_world(mock: LiveServer) -> tuple[str, dict[str, Any]]:
    """The demo LIVE session's state in the shared world, and the admin status."""
    session = httpx.get(
        f"{mock.url}/api/v1/sessions/{LIVE_SESSION}",
        headers={"Authorization": f"Bearer {OPERATOR_KEY}"},
        timeout=10,
    )
    producer = httpx.get(
        f"{mock.url}/api/v1/sessions/{LIVE_SESSION}/producer-token",
        headers={"Authorization": f"Bearer {OPERATOR_KEY}"},
        timeout=10,
    )
    assert producer.status_code == 200  # the scenario stayed in the test's namespace
    return session.json()["data"]["state"], httpx.get(mock.url + "/__mock").json()["data"]


def test_suite_on_a_given_mock_stays_in_namespaces_reset_after_each_test(
    pytester: pytest.Pytester, mock: LiveServer
) -> None:
    pytester.makepyfile(SUITE)

    result = pytester.runpytest("-p", "no:cacheprovider", f"--luxxon-mock-url={mock.url}/api/v1/")

    result.assert_outcomes(passed=5)
    state, status = default_world(mock)
    assert state == "LIVE"
    namespace = (pytester.path / "namespace").read_text()
    assert namespace.startswith("pytest-")
    assert namespace not in status["namespaces"]  # reset: the world is gone
    assert status["activeScenarios"] == {}  # the scenario was switched off


def test_keys_are_the_default_worlds_by_role(pytester: pytest.Pytester, mock: LiveServer) -> None:
    pytester.makepyfile(SUITE)
    pytester.runpytest("-p", "no:cacheprovider", f"--luxxon-mock-url={mock.url}", "-k", "keys")

    keys = yaml.safe_load((pytester.path / "keys.json").read_text())
    world = yaml.safe_load(DEFAULT_WORLD_FILE.read_text(encoding="utf-8"))
    assert sorted(keys.values()) == sorted(entry["key"] for entry in world["apiKeys"])
    assert keys["consumer"] == "lxxn_test_8c3a5b_consumerdemo"
    assert keys["operator"] == OPERATOR_KEY


def test_suite_starts_its_own_mock_when_given_none(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)

    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=5)


def test_admin_calls_send_json_the_namespace_and_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[dict[str, Any]] = []

    def record(method: str, url: str, **kwargs: Any) -> httpx.Response:
        sent.append({"method": method, "url": url, **kwargs})
        return httpx.Response(200, json={"data": {"ok": True}})

    monkeypatch.setattr(httpx, "request", record)
    mock = LuxxonMock("http://127.0.0.1:9", "pytest-x", {}, admin_token="s3cret")

    assert mock.scenario("video-outage") == {"ok": True}
    mock.advance(30)
    mock.close()

    assert [(call["method"], call["url"].rsplit("/", 1)[-1]) for call in sent] == [
        ("PUT", "scenario"),
        ("POST", "clock"),
        ("PUT", "scenario"),  # switched off again at the end of the test
        ("POST", "reset"),
    ]
    for call in sent:
        assert call["headers"]["Content-Type"] == "application/json"
        assert call["headers"]["X-Mock-Namespace"] == "pytest-x"
        assert call["headers"]["X-Mock-Admin-Token"] == "s3cret"
        assert call["json"] is not None


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    """Every pytest run where mockserver is installed imports the plugin."""
    code = (
        "import sys, mockserver.luxxon.pytest_plugin; "
        "print(' '.join(m for m in ('httpx', 'yaml', 'connexion', 'uvicorn', 'schemathesis', "
        "'mockserver.app', 'mockserver.luxxon.world', 'mockserver.settings') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert loaded.stdout.strip() == ""
