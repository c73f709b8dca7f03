"""Quotes, the consumer's pool, settlements and the on-chain event ledger (all in µUSDC ints).

The pool a consumer can still commit is `balance − holds of open sessions − charges not yet
confirmed`; a settlement moves NOT_READY → PENDING → SUBMITTED → CONFIRMED on the timeline, and
only the confirmation (the mined transaction) moves the balances and writes SETTLE events.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockserver.clock import iso
from mockserver.errors import ApiError, invalid_input
from mockserver.luxxon.world.model import (
    Quote,
    Session,
    Settlement,
    SettleState,
    WalletEvent,
    Workspace,
)
from mockserver.luxxon.world.store import Store

PAGE_DEFAULT = 50
PAGE_MAX = 200


def record(
    store: Store,
    ws: Workspace,
    kind: str,
    amount: int,
    at: float,
    session_id: str | None = None,
    tx_hash: str | None = None,
) -> WalletEvent:
    event = WalletEvent(
        id=store.uuid(),
        workspace_id=ws.id,
        kind=kind,
        tx_hash=tx_hash or store.tx_hash(),
        block=store.block_at(at),
        confirmed_at=at,
        amount=amount,
        related_session=session_id,
    )
    ws.event_index[event.id] = len(ws.events)
    ws.events.append(event)
    _keep_latest_events(ws, 2 * store.rules.keep_closed)
    return event


def _keep_latest_events(ws: Workspace, keep: int) -> None:
    """A wallet's ledger keeps its latest `keep` events (two per kept closed session), so a
    long-lived namespace does not grow for ever; trimmed in batches, so appending stays O(1)."""
    if len(ws.events) <= keep + keep // 4:
        return
    del ws.events[: len(ws.events) - keep]
    ws.event_index.clear()  # in place: a shared world keeps its own kind of index (shared.py)
    ws.event_index.update((event.id, i) for i, event in enumerate(ws.events))


def deposit(store: Store, ws: Workspace, amount: int, at: float) -> None:
    ws.balance += amount
    record(store, ws, "DEPOSIT", amount, at)


# quotes -----------------------------------------------------------------------------------------
def new_quote(store: Store, workspace_id: str, duration: Decimal, now: float) -> Quote:
    rate = store.rules.base_rate  # base × supply × demand × corridor; every factor is 1.0 today
    q = Quote(store.uuid(), workspace_id, rate, rate, duration, now + store.rules.quote_ttl)
    store.quotes[q.id] = q
    store.timeline.schedule(q.expires_at + store.rules.keep_expired, "quote", q.id)
    return q


def usable_quote(store: Store, workspace_id: str, quote_id: str, now: float) -> Quote:
    """The quote to lock a rate with; a quote of another workspace is as unknown as no quote."""
    q = store.quotes.get(quote_id)
    if q is None or q.workspace_id != workspace_id:
        raise ApiError(404, "QUOTE_NOT_FOUND", "Quote not found", "quote:notFound")
    if q.used:
        raise ApiError(409, "QUOTE_EXPIRED", "Quote expired or already used", "quote:used")
    if now > q.expires_at:
        raise ApiError(409, "QUOTE_EXPIRED", "Quote expired or already used", "quote:expired")
    return q


# the pool ---------------------------------------------------------------------------------------
def ensure_credit(consumer: Workspace, amount: int) -> None:
    if amount > consumer.available_credit:
        raise ApiError(
            402,
            "INSUFFICIENT_CREDIT",
            f"Pool balance too low; top up: the session needs {amount} µUSDC, "
            f"{max(0, consumer.available_credit)} available",
            "pool:insufficient",
        )


def hold(store: Store, s: Session) -> None:
    store.workspaces[s.consumer_id].held += s.hold


def release(store: Store, s: Session) -> None:
    store.workspaces[s.consumer_id].held -= s.hold


# settlement -------------------------------------------------------------------------------------
def open_settlement(store: Store, s: Session, at: float) -> None:
    """The meter is final: swap the hold for the charge and queue the relayer."""
    release(store, s)
    store.workspaces[s.consumer_id].pending += s.charged
    fee = s.charged * store.rules.fee_bps // 10_000
    s.settlement = Settlement(SettleState.NOT_READY, s.charged - fee, fee)
    store.timeline.schedule(at + store.rules.pending_after, "settle_pending", s.id)


def settle_pending(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    if s.settlement and s.settlement.state == SettleState.NOT_READY:
        s.settlement.state = SettleState.PENDING
        store.timeline.schedule(at + store.rules.submitted_after, "settle_submitted", s.id)


def settle_submitted(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    if s.settlement and s.settlement.state == SettleState.PENDING:
        s.settlement.state = SettleState.SUBMITTED
        s.settlement.tx_hash = store.tx_hash()
        store.timeline.schedule(at + store.rules.confirmed_after, "settle_confirmed", s.id)


def settle_confirmed(store: Store, session_id: str, at: float) -> None:
    s = store.sessions[session_id]
    st = s.settlement
    if st is None or st.state != SettleState.SUBMITTED:
        return
    st.state = SettleState.CONFIRMED
    st.confirmed_at = at
    book_settlement(store, s, at)


def book_settlement(store: Store, s: Session, at: float) -> None:
    """The mined settleFromPool: the pool pays the charge, the operator receives charge − fee."""
    assert s.settlement is not None
    consumer = store.workspaces[s.consumer_id]
    consumer.pending -= s.charged
    consumer.balance -= s.charged
    record(store, consumer, "SETTLE", s.charged, at, s.id, s.settlement.tx_hash)
    if s.operator_id is not None:
        operator = store.workspaces[s.operator_id]
        operator.balance += s.settlement.to_amount
        record(store, operator, "SETTLE", s.settlement.to_amount, at, s.id, s.settlement.tx_hash)


# wallet views -----------------------------------------------------------------------------------
def wallet_state(store: Store, ws: Workspace, now: float) -> dict[str, Any]:
    return {
        "workspaceId": ws.id,
        "walletAddress": ws.wallet_address,
        "trackedBalance": str(ws.balance),
        "lastSyncBlock": str(store.block_at(now)),
        "updatedAt": iso(now),
    }


def events_page(ws: Workspace, cursor: str | None, limit: int) -> list[WalletEvent]:
    """Oldest first (an append-only ledger); the next page's cursor is this page's last id."""
    start = 0
    if cursor:
        index = ws.event_index.get(cursor)
        if index is None:
            raise invalid_input("query.cursor:unknown", "cursor is not an event id of this wallet")
        start = index + 1
    return ws.events[start : start + limit]


def page_limit(raw: str | None, default: int = PAGE_DEFAULT, maximum: int = PAGE_MAX) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0
    if not value.is_integer() or value < 1:  # NaN and infinity are not integers either
        raise invalid_input("query.limit:minimum", "limit must be an integer of at least 1")
    return int(min(value, maximum))  # a larger page is served as the largest one
