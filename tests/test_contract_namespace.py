"""Contract runs against the mock never touch its shared default world: a fresh namespace for the
run, reset when it ends; a namespace the caller names is used and kept."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.settings import Settings
from tests.conftest import CONSUMER_KEY, LIVE_SESSION, OPERATOR_KEY, LiveServer

# Ending a session: the step that, in the shared world, ends the demo LIVE session.
CONTRACT = [
    "contract", "--token", CONSUMER_KEY, "--token", f"operator={OPERATOR_KEY}",
    "--operations", "LxSessionsController_end,LxSessionsController_get", "--max-examples", "3", "--seed", "1",
]  # fmt: skip


@pytest.fixture
def mock() -> Iterator[LiveServer]:
    with LiveServer(create_app(Settings(seed=1))) as server:
        yield server


def live_state(mock: LiveServer, namespace: str = "default") -> str:
    reply = httpx.get(
        f"{mock.url}/api/v1/sessions/{LIVE_SESSION}",
        headers={"Authorization": f"Bearer {OPERATOR_KEY}", "X-Mock-Namespace": namespace},
        timeout=10,
    )
    return str(reply.json()["data"]["state"])


def namespaces(mock: LiveServer) -> list[str]:
    return list(httpx.get(mock.url + "/__mock", timeout=10).json()["data"]["namespaces"])


def test_contract_run_uses_a_fresh_namespace_and_resets_it(
    mock: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*CONTRACT, "--base-url", mock.url]) == 0

    progress = capsys.readouterr().err
    assert "against a mock: namespace contract-" in progress
    assert live_state(mock) == "LIVE"
    assert not [name for name in namespaces(mock) if name.startswith("contract-")]


def test_contract_run_in_a_named_namespace_keeps_it(
    mock: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*CONTRACT, "--base-url", mock.url, "--header", "X-Mock-Namespace: ci-42"]) == 0

    assert "against a mock" not in capsys.readouterr().err
    assert "ci-42" in namespaces(mock)
    # The same run does end the demo session: in the shared world it would have ended it there.
    assert live_state(mock, "ci-42") != "LIVE"
    assert live_state(mock) == "LIVE"
