"""The money routes: price quotes, wallet state and the cursor-paginated event ledger."""

from __future__ import annotations

import math

from mockserver.calls import Reply
from mockserver.errors import ApiError
from mockserver.luxxon.world import auth, money, views
from mockserver.luxxon.world.context import Ctx


def quote(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p)
    auth.require_scope(ctx, p, ws, "pricing:read")
    _query_number(ctx, "lat", -90, 90)
    _query_number(ctx, "lng", -180, 180)
    duration = _query_seconds(ctx, "durationSeconds")
    return Reply(data=views.quote(money.new_quote(ctx.store, ws.id, duration, ctx.now)))


def _query_number(ctx: Ctx, name: str, lo: float, hi: float) -> float:
    raw = ctx.call.query.get(name)
    try:
        value = float(raw) if raw is not None else math.nan
    except ValueError:
        value = math.nan
    if not lo <= value <= hi:  # NaN fails too
        raise ApiError(400, "INVALID_INPUT", detail=f"{name}: a number from {lo:g} to {hi:g}")
    return value


def _query_seconds(ctx: Ctx, name: str) -> int:
    """Whole seconds, at least one, written in digits (openapi.json's pattern); int() keeps every
    digit where float() would overflow."""
    try:
        value = int(ctx.call.query.get(name) or "")
    except ValueError:
        value = 0
    if value < 1:
        raise ApiError(
            400, "INVALID_INPUT", detail=f"{name}: a whole number of seconds, at least 1"
        )
    return value


def state(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p, ctx.call.query.get("workspaceId") or None)
    auth.require_scope(ctx, p, ws, "wallet:read")
    return Reply(data=money.wallet_state(ctx.store, ws, ctx.now))


def events(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p, ctx.call.query.get("workspaceId") or None)
    auth.require_scope(ctx, p, ws, "wallet:read")
    limit = money.page_limit(ctx.call.query.get("limit"))
    page = money.events_page(ws, ctx.call.query.get("cursor") or None, limit)
    return Reply(data=[views.event(e) for e in page])
