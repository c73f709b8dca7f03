"""Testing a Luxxon client against the mock with the `luxxon_mock` fixture.

`pip install mockserver` (the wheel) brings the fixture; no conftest is needed. Run with
`pytest`, in parallel with `pytest -n 2` (pytest-xdist), or against a mock you already run with
`pytest --luxxon-mock-url http://127.0.0.1:4010`. Every test gets a namespace of its own on the
mock, so the two tests that end the same demo session below never see each other.
"""

from __future__ import annotations

import pytest

LIVE_SESSION = "b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a"  # the default world's LIVE demo session


def test_quickstart_producer_token(luxxon_mock):
    reply = luxxon_mock.client.get(
        f"/sessions/{LIVE_SESSION}/producer-token", headers=luxxon_mock.bearer("operator")
    )

    assert reply.status_code == 200
    assert reply.json()["data"]["videoBackendRef"] == "6a7aab6e273b40251e8ee72d7ca05719"


@pytest.mark.parametrize("run", ["first", "second"])
def test_ending_the_live_session_is_seen_by_this_test_only(luxxon_mock, run):
    operator = luxxon_mock.bearer("operator")
    session = f"/sessions/{LIVE_SESSION}"
    assert luxxon_mock.client.get(session, headers=operator).json()["data"]["state"] == "LIVE"

    ended = luxxon_mock.client.post(f"{session}/end", headers=operator)

    assert ended.status_code == 200
    assert luxxon_mock.client.get(session, headers=operator).json()["data"]["state"] == "ENDED"


def test_a_scenario_applies_to_this_test_only(luxxon_mock):
    luxxon_mock.scenario("video-outage")

    reply = luxxon_mock.client.get(
        f"/sessions/{LIVE_SESSION}/producer-token", headers=luxxon_mock.bearer("operator")
    )

    assert (reply.status_code, reply.json()["code"]) == (503, "VIDEO_ERROR")


def test_the_clock_moves_without_sleeping(luxxon_mock):
    luxxon_mock.advance(9 * 3600)  # past the LIVE session's eight hours

    reply = luxxon_mock.client.get(
        f"/sessions/{LIVE_SESSION}", headers=luxxon_mock.bearer("consumer")
    )

    assert reply.json()["data"]["state"] != "LIVE"


def test_a_revoked_key_is_refused(luxxon_mock):
    reply = luxxon_mock.client.get(
        f"/sessions/{LIVE_SESSION}", headers=luxxon_mock.bearer("revoked")
    )

    assert (reply.status_code, reply.json()["code"]) == (401, "REVOKED_API_KEY")


def test_one_error_on_the_next_call_and_what_the_app_sent(luxxon_mock):
    luxxon_mock.rule(
        operations=["LxSessionsController_frame"],
        times=1,
        respond={"status": 404, "example": "FRAME_NOT_AVAILABLE"},
    )
    frame = f"/sessions/{LIVE_SESSION}/frame"

    first = luxxon_mock.client.get(frame, headers=luxxon_mock.bearer("consumer"))
    second = luxxon_mock.client.get(frame, headers=luxxon_mock.bearer("consumer"))

    assert (first.status_code, second.status_code) == (404, 200)
    assert luxxon_mock.count(operation="LxSessionsController_frame") == 2
