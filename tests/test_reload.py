"""Hot reload (`serve --watch`) on a real served process: edits to a scenario and to the spec
apply while it runs, worlds survive them, and an invalid edit keeps the last good version
serving while `GET /__mock` says which file, key and reason."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.app import MockApp
from mockserver.reload import Reloader
from mockserver.settings import DEFAULT_SCENARIOS, DEFAULT_SPEC, Settings
from tests.conftest import CONSUMER_KEY, free_port

DEADLINE_S = 20.0
AUTH = {"Authorization": f"Bearer {CONSUMER_KEY}"}
SCENARIO = """name: qa
description: the list refuses, as QA wants it today
rules:
  - operations: [LxSessionsController_list]
    respond:
      status: {status}
      example: {example}
"""


def wait_for(check: Callable[[], Any], what: str) -> Any:
    """Poll `check` until it returns something truthy, within a bounded deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "openapi.json"
    shutil.copy(DEFAULT_SPEC.resolve(), spec)
    scenarios = tmp_path / "scenarios"
    shutil.copytree(DEFAULT_SCENARIOS, scenarios)
    (scenarios / "qa.yaml").write_text(SCENARIO.format(status=401, example="NOT_AUTHENTICATED"))
    return spec, scenarios


@pytest.fixture
def served(files: tuple[Path, Path]) -> Iterator[tuple[httpx.Client, subprocess.Popen[str]]]:
    spec, scenarios = files
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--watch"]
    command += ["--spec", str(spec), "--scenarios", str(scenarios)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5)
    try:
        wait_for(lambda: _answers(client), "the mock to start")
        yield client, process
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/__mock").status_code == 200
    except httpx.HTTPError:
        return False


def status(client: httpx.Client) -> dict[str, Any]:
    data: dict[str, Any] = client.get("/__mock").json()["data"]
    return data


def test_a_scenario_edit_applies_and_an_invalid_one_keeps_the_last_good_version(
    served: tuple[httpx.Client, subprocess.Popen[str]], files: tuple[Path, Path]
) -> None:
    client, process = served
    ns = {"X-Mock-Namespace": "qa-1"}
    created = client.post(
        "/api/v1/sessions",
        json={"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60},
        headers={**AUTH, **ns},
    ).json()["data"]
    assert client.put("/__mock/scenario", json={"name": "qa"}, headers=ns).status_code == 200

    def listing() -> tuple[int, str]:
        answer = client.get("/api/v1/sessions", headers={**AUTH, **ns})
        return answer.status_code, answer.json().get("code")

    assert listing() == (401, "NOT_AUTHENTICATED")
    scenario = files[1] / "qa.yaml"
    scenario.write_text(SCENARIO.format(status=403, example="INSUFFICIENT_SCOPE"))
    wait_for(lambda: listing() == (403, "INSUFFICIENT_SCOPE"), "the edited scenario")
    # the namespace's world and its scenario choice lived through the reload
    session = client.get(f"/api/v1/sessions/{created['id']}", headers={**AUTH, **ns})
    assert session.status_code == 200 and session.json()["data"]["id"] == created["id"]
    assert status(client)["activeScenarios"] == {"qa-1": "qa"}
    assert status(client)["reloadError"] is None

    scenario.write_text("name: qa\nrules: [unclosed\n")
    error = wait_for(lambda: status(client)["reloadError"], "the reload error")
    assert error["file"] == str(scenario)
    assert error["reason"].startswith("not valid YAML") and "line 3" in error["reason"]
    assert error["message"] == f"{scenario}: {error['keyPath'] or '(top)'}: {error['reason']}"
    assert listing() == (403, "INSUFFICIENT_SCOPE")  # the last good version still answers

    scenario.write_text(SCENARIO.format(status=401, example="NOT_AUTHENTICATED"))
    wait_for(lambda: status(client)["reloadError"] is None, "the error to clear")
    assert listing() == (401, "NOT_AUTHENTICATED")

    process.terminate()
    assert process.stdout is not None
    output = process.communicate(timeout=10)[0]
    assert output.count("reload failed") == 1, output  # logged once, not at every event
    assert error["message"] in output


def test_a_spec_edit_adds_an_operation(
    served: tuple[httpx.Client, subprocess.Popen[str]], files: tuple[Path, Path]
) -> None:
    client, _ = served
    assert client.get("/api/v1/ping").status_code == 404
    spec = files[0]
    document = json.loads(spec.read_text())
    document["paths"]["/api/v1/ping"] = {
        "get": {
            "operationId": "Ping",
            "security": [],
            "responses": {
                "200": {
                    "description": "pong",
                    "content": {"application/json": {"example": {"pong": True}}},
                }
            },
        }
    }
    spec.write_text(json.dumps(document))
    answer = wait_for(
        lambda: (r := client.get("/api/v1/ping")).status_code == 200 and r, "the new operation"
    )
    assert answer.json() == {"pong": True}
    assert status(client)["operations"] == len(document_operations(document))


def document_operations(document: dict[str, Any]) -> list[str]:
    return [op["operationId"] for item in document["paths"].values() for op in item.values()]


def test_a_reload_carries_worlds_journal_rules_and_scenarios(files: tuple[Path, Path]) -> None:
    """In-process: what the running app learnt is the new app's, and a bad edit changes nothing."""
    spec, scenarios = files
    app = MockApp(Settings(spec_path=spec, scenarios_dir=scenarios))
    app.engine.activate("qa", "ns")
    world = app.worlds.get("ns")  # type: ignore[union-attr]
    app.rules.add({"operations": ["LxHealthController_check"], "latency": {"fixedMs": 1}}, "ns")
    lines: list[str] = []
    reloader = Reloader(app, log=lines.append)
    assert reloader.reload([scenarios / "qa.yaml"])
    new = reloader.app
    assert new is not app and new.worlds.get("ns") is world  # type: ignore[union-attr]
    assert new.journal is app.journal and new.rules is app.rules
    assert new.engine.active["ns"] is new.scenarios["qa"]
    (scenarios / "qa.yaml").write_text("name: [")
    assert not reloader.reload([scenarios / "qa.yaml"])
    assert reloader.app is new and new.admin.reload_error is not None
    assert not reloader.reload([scenarios / "qa.yaml"])
    assert len(lines) == 2  # one "reloaded", one "reload failed": the same error is logged once
    assert reloader.relevant([str(scenarios / "worlds" / "default.yaml"), "/etc/hosts"]) == [
        (scenarios / "worlds" / "default.yaml").resolve()
    ]


def test_a_fixture_edit_starts_new_namespaces_from_it_and_keeps_the_others(
    files: tuple[Path, Path],
) -> None:
    spec, scenarios = files
    app = MockApp(Settings(spec_path=spec, scenarios_dir=scenarios))
    kept = app.worlds.get("kept")  # type: ignore[union-attr]
    fixture = scenarios / "worlds" / "default.yaml"
    text = fixture.read_text()
    reloader = Reloader(app, log=lambda _: None)
    fixture.write_text(text.replace("name: Acme Visuals", "name: [Acme"))
    assert not reloader.reload([fixture])
    error = reloader.app.admin.reload_error
    assert error is not None and error["file"] == str(fixture)
    fixture.write_text(text.replace("name: Acme Visuals", "name: Acme Renamed"))
    assert reloader.reload([fixture])
    worlds = reloader.app.worlds
    assert worlds.get("kept") is kept  # type: ignore[union-attr]
    names = {ws.name for ws in worlds.get("fresh").store.workspaces.values()}  # type: ignore[union-attr]
    assert "Acme Renamed" in names and "Acme Visuals" not in names
