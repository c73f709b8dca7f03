"""`mockserver replay`: a bundle's journal re-sent to this mock (its start loaded into a fresh
namespace) answers the same; re-sent to a deliberately different server, the differences are
reported, each with a curl, and the exit code says so."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import orjson
import pytest

from mockserver.cli import main
from tests.broken import variants
from tests.broken.reference import create_app as reference_app
from tests.conftest import LiveServer
from tests.world_client import CONSUMER, OPERATOR, Lx, lx_fixture  # noqa: F401 - provides `lx`


def bundle_of(lx: Lx, tmp_path: Path) -> Path:
    answer = lx.http.get("/__mock/bundle", headers={"X-Mock-Namespace": lx.namespace})
    assert answer.status_code == 200
    path = tmp_path / "bundle.json"
    path.write_bytes(answer.content)
    return path


def replay(bundle: Path, url: str, *extra: str) -> int:
    tokens = ["--token", CONSUMER, "--token", f"operator={OPERATOR}"]
    return main(["replay", str(bundle), "--base-url", url, *tokens, *extra])


def a_run_with_everything(lx: Lx) -> None:
    """What a CI run does: sessions through their life (the clock moved between calls, so the
    autopilot's steps fall between them), reads, refusals and a validation error."""
    live = lx.live_session()  # create, dispatch, 5 s on, read: LIVE
    lx.ok("POST", f"/sessions/{live['id']}/end", OPERATOR, json={})
    lx.advance(2)
    lx.ok("GET", f"/settlements/{live['id']}")
    cancelled = lx.create(maxDurationSeconds=60)
    lx.ok("DELETE", f"/sessions/{cancelled['id']}")
    lx.fails(409, "INVALID_STATE", "POST", f"/sessions/{cancelled['id']}/dispatch")
    lx.fails(404, "SESSION_NOT_FOUND", "GET", f"/sessions/{uuid.uuid4()}")
    lx.fails(401, "NOT_AUTHENTICATED", "GET", "/sessions", key=None)
    lx.fails(400, "INVALID_INPUT", "POST", "/sessions", json={"lat": 400})
    lx.ok("GET", "/wallet")
    lx.ok("GET", "/sessions")


def test_a_bundle_replayed_against_the_mock_answers_the_same(
    lx: Lx, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_run_with_everything(lx)
    bundle = bundle_of(lx, tmp_path)
    assert replay(bundle, lx.server.url) == 0
    out = capsys.readouterr().out
    assert "its start loaded, clock frozen" in out
    assert "replay: 13 sent, 0 differ, 0 skipped" in out, out


def test_a_bundle_loaded_by_hand_then_replayed_to_its_namespace_answers_the_same(
    lx: Lx, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's round trip: export, PUT into another namespace (its start), replay there."""
    a_run_with_everything(lx)
    bundle = bundle_of(lx, tmp_path)
    other = f"t-{uuid.uuid4().hex[:12]}"
    try:
        assert replay(bundle, lx.server.url, "--namespace", other) == 0
        assert "0 differ" in capsys.readouterr().out
        replayed = lx.http.get("/__mock/bundle", headers={"X-Mock-Namespace": other}).json()
        assert len(replayed["journal"]) == 13  # the replayed calls, in the namespace named
        # and the world they made is the recorded one, to the identifier and the instant
        assert replayed["world"] == orjson.loads(bundle.read_bytes())["world"]
    finally:
        lx.http.post("/__mock/reset", headers={"X-Mock-Namespace": other})


def test_a_different_server_shows_every_difference_with_a_curl(
    lx: Lx, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lx.ok("GET", "/health")
    session = lx.create()
    lx.session(session["id"])
    lx.ok("GET", "/wallet")
    bundle = bundle_of(lx, tmp_path)
    broken = variants.BROKEN["missing required field"].app()  # health without buildSha
    with LiveServer(broken) as server:
        assert replay(bundle, server.url) == 1
    out = capsys.readouterr().out
    diffs = out.split("DIFF ")[1:]
    by_path = {block.split()[2]: block for block in diffs}
    assert set(by_path) == {"/api/v1/health", f"/api/v1/sessions/{session['id']}", "/api/v1/wallet"}
    assert "shape: 'buildSha' is a required property" in by_path["/api/v1/health"]
    # the reference made its own session id: the recorded one is unknown there
    assert "status: recorded 200, got 404" in by_path[f"/api/v1/sessions/{session['id']}"]
    assert "code: recorded -, got SESSION_NOT_FOUND" in by_path[f"/api/v1/sessions/{session['id']}"]
    curl = next(line.strip() for line in by_path["/api/v1/health"].splitlines() if "curl" in line)
    assert curl.startswith(f"curl -X GET {server.url}/api/v1/health")
    assert "replay: 4 sent, 3 differ" in out


def test_keys_from_the_environment_are_variables_in_the_curl(
    lx: Lx, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lx.ok("GET", "/wallet")
    bundle = bundle_of(lx, tmp_path)
    monkeypatch.setenv("LUXXON_TOKEN", CONSUMER)
    with LiveServer(reference_app()) as server:  # no wallet there: a route miss
        assert main(["replay", str(bundle), "--base-url", server.url]) == 1
    out = capsys.readouterr().out
    assert '-H "authorization: Bearer ${LUXXON_TOKEN}"' in out and CONSUMER not in out


@pytest.mark.parametrize(
    "content", [b"not json", b'{"version": 7}', b"[]"], ids=["not-json", "version", "list"]
)
def test_a_bad_bundle_is_a_tool_error(tmp_path: Path, content: bytes, lx: Lx) -> None:
    path = tmp_path / "bundle.json"
    path.write_bytes(content)
    assert replay(path, lx.server.url) == 2


def test_an_unreachable_server_is_a_tool_error(lx: Lx, tmp_path: Path) -> None:
    lx.ok("GET", "/wallet")
    bundle = bundle_of(lx, tmp_path)
    from tests.conftest import free_port

    assert replay(bundle, f"http://127.0.0.1:{free_port()}") == 2


def test_a_network_fault_recorded_is_a_network_fault_replayed(
    lx: Lx, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rule added before the first call travels in the start, so its fault happens again."""
    rule = {"operations": ["LxWalletController_getState"], "times": 1, "fault": "connection-reset"}
    headers = {"X-Mock-Namespace": lx.namespace}
    assert lx.http.post("/__mock/rules", json=rule, headers=headers).status_code == 200
    with pytest.raises(httpx.TransportError):
        lx.http.get("/api/v1/wallet", headers={**headers, "Authorization": f"Bearer {CONSUMER}"})
    lx.ok("GET", "/wallet")
    bundle = bundle_of(lx, tmp_path)
    assert [e["response"]["status"] for e in orjson.loads(bundle.read_bytes())["journal"]] == [
        None,
        200,
    ]
    assert replay(bundle, lx.server.url) == 0
    assert "replay: 2 sent, 0 differ" in capsys.readouterr().out
    with LiveServer(reference_app()) as server:  # answers (404: no wallet there) where it broke
        assert replay(bundle, server.url) == 1
    assert "status: recorded no answer, got 404" in capsys.readouterr().out
