"""Money in the stateful world: quotes, the pool, settlements and the wallet ledger."""

from __future__ import annotations

from tests.world_client import (
    BOGOTA,
    CONSUMER_WS,
    ENDED,
    LIVE,
    OPERATOR,
    OPERATOR_WS,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)


def quote(lx: Lx, duration: int = 600) -> dict[str, str]:
    params = {"lat": "4.66", "lng": "-74.05", "durationSeconds": str(duration)}
    data: dict[str, str] = lx.ok("GET", "/pricing/quote", params=params)
    return data


def balance(lx: Lx, key: str | None = None) -> int:
    wallet = lx.ok("GET", "/wallet", key) if key else lx.ok("GET", "/wallet")
    return int(wallet["trackedBalance"])


def test_quote_is_base_rate_times_duration_as_strings(lx: Lx) -> None:
    q = quote(lx, 600)
    assert (q["ratePerSecondMicroUsdc"], q["estimatedTotalMicroUsdc"]) == ("1000", "600000")
    assert q["baseRatePerSecondMicroUsdc"] == "1000"


def test_a_quote_locks_the_rate_once_within_30_seconds(lx: Lx) -> None:
    q = quote(lx)
    lx.advance(30)
    session = lx.create(quoteId=q["quoteId"])
    assert session["ratePerSecondMicroUsdc"] == q["ratePerSecondMicroUsdc"]
    body = {**BOGOTA, "maxDurationSeconds": 600, "quoteId": q["quoteId"]}
    assert lx.fails(409, "QUOTE_EXPIRED", "POST", "/sessions", json=body)["detail"] == "quote:used"


def test_a_quote_older_than_30_seconds_is_expired(lx: Lx) -> None:
    q = quote(lx)
    lx.advance(30.001)
    body = {**BOGOTA, "maxDurationSeconds": 600, "quoteId": q["quoteId"]}
    assert (
        lx.fails(409, "QUOTE_EXPIRED", "POST", "/sessions", json=body)["detail"] == "quote:expired"
    )


def test_an_unknown_quote_is_quote_not_found(lx: Lx) -> None:
    body = {**BOGOTA, "maxDurationSeconds": 600, "quoteId": "a1b2c3d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d"}
    lx.fails(404, "QUOTE_NOT_FOUND", "POST", "/sessions", json=body)


