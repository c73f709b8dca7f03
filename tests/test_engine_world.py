"""How the engine's choices sit on top of the stateful world."""

from __future__ import annotations

from tests.world_client import ASSIGNED, CONSUMER, LIVE, OPERATOR, Lx, lx_fixture

__all__ = ["lx_fixture"]


def test_prefer_wins_over_the_world(lx: Lx) -> None:
    response = lx.call("GET", f"/sessions/{LIVE}", CONSUMER, headers={"Prefer": "code=404"})
    assert (response.status_code, response.json()["code"]) == (404, "SESSION_NOT_FOUND")
    assert lx.session(LIVE)["state"] == "LIVE"


def test_scenario_wins_over_the_world(lx: Lx) -> None:
    response = lx.call(
        "GET",
        f"/sessions/{LIVE}/producer-token",
        OPERATOR,
        headers={"X-Mock-Scenario": "video-outage"},
    )
    assert (response.status_code, response.json()["code"]) == (503, "VIDEO_ERROR")


def test_a_forced_error_changes_nothing_in_the_world(lx: Lx) -> None:
    lx.call("DELETE", f"/sessions/{ASSIGNED}", CONSUMER, headers={"Prefer": "code=409"})
    assert lx.session(ASSIGNED)["state"] == "ASSIGNED"


def test_an_optional_body_may_be_left_out(lx: Lx) -> None:
    session = lx.create()
    response = lx.call("POST", f"/sessions/{session['id']}/accept", OPERATOR)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["state"] == "ASSIGNED"


def test_demand_answers_in_the_success_envelope(lx: Lx) -> None:
    response = lx.call("GET", "/demand", None)
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"statusCode", "message", "data", "timestamp"}
    assert isinstance(body["data"], list)


def test_quickstart_answers_are_the_documented_ones_with_the_default_world(lx: Lx) -> None:
    """README's quickstart: producer-token for the demo LIVE session, as `make serve` runs it."""
    path = f"/sessions/{LIVE}/producer-token"
    token = lx.call("GET", path, OPERATOR)
    assert token.status_code == 200
    assert token.json()["data"] == {
        "videoBackendRef": "6a7aab6e273b40251e8ee72d7ca05719",
        "whipUrl": "https://customer-CODE.cloudflarestream.com/UID/webRTC",
    }
    conflict = lx.call("GET", path, OPERATOR, headers={"Prefer": "code=409"})
    assert (conflict.status_code, conflict.json()["code"]) == (409, "INVALID_STATE")
    anonymous = lx.call("GET", path, None)
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "NOT_AUTHENTICATED")
