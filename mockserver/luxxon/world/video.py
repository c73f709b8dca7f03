"""The simulated video backend (Cloudflare Stream): live inputs with WHIP/WHEP URLs, the first
decoded frame, the frame itself, and the webhook that opens and closes disconnect windows.
"""

from __future__ import annotations

import base64
import hmac
from typing import Any

from mockserver.calls import Reply
from mockserver.errors import ApiError
from mockserver.luxxon.world.context import Ctx
from mockserver.luxxon.world.model import Session, State, Video
from mockserver.luxxon.world.store import Store

# A 160x120 baseline JPEG (sky, sun, field, road), the "latest decoded frame" of every feed.
FRAME_JPEG = base64.b64decode(
    "".join(
        (
            "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI",
            "CAgICAgICAgICAgICAgICAgICAgICAj/wAARCAB4AKADAREAAhEAAxEA/8QAMQAAAAAMAAAAAAAAAAAAAAAAAAEC",
            "AwQFBgcICQoLEAEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIAAwAAPwBONqZoAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAD42KAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAANwh8PDMOiDO8AAAAAAABIGhQAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAAANgcCeCAAAAAY8/474AAAAAfGxQAAAAAAAAAAAAAAAAAAAAAAAAAAAAABqThTfg",
            "AAAAAAAAAGWP6MAAAB8bFAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA0RxJvQAAAADOn7GCAAAAAHxsUAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAXZxpuykPyMIAAAAAAACQNhgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAfGxQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAOpMYTQAAAAAAAAAAAAAAAAAV5eksA",
            "AAAAAAFgUREAAAAAAAAAAAAAAAAAAACwAAAAAAAAAAAAAAAAAV5ekgAAAAAAAFgURHAAAAAAAAAAAAAAAAAAACwA",
            "AAAAAAAAAAAAAAAAV5ejoAAAAAAALAohoAAAAAAAAAAAAAAAAAAALAAAAAAAAAAAAAAAAABXl6KAAAAAAABYFEJA",
            "AAAAAAAAAAAAAAAAAACwAAAAAAAAAAAAAAAAAV5ehAAAAAAAAsCiDAAAAAAAAAAAAAAAAAAACgAAAAAAAAAAAAAA",
            "AAAV5eiAAAAAAAAWBRCwAAAAAAAAAAAAAAAAAAAsAAAAAAAAAAAAAAAAAFeXoyAAAAAAACwKIeAAAAAAAAAAAAAA",
            "AAAD/9k=",
        )
    )
)


def open_input(store: Store, s: Session, now: float, given: dict[str, str] | None = None) -> Video:
    """A Cloudflare live input for the session: the operator publishes (WHIP), viewers play.
    A fixture may name it (the demo LIVE session uses the spec's own example values)."""
    if given is not None:
        video = Video(given["ref"], given["whipUrl"], given["whepUrl"], now)
        store.inputs[video.ref] = s.id
        return video
    uid, secret = store.hex(16), store.hex(16)
    base = f"https://customer-{store.rules.customer_code}.cloudflarestream.com"
    video = Video(uid, f"{base}/{secret}k{uid}/webRTC/publish", f"{base}/{uid}/webRTC/play", now)
    store.inputs[uid] = s.id
    return video


def ensure_up(store: Store, s: Session) -> None:
    if not store.video_available or s.video_errored:
        raise ApiError(503, "VIDEO_ERROR", detail="video:liveInputErrored")


def go_live(store: Store, s: Session, at: float) -> None:
    """The first decoded frame: LIVE, `startedAt` stamped, the meter and its deadline start."""
    s.state = State.LIVE
    s.started_at = at
    s.publisher_connected = True
    store.timeline.schedule(at + s.max_duration, "max_duration", s.id)


def first_frame(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    ok = store.video_available and not s.video_errored  # an outage holds it (controls.py)
    if s.state == State.ASSIGNED and s.video is not None and ok:
        go_live(store, s, at)


def ingest(ctx: Ctx) -> Reply:
    """POST /video/events/{token}: both the path token and `cf-webhook-auth` must match."""
    rules = ctx.store.rules
    token_ok = _same(ctx.param("token"), rules.webhook_token)
    secret_ok = _same(ctx.call.headers.get("cf-webhook-auth", ""), rules.webhook_secret)
    if not (token_ok and secret_ok):
        raise ApiError(401, "NOT_AUTHENTICATED", detail="webhook:auth")
    body = ctx.body()
    inner = body.get("data")
    data: dict[str, Any] = inner if isinstance(inner, dict) else body
    session_id = ctx.store.inputs.get(str(data.get("input_id", "")))
    if session_id is not None:
        _apply(ctx.store, ctx.store.sessions[session_id], str(data.get("event_type", "")), ctx.now)
    return Reply(raw=b"", content_type="")  # Cloudflare only needs the 200; unknown inputs too


def _same(given: str, expected: str) -> bool:
    """A constant-time comparison; as bytes, because compare_digest refuses non-ASCII text."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def _apply(store: Store, s: Session, event: str, now: float) -> None:
    if event == "live_input.connected":
        s.video_errored = False
        if s.state == State.LIVE and not s.publisher_connected:
            s.close_window(now)
            s.publisher_connected = True
        elif s.state == State.ASSIGNED and s.video is not None:
            go_live(store, s, now)  # the publisher is up: the first frame is decoded now
    elif event in ("live_input.disconnected", "live_input.errored"):
        s.video_errored = s.video_errored or event.endswith("errored")
        if s.state == State.LIVE and s.publisher_connected:
            s.open_window(now)
            s.publisher_connected = False
