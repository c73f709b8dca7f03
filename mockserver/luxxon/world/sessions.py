"""The session state machine (docs.luxxon.dev/concepts/sessions is the authority):

    REQUESTED ─dispatch/accept→ ASSIGNED ─/start … first frame→ LIVE ─end→ ENDED (settled)
        └──────── DELETE / cancel-all ────────┘→ CANCELLED            └ maxDuration → EXPIRED (settled)
        └──────── createdAt + waitTimeoutSeconds, never LIVE → EXPIRED (no charge)

Each transition checks the current state and sets the next one in the same synchronous step,
so concurrent callers are serialised: exactly one of N racing accepts wins, the rest get 409.
Checks run in one order: credential (401), the session (404), the caller's side (403), scope
(403), state (409), then the rule of the step.
"""

from __future__ import annotations

from typing import Any

from mockserver.calls import Reply
from mockserver.errors import ApiError
from mockserver.luxxon.world import auth, money, paging, video, views
from mockserver.luxxon.world.context import Ctx, field, number_in, whole
from mockserver.luxxon.world.model import PRE_LIVE, Session, State, Video, Workspace
from mockserver.luxxon.world.store import Store
from mockserver.luxxon.world.workspaces import covers

CONSUMER, OPERATOR = "consumer", "operator"


def _wrong_state(s: Session, allowed: str) -> ApiError:
    message = (
        f"Operation not allowed in the current state: {s.state.value}; this step needs {allowed}"
    )
    return ApiError(409, "INVALID_STATE", message, f"session:{s.state.value.lower()}")


def _lookup(ctx: Ctx, param: str = "id") -> Session:
    s = ctx.store.sessions.get(ctx.param(param))
    if s is None:
        raise ApiError(404, "SESSION_NOT_FOUND", detail="session:notFound")
    return s


def _side(s: Session, ws: Workspace) -> str | None:
    if ws.id == s.consumer_id:
        return CONSUMER
    return OPERATOR if ws.id == s.operator_id else None


def _party(ctx: Ctx, param: str = "id") -> tuple[auth.Principal, Workspace, Session, str]:
    """The caller, its workspace, the session, and which side of it the caller is on."""
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p)
    s = _lookup(ctx, param)
    side = _side(s, ws)
    if side is None:
        raise ApiError(403, "NOT_YOUR_SESSION", detail="session:notYours")
    return p, ws, s, side


def _view(ctx: Ctx, s: Session, side: str | None) -> dict[str, Any]:
    return views.session(s, ctx.now, operator_view=side == OPERATOR)


