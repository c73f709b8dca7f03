"""The money routes: price quotes, wallet state and the cursor-paginated event ledger."""

from __future__ import annotations

import math
import sys
from decimal import Decimal, InvalidOperation

from mockserver.calls import Reply
from mockserver.errors import ApiError
from mockserver.luxxon.world import auth, money, views
from mockserver.luxxon.world.context import Ctx


def quote(ctx: Ctx) -> Reply:
    """Any workspace named in the query must be the caller's, as on /sessions and /wallet."""
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p, ctx.call.query.get("workspaceId") or None)
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
        raise ApiError(
            400,
            "INVALID_INPUT",
            f"{name} must be a number from {lo:g} to {hi:g}",
            f"query.{name}:range",
        )
    return value


# The largest number a JavaScript client can send (String(n) of Number.MAX_VALUE); beyond it the
# API's own parse gives Infinity, and the total would run to thousands of digits.
_LARGEST_NUMBER = Decimal(sys.float_info.max)


def _query_seconds(ctx: Ctx, name: str) -> Decimal:
    """Seconds, at least one, as JavaScript writes a number (`30.5`, `1e+21`): read as a Decimal,
    which keeps every digit where float() would round."""
    try:
        value = Decimal(ctx.call.query.get(name) or "")
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value < 1 or value > _LARGEST_NUMBER:
        raise ApiError(
            400,
            "INVALID_INPUT",
            f"{name} must be a number of seconds, at least 1",
            f"query.{name}:range",
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
