"""Simulated suppliers: for a session dispatched to them they acknowledge it, start it, and their
publisher brings the first frame, each after the fixture's delays, so a lone consumer reaches
LIVE. Sessions an operator accepts by hand, and suppliers without an autopilot, are left to the
developer playing the operator through the API.
"""

from __future__ import annotations

from mockserver.luxxon.world.model import Autopilot, Session, State
from mockserver.luxxon.world.sessions import begin_media
from mockserver.luxxon.world.store import Store


def _pilot(store: Store, s: Session) -> Autopilot | None:
    if s.state != State.ASSIGNED or not s.dispatched or s.operator_id is None:
        return None
    return store.workspaces[s.operator_id].autopilot


def acknowledge(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    pilot = _pilot(store, s)
    if pilot is not None:
        store.timeline.schedule(at + pilot.start_after, "autopilot_start", s.id)


def start(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    if _pilot(store, s) is not None and store.video_available and not s.video_errored:
        begin_media(store, s, at)  # a no-op when the developer already called /start
