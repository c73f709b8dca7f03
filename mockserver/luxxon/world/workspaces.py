"""Workspaces: creation by signed challenge, reads, PATCH, the operator heartbeat, and the
public coverage and demand views computed from the world.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any

from mockserver.calls import Reply
from mockserver.errors import ApiError, invalid_input
from mockserver.luxxon.world import auth, signin, views
from mockserver.luxxon.world.context import Ctx, field, number_in, trimmed
from mockserver.luxxon.world.model import State, Workspace

SLUG_RE = re.compile(r"^[a-z0-9-]{3,40}$")
ROLES = ("CONSUMER", "SUPPLIER")
EARTH_RADIUS_M = 6_371_000.0
DEMAND_CELL_DEG = 0.045  # ~5 km
DEMAND_WINDOW_S = 30 * 86_400


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def covers(ws: Workspace, lat: float, lng: float) -> bool:
    if ws.coverage_lat is None or ws.coverage_lng is None or ws.coverage_radius is None:
        return False
    return distance_m(ws.coverage_lat, ws.coverage_lng, lat, lng) <= ws.coverage_radius


# creation ---------------------------------------------------------------------------------------
def create(ctx: Ctx) -> Reply:
    body = ctx.body()
    wallet = signin.wallet_of(body)
    slug = field(body, "slug", str)
    if not SLUG_RE.match(slug):
        raise invalid_input("body.slug:pattern", "slug: 3-40 lowercase letters, digits or '-'")
    name = _name(body, required=True)
    roles = field(body, "roles", list)
    if not roles or any(r not in ROLES for r in roles):
        raise invalid_input("body.roles:enum", "roles: one or both of CONSUMER, SUPPLIER")
    nonce = signin.verified_nonce(ctx, body, wallet, "workspace")
    if slug in ctx.store.slugs:
        raise ApiError(409, "CONFLICT", "Slug already taken", "workspace:slugTaken")
    nonce.used = True
    ws = Workspace(
        id=ctx.store.uuid(),
        slug=slug,
        name=name or slug,
        wallet_address=wallet,
        roles=tuple(r for r in ROLES if r in roles),
        chosen_availability="OFFLINE",
        created_at=ctx.now,
        created_by_wallet=wallet,
        first_frame_after=ctx.store.rules.first_frame_after,
        idle_since=ctx.now,
    )
    ctx.store.add_workspace(ws)
    ctx.store.add_member(ws, wallet, "OWNER")
    return ctx.written(views.workspace(ws), in_body=True)


def _name(body: dict[str, Any], required: bool) -> str | None:
    name = field(body, "name", str, required)
    if name is None:
        return None
    name = trimmed(name)
    if not 1 <= len(name) <= 80:
        raise invalid_input("body.name:length", "name must be 1-80 characters once trimmed")
    return str(name)


# reads ------------------------------------------------------------------------------------------
def list_mine(ctx: Ctx) -> Reply:
    """Each workspace in full (the SDK's Workspace) with the caller's role (the docs' 'with role')."""
    p = auth.wallet_session(ctx)
    roles = ctx.store.memberships.get((p.wallet or "").lower(), {})
    data = [{**views.workspace(ctx.store.workspaces[i]), "role": r} for i, r in roles.items()]
    return Reply(data=data)


def _own(ctx: Ctx, scope: str | None) -> tuple[auth.Principal, Workspace]:
    """The workspace in the path, which the caller must belong to (404 if there is none)."""
    p = auth.authenticate(ctx)
    ws = ctx.store.workspaces.get(ctx.param("id"))
    if ws is None:
        raise ApiError(404, "WORKSPACE_NOT_FOUND", detail="workspace:notFound")
    auth.acting_workspace(ctx, p, ws.id)
    if scope is not None:
        auth.require_scope(ctx, p, ws, scope)
    return p, ws


def get(ctx: Ctx) -> Reply:
    _, ws = _own(ctx, None)
    return Reply(data=views.workspace(ws))


# writes -----------------------------------------------------------------------------------------
def update(ctx: Ctx) -> Reply:
    """Keys need sessions:operate (the planned operators:/coverage:write scopes don't exist yet)."""
    _, ws = _own(ctx, "sessions:operate")
    body = ctx.body()
    name = _name(body, required=False)
    lat = number_in(body, "coverageLat", -90, 90, required=False)
    lng = number_in(body, "coverageLng", -180, 180, required=False)
    radius = number_in(body, "coverageRadiusMeters", 0, required=False)
    state = field(body, "availabilityState", str, required=False)
    device = field(body, "deviceKind", str, required=False)
    if state is not None and not ws.is_supplier:
        raise invalid_input(
            "body.availabilityState:suppliersOnly", "only a supplier sets availabilityState"
        )
    if state not in (None, "ONLINE", "OFFLINE"):
        raise invalid_input("body.availabilityState:enum", "availabilityState: ONLINE or OFFLINE")
    triple = [
        lat if lat is not None else ws.coverage_lat,
        lng if lng is not None else ws.coverage_lng,
        radius if radius is not None else ws.coverage_radius,
    ]
    if state == "ONLINE" and None in triple:
        raise invalid_input(
            "body.availabilityState:needsCoverage",
            "availabilityState ONLINE needs coverageLat, coverageLng and coverageRadiusMeters",
        )
    ws.name = name or ws.name
    ws.coverage_lat, ws.coverage_lng, ws.coverage_radius = triple
    ws.device_kind = device or ws.device_kind
    ws.chosen_availability = state or ws.chosen_availability
    return Reply(data=views.workspace(ws))


def heartbeat(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p, ctx.param("id"))
    auth.require_scope(ctx, p, ws, "sessions:operate")
    if not ws.is_supplier:
        raise ApiError(403, "NOT_AUTHORIZED", detail="workspace:notSupplier")
    body = ctx.body()
    if not body:  # the docs render no body, the SDK sends one: bodiless is a plain liveness ping
        ws.last_seen_at = ctx.now
        return Reply(data=views.workspace(ws))
    number_in(body, "lat", -90, 90)
    number_in(body, "lng", -180, 180)
    number_in(body, "accuracyMeters", 0)
    sequence = _sequence(body.get("sequence"))
    if ws.last_sequence is not None and sequence <= ws.last_sequence:
        raise ApiError(
            409,
            "CONFLICT",
            f"Heartbeat sequence must increase: {sequence} after {ws.last_sequence}",
            "heartbeat:sequenceNotIncreasing",
        )
    ws.last_sequence = sequence
    ws.last_seen_at = ctx.now
    return Reply(data=views.workspace(ws))


def _sequence(raw: Any) -> int:
    """A whole number, or its digits as a string (read with int(), which keeps every digit)."""
    if isinstance(raw, bool) or raw is None:
        raise invalid_input("body.sequence:missing", "sequence is required, a whole number")
    if isinstance(raw, str):
        try:
            return int(raw)
        except ValueError:
            raise invalid_input(
                "body.sequence:integer", "sequence must be a whole number"
            ) from None
    if not isinstance(raw, (int, float)) or not math.isfinite(raw) or not float(raw).is_integer():
        raise invalid_input("body.sequence:integer", "sequence must be a whole number")
    return int(raw)


# public views -----------------------------------------------------------------------------------
def coverage(ctx: Ctx) -> Reply:
    """Circles of suppliers that are live (ONLINE or BUSY), without their ids."""
    return Reply(
        data=[
            {
                "lat": ws.coverage_lat,
                "lng": ws.coverage_lng,
                "radiusMeters": ws.coverage_radius,
                "deviceKind": ws.device_kind,
            }
            for ws in ctx.store.workspaces.values()
            if ws.is_supplier and ws.has_coverage and ws.availability in ("ONLINE", "BUSY")
        ]
    )


def demand(ctx: Ctx) -> Reply:
    """Requests of the last 30 days by ~5 km cell; unmet = expired before ever going LIVE."""
    cells: dict[tuple[float, float], list[int]] = defaultdict(lambda: [0, 0, 0])
    since = ctx.now - DEMAND_WINDOW_S
    for s in ctx.store.sessions.values():
        if s.created_at < since:
            continue
        key = (_snap(s.lat), _snap(s.lng))
        cell = cells[key]
        cell[0] += 1
        cell[1] += s.state == State.EXPIRED and s.started_at is None
        cell[2] += s.hold
    data = [
        {"lat": lat, "lng": lng, "requests": n, "unmet": unmet, "avgMaxPriceMicroUsdc": total // n}
        for (lat, lng), (n, unmet, total) in sorted(cells.items(), key=lambda kv: -kv[1][0])
    ]
    return Reply(data=data)


def _snap(value: float) -> float:
    return round(round(value / DEMAND_CELL_DEG) * DEMAND_CELL_DEG, 4)
