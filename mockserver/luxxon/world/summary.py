"""One namespace's world as the console shows it (`GET /__mock/world`): sessions by state,
workspaces, the consumers' pools, settlements and quotes, with the buttons that change them.

The shape is the core's (`Flavor.world_summary`): facts and tables of plain words, so the console
renders any flavor's world without knowing Luxxon. Times are the world's (its clock), amounts are
µUSDC as the API counts them. Reading applies the timed transitions that are due, exactly as any
API call would, so what the console shows is what the next call sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mockserver.clock import iso
from mockserver.luxxon.world.model import OPEN, Session, SettleState, State
from mockserver.luxxon.world.world import World

MAX_ROWS = 50  # newest first; the rest is counted in "more"
# The session controls (`POST /__mock/session`, world/controls.py) a session's row offers.
SESSION_CONTROLS: tuple[tuple[str, str, Callable[[Session], bool]], ...] = (
    ("First frame now", "first-frame", lambda s: s.state == State.ASSIGNED),
    ("Disconnect", "disconnect", lambda s: s.state == State.LIVE and s.publisher_connected),
    ("Reconnect", "reconnect", lambda s: s.state == State.LIVE and not s.publisher_connected),
    ("Expire now", "expire", lambda s: s.state in OPEN),
    ("End now", "end", lambda s: s.state == State.LIVE),
)


def summary(world: World) -> dict[str, Any]:
    now = world.advance()
    store = world.store
    return {
        "facts": [
            {
                "label": "Video backend",
                "value": "up" if store.video_available else "down",
                "actions": [_video(not store.video_available)],
            },
            {"label": "Revision", "value": str(store.revision)},
            {"label": "Timed steps waiting", "value": str(len(store.timeline))},
        ],
        "tables": [
            _sessions(world, now),
            _workspaces(world),
            _pools(world),
            _settlements(world),
            _quotes(world, now),
        ],
    }


def _sessions(world: World, now: float) -> dict[str, Any]:
    store = world.store
    counts = {state.value: 0 for state in State if state != State.PAUSED}
    for s in store.sessions.values():
        counts[s.state.value] = counts.get(s.state.value, 0) + 1
    newest = list(reversed(store.sessions.values()))
    rows = [
        {
            "cells": [
                s.id,
                s.state.value,
                _slug(world, s.consumer_id),
                _slug(world, s.operator_id),
                _when(s.started_at),
                str(s.metered(now) * s.rate if s.state == State.LIVE else s.charged),
            ],
            "actions": [
                {
                    "label": label,
                    "method": "POST",
                    "path": "/session",
                    "body": {"sessionId": s.id, "action": action},
                }
                for label, action, fits in SESSION_CONTROLS
                if fits(s)
            ],
        }
        for s in newest[:MAX_ROWS]
    ]
    return {
        "title": "Sessions",
        "counts": counts,
        "columns": ["Session", "State", "Consumer", "Operator", "Started", "Charged µUSDC"],
        "rows": rows,
        "more": max(0, len(newest) - MAX_ROWS),
    }


def _workspaces(world: World) -> dict[str, Any]:
    rows = []
    for ws in world.store.workspaces.values():
        actions = []
        if ws.is_supplier:
            on = ws.autopilot is not None
            actions.append(
                {
                    "label": "Autopilot off" if on else "Autopilot on",
                    "method": "PUT",
                    "path": "/autopilot",
                    "body": {"workspaceId": ws.id, "on": not on},
                }
            )
        cells = [ws.slug, ws.name, " ".join(ws.roles), ws.availability, str(len(ws.active))]
        cells.append(("on" if ws.autopilot else "off") if ws.is_supplier else "")
        rows.append({"cells": cells, "actions": actions})
    columns = ["Workspace", "Name", "Roles", "Availability", "Active sessions", "Autopilot"]
    return {"title": "Workspaces", "columns": columns, "rows": rows}


def _pools(world: World) -> dict[str, Any]:
    consumers = [ws for ws in world.store.workspaces.values() if ws.is_consumer]
    return {
        "title": "Pool",
        "columns": ["Workspace", "Balance µUSDC", "Held µUSDC", "Pending µUSDC", "Available µUSDC"],
        "rows": [
            {"cells": [ws.slug, *map(str, (ws.balance, ws.held, ws.pending, ws.available_credit))]}
            for ws in consumers
        ],
    }


def _settlements(world: World) -> dict[str, Any]:
    settled = [
        s
        for s in reversed(world.store.sessions.values())
        if s.settlement is not None and s.settlement.state != SettleState.NOT_READY
    ]
    counts: dict[str, int] = {}
    for s in settled:
        assert s.settlement is not None
        counts[s.settlement.state.value] = counts.get(s.settlement.state.value, 0) + 1
    rows = []
    for s in settled[:MAX_ROWS]:
        st = s.settlement
        assert st is not None
        cells = [s.id, st.state.value, str(st.to_amount), str(st.fee_amount)]
        rows.append({"cells": [*cells, st.tx_hash or "", _when(st.confirmed_at)]})
    return {
        "title": "Settlements",
        "counts": counts,
        "columns": ["Session", "State", "To operator µUSDC", "Fee µUSDC", "Tx", "Confirmed"],
        "rows": rows,
        "more": max(0, len(settled) - MAX_ROWS),
    }


def _quotes(world: World, now: float) -> dict[str, Any]:
    quotes = list(reversed(world.store.quotes.values()))
    counts = {"live": 0, "expired": 0, "used": 0}
    rows = []
    for i, q in enumerate(quotes):
        status = "used" if q.used else "expired" if now > q.expires_at else "live"
        counts[status] += 1
        if i < MAX_ROWS:
            cells = [q.id, _slug(world, q.workspace_id), str(q.rate), str(q.duration)]
            rows.append({"cells": [*cells, iso(q.expires_at), status]})
    return {
        "title": "Quotes",
        "counts": counts,
        "columns": ["Quote", "Workspace", "Rate µUSDC/s", "Seconds", "Expires", "Status"],
        "rows": rows,
        "more": max(0, len(quotes) - MAX_ROWS),
    }


def _video(available: bool) -> dict[str, Any]:
    label = "Bring video up" if available else "Take video down"
    return {"label": label, "method": "PUT", "path": "/video", "body": {"available": available}}


def _slug(world: World, workspace_id: str | None) -> str:
    ws = world.store.workspaces.get(workspace_id or "")
    return ws.slug if ws is not None else ""


def _when(ts: float | None) -> str:
    return iso(ts) if ts is not None else ""
