"""QA's controls over a world: the video backend down or up, and a session pushed on now (its
first frame, its publisher gone and back, its expiry, its end), each through the transition the
world itself uses, so every read afterwards (state, frame, tokens, meter, settlement) agrees.

The video backend down (`PUT /__mock/video {"available": false}`, or a scenario's
`world: {video: down}`): /start and the token endpoints answer 503 VIDEO_ERROR, no session goes
LIVE (simulated suppliers do not start, a due first frame waits), and every LIVE publisher is
disconnected (frames answer 404 FRAME_NOT_AVAILABLE, the meter stops). Back up: those publishers
reconnect and the first frames that waited are decoded after the supplier's usual delay.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.errors import ApiError
from mockserver.luxxon.world import sessions, video
from mockserver.luxxon.world.model import PRE_LIVE, Session, State
from mockserver.luxxon.world.world import World

SWITCHES = {"video": ("up", "down")}
SESSION_ACTIONS = ("first-frame", "disconnect", "reconnect", "expire", "end")


def switch_error(switches: Mapping[str, Any]) -> str | None:
    """Why a scenario's `world:` cannot be (None: it can)."""
    for key, value in switches.items():
        if key not in SWITCHES:
            return f"unknown world switch {key!r}; known: {', '.join(SWITCHES)}"
        if value not in SWITCHES[key]:
            return f"world.{key} is one of {', '.join(SWITCHES[key])}, not {value!r}"
    return None


def switch(world: World, switches: Mapping[str, Any]) -> None:
    """Put the world in the state a scenario asks for; an empty mapping: the video back up."""
    set_video(world, switches.get("video", "up") == "up")


def set_video(world: World, available: bool) -> None:
    """The video backend down or up, with what that does to sessions (see the module's doc)."""
    now = world.advance()
    store = world.store
    if store.video_available == available:
        return
    store.video_available = available
    if not available:
        for s in store.sessions.values():
            if s.state == State.LIVE and s.video is not None and s.publisher_connected:
                video._apply(store, s, "live_input.disconnected", now)
                store.video_dropped.add(s.id)
        return
    dropped, store.video_dropped = store.video_dropped, set()
    for session_id in sorted(dropped):  # the publishers the outage dropped
        s = store.sessions[session_id]
        if s.state == State.LIVE and not s.publisher_connected:
            video._apply(store, s, "live_input.connected", now)
    for s in store.sessions.values():  # sessions the outage held before LIVE go on
        if s.state != State.ASSIGNED or s.operator_id is None:
            continue
        supplier = store.workspaces[s.operator_id]
        if s.video is not None and supplier.first_frame_after is not None:
            store.timeline.schedule(now + supplier.first_frame_after, "first_frame", s.id)
        elif s.video is None and s.dispatched and supplier.autopilot:  # a start the outage ate
            store.timeline.schedule(now + supplier.autopilot.start_after, "autopilot_start", s.id)


def session_action(world: World, session_id: str, action: str) -> Session:
    """One of SESSION_ACTIONS on a session, now (the world's now); 404 or 409 when it cannot be."""
    now = world.advance()
    store = world.store
    s = store.sessions.get(session_id)
    if s is None:
        raise ApiError(404, "SESSION_NOT_FOUND", detail="admin:sessionNotFound")
    if action == "first-frame":
        _needs(s, State.ASSIGNED)
        if not store.video_available:
            raise ApiError(503, "VIDEO_ERROR", detail="admin:videoDown")
        sessions.begin_media(store, s, now)  # a no-op when /start was called already
        video.go_live(store, s, now)
    elif action in ("disconnect", "reconnect"):
        _needs(s, State.LIVE)
        event = "live_input.disconnected" if action == "disconnect" else "live_input.connected"
        video._apply(store, s, event, now)
    elif action == "end":
        _needs(s, State.LIVE)
        sessions.finish(store, s, now, State.ENDED)
    elif s.state == State.LIVE:  # expire
        sessions.finish(store, s, now, State.EXPIRED)
    elif s.state in PRE_LIVE:
        sessions.drop(store, s, now, State.EXPIRED)
    else:
        _needs(s, State.LIVE)
    return s


def _needs(s: Session, state: State) -> None:
    if s.state != state:
        raise ApiError(
            409, "INVALID_STATE", detail=f"session:{s.state.value} (needs {state.value})"
        )
