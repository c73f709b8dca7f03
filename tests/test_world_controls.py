"""World controls: a scenario that switches the world's state (video-outage takes the video
backend down, so everything agrees), QA's session controls, and reset for every namespace."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.errors import ConfigError
from mockserver.settings import Settings
from tests.world_client import (
    LIVE,
    OPERATOR,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)


def admin(lx: Lx, method: str, path: str, body: Any = None, namespace: str = "") -> Any:
    headers = {"X-Mock-Namespace": namespace or lx.namespace}
    response = lx.http.request(method, "/__mock" + path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def refused(lx: Lx, method: str, path: str, body: Any) -> httpx.Response:
    headers = {"X-Mock-Namespace": lx.namespace}
    return lx.http.request(method, "/__mock" + path, json=body, headers=headers)


def control(lx: Lx, session_id: str, action: str) -> dict[str, Any]:
    result: dict[str, Any] = admin(
        lx, "POST", "/session", {"sessionId": session_id, "action": action}
    )
    return result


# -- video-outage: the world's backend down, consistently -------------------------------------
def test_video_outage_keeps_sessions_from_going_live_until_it_ends(lx: Lx) -> None:
    admin(lx, "PUT", "/scenario", {"name": "video-outage"})
    session = lx.create()
    lx.ok("POST", f"/sessions/{session['id']}/dispatch")
    lx.advance(120)  # the simulated supplier would have started long ago
    assert lx.session(session["id"])["state"] == "ASSIGNED"
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{session['id']}/frame")
    admin(lx, "PUT", "/scenario", {"name": None})
    lx.advance(10)
    assert lx.session(session["id"])["state"] == "LIVE"


def test_video_outage_drops_live_publishers_and_brings_them_back(lx: Lx) -> None:
    assert lx.call("GET", f"/sessions/{LIVE}/frame").status_code == 200
    admin(lx, "PUT", "/scenario", {"name": "video-outage"})
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{LIVE}/frame")
    lx.fails(503, "VIDEO_ERROR", "GET", f"/sessions/{LIVE}/producer-token", OPERATOR)
    assert lx.world.store.sessions[LIVE].publisher_connected is False
    admin(lx, "PUT", "/scenario", {"name": None})
    assert lx.call("GET", f"/sessions/{LIVE}/frame").status_code == 200
    assert lx.ok("GET", f"/sessions/{LIVE}/producer-token", OPERATOR)["whipUrl"]


def test_a_scenario_named_on_one_request_switches_the_world_for_that_request(lx: Lx) -> None:
    outage = {"X-Mock-Scenario": "video-outage"}
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{LIVE}/frame", headers=outage)
    assert lx.call("GET", f"/sessions/{LIVE}/frame").status_code == 200


def test_the_video_switch_does_the_same_as_the_scenario(lx: Lx) -> None:
    session = lx.accepted()
    lx.ok("POST", f"/sessions/{session['id']}/start", OPERATOR)
    admin(lx, "PUT", "/video", {"available": False})
    lx.advance(60)  # the first frame was due after 3 s
    assert lx.session(session["id"])["state"] == "ASSIGNED"
    admin(lx, "PUT", "/video", {"available": True})
    lx.advance(10)
    assert lx.session(session["id"])["state"] == "LIVE"


def test_an_unknown_world_switch_stops_start_up(tmp_path: Any) -> None:
    (tmp_path / "odd.yaml").write_text(
        "name: odd\nworld: {video: sideways}\nrules:\n"
        "  - operations: [LxSessionsController_frame]\n    latency: {fixedMs: 1}\n"
    )
    with pytest.raises(ConfigError, match=r"world: world\.video is one of up, down"):
        create_app(Settings(scenarios_dir=tmp_path, world=None))


# -- session controls -------------------------------------------------------------------------
def test_first_frame_disconnect_reconnect_and_end_now(lx: Lx) -> None:
    session = lx.accepted()
    assert control(lx, session["id"], "first-frame")["state"] == "LIVE"
    assert lx.call("GET", f"/sessions/{session['id']}/frame").status_code == 200
    assert control(lx, session["id"], "disconnect")["publisherConnected"] is False
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{session['id']}/frame")
    lx.advance(30)  # not metered: the publisher is gone
    assert control(lx, session["id"], "reconnect")["publisherConnected"] is True
    lx.advance(20)
    assert control(lx, session["id"], "end")["state"] == "ENDED"
    ended = lx.session(session["id"])
    assert ended["state"] == "ENDED" and ended["cleanSeconds"] == 20


def test_expire_now_before_and_after_live(lx: Lx) -> None:
    waiting = lx.create()
    assert control(lx, waiting["id"], "expire")["state"] == "EXPIRED"
    assert lx.session(waiting["id"])["state"] == "EXPIRED"
    assert control(lx, LIVE, "expire")["state"] == "EXPIRED"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"sessionId": "nope", "action": "end"}, 404, "SESSION_NOT_FOUND"),
        ({"sessionId": LIVE, "action": "first-frame"}, 409, "INVALID_STATE"),
        ({"sessionId": LIVE, "action": "explode"}, 422, "MOCK_BAD_ADMIN_REQUEST"),
        ({"sessionId": LIVE, "action": "end", "force": True}, 422, "MOCK_BAD_ADMIN_REQUEST"),
    ],
)
def test_session_controls_refuse_what_cannot_be(
    lx: Lx, body: dict[str, Any], status: int, code: str
) -> None:
    response = refused(lx, "POST", "/session", body)
    assert (response.status_code, response.json()["code"]) == (status, code)


# -- reset ------------------------------------------------------------------------------------
def test_reset_for_everyone_resets_every_namespace(lx: Lx) -> None:
    other = Lx(lx.server, lx.namespace + "-b")
    try:
        mine, theirs = lx.create()["id"], other.create()["id"]
        rule = {"operations": ["LxSessionsController_frame"], "latency": {"fixedMs": 1}}
        admin(lx, "POST", "/rules", rule)
        done = admin(lx, "POST", "/reset", {"namespace": "*"})
        assert done["namespace"] == "*" and done["rulesDeleted"] >= 1
        assert done["journalEntriesDeleted"] >= 2
        lx.fails(404, "SESSION_NOT_FOUND", "GET", f"/sessions/{mine}")
        other.fails(404, "SESSION_NOT_FOUND", "GET", f"/sessions/{theirs}")
        assert admin(lx, "GET", "/rules")["rules"] == []
    finally:
        other.close()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/reset", {"namespace": "*", "everything": True}),
        ("POST", "/reset", {"namespaces": "*"}),
        ("PUT", "/scenario", {"name": None, "scope": "all"}),
        ("PUT", "/video", {"available": True, "region": "eu"}),
        ("PUT", "/autopilot", {"workspaceId": "x", "on": True, "delay": 1}),
        ("DELETE", "/rules", {"all": True}),
    ],
)
def test_an_unknown_field_in_an_admin_body_is_refused(
    lx: Lx, method: str, path: str, body: Any
) -> None:
    response = refused(lx, method, path, body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "MOCK_BAD_ADMIN_REQUEST"
    assert "unknown field" in response.json()["message"]