# create and read --------------------------------------------------------------------------------
def create(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    body = ctx.body()
    ws = auth.acting_workspace(ctx, p, field(body, "workspaceId", str, required=False))
    if not ws.is_consumer:
        raise ApiError(403, "NOT_AUTHORIZED", detail="workspace:notConsumer")
    auth.require_scope(ctx, p, ws, "sessions:create")
    lat = number_in(body, "lat", -90, 90)
    lng = number_in(body, "lng", -180, 180)
    max_duration = whole(body, "maxDurationSeconds", 1)
    wait = whole(body, "waitTimeoutSeconds", 5, 3600, default=300)
    quote_id = field(body, "quoteId", str, required=False)
    quote = money.usable_quote(ctx.store, ws.id, quote_id, ctx.now) if quote_id else None
    rate = quote.rate if quote else ctx.store.rules.base_rate
    money.ensure_credit(ws, rate * max_duration)
    if quote is not None:
        quote.used = True
    assert lat is not None and lng is not None
    s = Session(
        ctx.store.uuid(), ws.id, State.REQUESTED, lat, lng, max_duration, wait, rate, ctx.now
    )
    ctx.store.add_session(s)
    money.hold(ctx.store, s)
    ctx.store.timeline.schedule(s.created_at + wait, "wait_timeout", s.id)
    return ctx.written(_view(ctx, s, CONSUMER), in_body=True)


def list_visible(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p, ctx.call.query.get("workspaceId") or None)
    auth.require_scope(ctx, p, ws, "sessions:read")
    ids, more = paging.newest_first(ws.sessions, ctx.call.query)
    sessions = ctx.store.sessions
    data = [_view(ctx, sessions[sid], _side(sessions[sid], ws)) for sid in ids]
    return Reply(data=data, headers=more)


def get(ctx: Ctx) -> Reply:
    p, ws, s, side = _party(ctx)
    auth.require_scope(ctx, p, ws, "sessions:read")
    return Reply(data=_view(ctx, s, side))


# matching ---------------------------------------------------------------------------------------
def _consumers(ctx: Ctx) -> Session:
    """The session, for a step only its consumer may take (dispatch, cancel)."""
    p, ws, s, side = _party(ctx)
    if side != CONSUMER:
        raise ApiError(403, "NOT_AUTHORIZED", detail="session:consumerOnly")
    auth.require_scope(ctx, p, ws, "sessions:create")
    return s


def dispatch(ctx: Ctx) -> Reply:
    s = _consumers(ctx)
    if s.state != State.REQUESTED:
        raise _wrong_state(s, "REQUESTED")
    assign(ctx.store, s, _pick_supplier(ctx.store, s), ctx.now, dispatched=True)
    return ctx.written(_view(ctx, s, CONSUMER))


def _pick_supplier(store: Store, s: Session) -> Workspace:
    """The longest-idle ONLINE supplier whose coverage circle contains the requested point."""
    covering = [
        ws
        for ws in store.workspaces.values()
        if ws.is_supplier
        and ws.id != s.consumer_id
        and ws.chosen_availability == "ONLINE"
        and covers(ws, s.lat, s.lng)
    ]
    if not covering:
        raise ApiError(
            503, "NO_COVERAGE", f"No ONLINE operator covers {s.lat},{s.lng}", "dispatch:noCoverage"
        )
    idle = [ws for ws in covering if not ws.busy]
    if not idle:
        raise ApiError(
            503, "UNAVAILABLE", "Dispatch found no idle operator; retry shortly", "dispatch:allBusy"
        )
    return min(idle, key=lambda ws: (len(ws.active), ws.idle_since, ws.id))


def accept(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    requested = field(ctx.body(), "operatorWorkspaceId", str, required=False)
    ws = auth.acting_workspace(ctx, p, requested)
    s = _lookup(ctx)
    if not ws.is_supplier:
        raise ApiError(403, "NOT_OPERATOR", detail="workspace:notSupplier")
    auth.require_scope(ctx, p, ws, "sessions:operate")
    if s.consumer_id == ws.id:
        raise ApiError(403, "NOT_AUTHORIZED", detail="session:ownRequest")
    if s.state != State.REQUESTED:
        raise _wrong_state(s, "REQUESTED")
    if ws.busy:
        raise ApiError(409, "INVALID_STATE", detail="operator:busy")
    if not covers(ws, s.lat, s.lng):
        raise ApiError(400, "OUTSIDE_COVERAGE", detail="accept:outsideCoverage")
    assign(ctx.store, s, ws, ctx.now, dispatched=False)
    return ctx.written(_view(ctx, s, OPERATOR))


def assign(store: Store, s: Session, op: Workspace, at: float, dispatched: bool) -> None:
    s.state = State.ASSIGNED
    s.operator_id = op.id
    s.dispatched = dispatched
    op.active[s.id] = None
    op.sessions.append(s.id)
    if dispatched and op.autopilot is not None:
        store.timeline.schedule(at + op.autopilot.accept_after, "autopilot_accept", s.id)


# media --------------------------------------------------------------------------------------------
def start(ctx: Ctx) -> Reply:
    p, ws, s, side = _party(ctx)
    if side != OPERATOR:
        raise ApiError(403, "NOT_OPERATOR", detail="session:operatorOnly")
    auth.require_scope(ctx, p, ws, "sessions:operate")
    if s.state != State.ASSIGNED:
        raise _wrong_state(s, "ASSIGNED")
    video.ensure_up(ctx.store, s)
    media = begin_media(ctx.store, s, ctx.now)
    return Reply(
        data={
            "session": _view(ctx, s, OPERATOR),
            "videoBackendRef": media.ref,
            "whipUrl": media.whip_url,
            "whepUrl": media.whep_url,
        }
    )


def begin_media(store: Store, s: Session, at: float) -> Video:
    """/start: the live input exists; the state stays ASSIGNED until the first decoded frame."""
    if s.video is None:
        s.video = video.open_input(store, s, at)
        delay = store.workspaces[s.operator_id or ""].first_frame_after
        if delay is not None:
            store.timeline.schedule(at + delay, "first_frame", s.id)
    return s.video


def frame(ctx: Ctx) -> Reply:
    p, ws, s, _ = _party(ctx)
    auth.require_scope(ctx, p, ws, "sessions:read")
    if s.state in PRE_LIVE:
        raise ApiError(404, "FRAME_NOT_AVAILABLE", detail="frame:notYetDecoded")
    if s.state != State.LIVE:
        raise _wrong_state(s, "LIVE")
    if not s.publisher_connected:
        raise ApiError(404, "FRAME_NOT_AVAILABLE", detail="frame:publisherDisconnected")
    return Reply(raw=video.FRAME_JPEG, content_type="image/jpeg")


def _streaming(ctx: Ctx, s: Session) -> Video:
    """The live input of a LIVE session whose video backend is up (the token endpoints)."""
    if s.state != State.LIVE or s.video is None:
        raise _wrong_state(s, "LIVE")
    video.ensure_up(ctx.store, s)
    return s.video


def viewer_token(ctx: Ctx) -> Reply:
    p, ws, s, _ = _party(ctx)
    auth.require_scope(ctx, p, ws, "sessions:read")
    live = _streaming(ctx, s)
    return Reply(data={"videoBackendRef": live.ref, "whepUrl": live.whep_url})


def producer_token(ctx: Ctx) -> Reply:
    """The seed operation documents 403 as NOT_AUTHORIZED only, so that is what it answers."""
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p)
    s = _lookup(ctx)
    if _side(s, ws) != OPERATOR:
        raise ApiError(403, "NOT_AUTHORIZED", detail="session:operatorOnly")
    auth.require_scope(ctx, p, ws, "sessions:operate")
    live = _streaming(ctx, s)
    return Reply(data={"videoBackendRef": live.ref, "whipUrl": live.whip_url})


# the end ----------------------------------------------------------------------------------------
def end(ctx: Ctx) -> Reply:
    p, ws, s, side = _party(ctx)
    auth.require_scope(ctx, p, ws, "sessions:create" if side == CONSUMER else "sessions:operate")
    if s.state != State.LIVE:
        raise _wrong_state(s, "LIVE")
    finish(ctx.store, s, ctx.now, State.ENDED)
    return Reply(data=_view(ctx, s, side))


def cancel(ctx: Ctx) -> Reply:
    s = _consumers(ctx)
    if s.state not in PRE_LIVE:
        raise _wrong_state(s, "REQUESTED or ASSIGNED")
    drop(ctx.store, s, ctx.now, State.CANCELLED)
    return Reply(data=_view(ctx, s, CONSUMER))


def cancel_all(ctx: Ctx) -> Reply:
    p = auth.authenticate(ctx)
    ws = auth.acting_workspace(ctx, p)
    if not ws.is_supplier:
        raise ApiError(403, "NOT_OPERATOR", detail="workspace:notSupplier")
    auth.require_scope(ctx, p, ws, "sessions:operate")
    assigned = [ctx.store.sessions[sid] for sid in ws.active]
    cancelled = sorted(
        (s for s in assigned if s.state == State.ASSIGNED), key=lambda s: s.created_at
    )
    for s in cancelled:
        drop(ctx.store, s, ctx.now, State.CANCELLED)
    return Reply(data={"count": len(cancelled), "cancelled": [s.id for s in cancelled]})


def finish(store: Store, s: Session, at: float, state: State) -> None:
    """LIVE → ENDED or EXPIRED: the meter is final and the settlement is queued."""
    if s.windows and len(s.windows[-1]) == 1:
        s.close_window(at)
    s.state = state
    s.ended_at = at
    s.clean_seconds = s.metered(at)
    s.charged = s.clean_seconds * s.rate
    _release_operator(store, s, at)
    money.open_settlement(store, s, at)
    store.session_closed(s)


def drop(store: Store, s: Session, at: float, state: State) -> None:
    """Pre-LIVE → CANCELLED or EXPIRED: no meter, no settlement; the hold and operator are freed."""
    s.state = state
    s.ended_at = at
    money.release(store, s)
    _release_operator(store, s, at)
    store.session_closed(s)


def _release_operator(store: Store, s: Session, at: float) -> None:
    if s.operator_id is not None:
        op = store.workspaces[s.operator_id]
        op.active.pop(s.id, None)
        op.idle_since = at


# timed transitions --------------------------------------------------------------------------------
def wait_timeout(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    if s.state in PRE_LIVE:
        drop(store, s, at, State.EXPIRED)


def max_duration(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    if s.state == State.LIVE:
        finish(store, s, at, State.EXPIRED)


def settlement(ctx: Ctx) -> Reply:
    p, ws, s, _ = _party(ctx, "sessionId")
    auth.require_scope(ctx, p, ws, "sessions:read")
    return Reply(data=views.settlement(ctx.store, s))