def test_the_pool_must_cover_rate_times_max_duration(lx: Lx) -> None:
    available = balance(lx) - 28_800_000 - 600_000 - 600_000  # holds of the three open sessions
    body = {**BOGOTA, "maxDurationSeconds": available // 1000 + 1}
    error = lx.fails(402, "INSUFFICIENT_CREDIT", "POST", "/sessions", json=body)
    assert error["detail"] == "pool:insufficient" and str(available) in error["message"]
    assert lx.create(maxDurationSeconds=available // 1000)["state"] == "REQUESTED"
    lx.fails(
        402, "INSUFFICIENT_CREDIT", "POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 1}
    )


def test_a_rejected_create_does_not_use_up_the_quote(lx: Lx) -> None:
    q = quote(lx)
    body = {**BOGOTA, "maxDurationSeconds": 10**8, "quoteId": q["quoteId"]}
    lx.fails(402, "INSUFFICIENT_CREDIT", "POST", "/sessions", json=body)
    assert lx.create(quoteId=q["quoteId"])["state"] == "REQUESTED"


def test_settled_session_reduces_the_pool_goes_down_by_the_charge(lx: Lx) -> None:
    before = balance(lx)
    live = lx.live_session()
    lx.advance(100)
    ended = lx.ok("POST", f"/sessions/{live['id']}/end")
    charged = int(ended["chargedMicroUsdc"])
    assert charged == 100 * 1000
    assert balance(lx) == before  # nothing moves until the transaction is mined
    lx.advance(5)  # pending +1 s, submitted +2 s, confirmed +2 s
    settlement = lx.ok("GET", f"/settlements/{live['id']}")
    assert settlement["state"] == "CONFIRMED" and settlement["txHash"].startswith("0x")
    assert settlement["payload"]["chargeableSeconds"] == 100
    fee = int(settlement["payload"]["feeAmountMicroUsdc"])
    assert int(settlement["payload"]["toAmountMicroUsdc"]) + fee == charged
    assert balance(lx) == before - charged
    assert lx.session(live["id"])["settlementTxHash"] == settlement["txHash"]


def test_settlement_steps_follow_the_configured_delays(lx: Lx) -> None:
    live = lx.live_session()
    lx.ok("POST", f"/sessions/{live['id']}/end")
    seen = []
    for step in (0, 1, 2, 2):
        lx.advance(step)
        seen.append(lx.ok("GET", f"/settlements/{live['id']}"))
    assert [s["state"] for s in seen] == ["NOT_READY", "PENDING", "SUBMITTED", "CONFIRMED"]
    assert "txHash" not in seen[1] and seen[2]["txHash"] == seen[3]["txHash"]
    assert "confirmedAt" in seen[3]


def test_wallet_events_show_deposit_and_settle_for_both_sides(lx: Lx) -> None:
    events = lx.ok("GET", "/wallet/events")
    assert [e["kind"] for e in events] == ["DEPOSIT", "SETTLE"]
    assert events[1]["relatedSession"] == ENDED and events[1]["amountUsdc"] == "280000"
    operator_events = lx.ok("GET", "/wallet/events", OPERATOR)
    assert [(e["kind"], e["amountUsdc"]) for e in operator_events] == [("SETTLE", "252000")]
    assert balance(lx, OPERATOR) == 252_000
    assert balance(lx) == 100_000_000 - 280_000


def test_wallet_events_page_with_the_last_id_as_cursor(lx: Lx) -> None:
    for _ in range(3):
        live = lx.live_session()
        lx.ok("POST", f"/sessions/{live['id']}/end")
        lx.advance(5)
    everything = lx.ok("GET", "/wallet/events")
    assert len(everything) == 5
    pages, cursor = [], None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = lx.ok("GET", "/wallet/events", params=params)
        if not page:
            break
        pages.append(page)
        cursor = page[-1]["id"]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [e for p in pages for e in p] == everything
    lx.fails(400, "INVALID_INPUT", "GET", "/wallet/events", params={"limit": "0"})
    lx.fails(400, "INVALID_INPUT", "GET", "/wallet/events", params={"cursor": "nope"})


def test_wallet_state_is_the_callers_workspace(lx: Lx) -> None:
    wallet = lx.ok("GET", "/wallet")
    assert wallet["workspaceId"] == CONSUMER_WS
    assert lx.ok("GET", "/wallet", OPERATOR)["workspaceId"] == OPERATOR_WS
    first = int(wallet["lastSyncBlock"])
    lx.advance(20)
    assert int(lx.ok("GET", "/wallet")["lastSyncBlock"]) == first + 10  # a block every 2 s


def test_a_live_session_shows_its_running_meter(lx: Lx) -> None:
    before = lx.session(LIVE)["cleanSeconds"]
    lx.advance(7)
    live = lx.session(LIVE)
    assert live["cleanSeconds"] == before + 7
    assert live["chargedMicroUsdc"] == str((before + 7) * 1000)


def test_a_limit_above_the_page_cap_gets_the_largest_page(lx: Lx) -> None:
    everything = lx.ok("GET", "/wallet/events")
    assert lx.ok("GET", "/wallet/events", params={"limit": "1000"}) == everything
    lx.fails(400, "INVALID_INPUT", "GET", "/wallet/events", params={"limit": "2.5"})


def test_a_quote_for_a_very_long_duration_keeps_every_digit(lx: Lx) -> None:
    q = quote(lx, 10**30)
    assert q["estimatedTotalMicroUsdc"] == str(1000 * 10**30)


def test_only_the_pool_bounds_max_duration(lx: Lx) -> None:
    body = {**BOGOTA, "maxDurationSeconds": 10**12}
    lx.fails(402, "INSUFFICIENT_CREDIT", "POST", "/sessions", json=body)
