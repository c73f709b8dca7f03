"""The simulated video backend: a real JPEG frame, and Cloudflare webhooks that open and close
disconnect windows, which the frame endpoint and the meter respect."""

from __future__ import annotations

from typing import Any

from tests.world_client import (
    LIVE,
    OPERATOR,
    OPERATOR_WS,
    WEBHOOK,
    WEBHOOK_AUTH,
    Lx,
    jpeg_markers,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)


def event(lx: Lx, session: dict[str, Any], kind: str, **kwargs: Any) -> int:
    body = {
        "name": "Stream Live",
        "data": {
            "notification_name": "Stream Live Input",
            "input_id": session["videoBackendRef"],
            "event_type": f"live_input.{kind}",
        },
    }
    headers = kwargs.pop("headers", WEBHOOK_AUTH)
    response = lx.call("POST", kwargs.pop("path", WEBHOOK), None, json=body, headers=headers)
    assert response.content == b""
    return response.status_code


def test_frame_is_a_valid_baseline_jpeg(lx: Lx) -> None:
    response = lx.call("GET", f"/sessions/{LIVE}/frame")
    assert response.headers["content-type"] == "image/jpeg"
    markers = jpeg_markers(response.content)
    assert 0xC0 in markers and 0xDA in markers  # baseline SOF0 and SOS
    assert {0xC4, 0xDB} <= set(markers)  # Huffman and quantisation tables


def test_webhook_needs_the_path_token_and_the_header(lx: Lx) -> None:
    live = lx.session(LIVE)
    assert event(lx, live, "connected") == 200
    lx.fails(
        401,
        "NOT_AUTHENTICATED",
        "POST",
        WEBHOOK,
        None,
        json={},
        headers={"cf-webhook-auth": "wrong"},
    )
    lx.fails(
        401,
        "NOT_AUTHENTICATED",
        "POST",
        "/video/events/wrong-token",
        None,
        json={},
        headers=WEBHOOK_AUTH,
    )


def test_webhook_credentials_outside_ascii_are_not_authenticated(lx: Lx) -> None:
    for path, secret in (
        ("/video/events/t\u00f4ken", WEBHOOK_AUTH),
        (WEBHOOK, {"cf-webhook-auth": b"s\xe9"}),
    ):
        lx.fails(401, "NOT_AUTHENTICATED", "POST", path, None, json={}, headers=secret)


def test_a_disconnect_window_hides_the_frame_and_is_not_charged(lx: Lx) -> None:
    live = lx.live_session()
    lx.advance(10)
    event(lx, live, "disconnected")
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{live['id']}/frame")
    lx.advance(15)
    assert lx.session(live["id"])["cleanSeconds"] == 10  # the meter stops while disconnected
    event(lx, live, "connected")
    assert lx.call("GET", f"/sessions/{live['id']}/frame").status_code == 200
    lx.advance(5)
    ended = lx.ok("POST", f"/sessions/{live['id']}/end")
    assert (ended["cleanSeconds"], ended["chargedMicroUsdc"]) == (15, "15000")


def test_a_window_still_open_at_end_is_closed_by_the_end(lx: Lx) -> None:
    live = lx.live_session()
    lx.advance(8)
    event(lx, live, "disconnected")
    lx.advance(30)
    assert lx.ok("POST", f"/sessions/{live['id']}/end")["cleanSeconds"] == 8


def test_an_errored_input_is_video_error_until_it_reconnects(lx: Lx) -> None:
    live = lx.session(LIVE)
    event(lx, live, "errored")
    lx.fails(503, "VIDEO_ERROR", "GET", f"/sessions/{LIVE}/viewer-token")
    lx.fails(503, "VIDEO_ERROR", "GET", f"/sessions/{LIVE}/producer-token", OPERATOR)
    lx.fails(404, "FRAME_NOT_AVAILABLE", "GET", f"/sessions/{LIVE}/frame")
    event(lx, live, "connected")
    assert lx.ok("GET", f"/sessions/{LIVE}/viewer-token")["whepUrl"] == live["whepUrl"]


def test_connected_event_brings_the_first_frame_of_a_started_session_at_once(lx: Lx) -> None:
    lx.world.store.workspaces[OPERATOR_WS].first_frame_after = None  # media only via webhook
    session = lx.accepted()
    started = lx.ok("POST", f"/sessions/{session['id']}/start", OPERATOR)
    lx.advance(60)
    assert lx.session(session["id"])["state"] == "ASSIGNED"
    event(lx, started["session"], "connected")
    live = lx.session(session["id"])
    assert live["state"] == "LIVE" and live["cleanSeconds"] == 0


def test_video_backend_down_fails_start_with_video_error(lx: Lx) -> None:
    lx.world.set_video_available(False)
    session = lx.accepted()
    lx.fails(503, "VIDEO_ERROR", "POST", f"/sessions/{session['id']}/start", OPERATOR)


def test_unknown_inputs_are_acknowledged_and_ignored(lx: Lx) -> None:
    assert event(lx, {"videoBackendRef": "f" * 32}, "disconnected") == 200
    assert lx.call("GET", f"/sessions/{LIVE}/frame").status_code == 200
