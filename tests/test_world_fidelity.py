"""What a client built on the official SDK relies on: the world answers as the SDK's types and the
docs say, and says it only in terms its contract documents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mockserver.errors import ApiError
from mockserver.labels import LABEL
from mockserver.luxxon.world.documented import as_documented
from tests.test_world_auth import sign_in
from tests.world_client import (
    BOGOTA,
    CONSUMER,
    CONSUMER_WS,
    LIVE,
    OPERATOR,
    OPERATOR_WS,
    REVOKED,
    SPEC,
    Lx,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
    operation_for,
)

BOGOTA_OWNER = "0x9D4b000000000000000000000000000000000002"
QUOTE = "/pricing/quote"


def test_health_answers_its_documented_example_so_the_api_shows_as_up(lx: Lx) -> None:
    [example] = SPEC.operations["LxHealthController_check"].responses["200"].examples.values()
    assert lx.ok("GET", "/health", None) == example["data"]
    assert example["data"]["ok"] is True


def test_the_workspace_list_is_full_workspaces_with_the_callers_role(lx: Lx) -> None:
    cookie = sign_in(lx)
    [listed] = lx.ok("GET", "/workspaces", None, headers={"Cookie": cookie})
    full = lx.ok("GET", f"/workspaces/{CONSUMER_WS}", CONSUMER)
    assert listed == {**full, "role": "OWNER"}


@pytest.mark.parametrize(
    ("operation", "status"),
    [
        ("LxWorkspacesController_create", "200"),
        ("LxSessionsController_create", "200"),
        ("LxApiKeysController_create", "200"),
        ("LxApiKeysController_revoke", "200"),
        ("LxSessionsController_dispatch", "200"),
        ("LxSessionsController_accept", "200"),
    ],
)
def test_the_consistency_token_is_a_declared_response_header(operation: str, status: str) -> None:
    headers = SPEC.operations[operation].raw["responses"][status]["headers"]
    assert headers["X-Lx-Consistency-Token"]["schema"] == {
        "type": "string",
        "example": "GgEAAAAAAAAAAAE",
    }


def test_every_answer_that_carries_the_token_is_an_operation_that_declares_it(lx: Lx) -> None:
    session = lx.create()
    for response in [
        lx.call("POST", "/sessions", json={**BOGOTA, "maxDurationSeconds": 60}),
        lx.call("POST", f"/sessions/{session['id']}/accept", OPERATOR, json={}),
        lx.call("GET", f"/sessions/{session['id']}"),
    ]:
        op = operation_for(response.request.method, response.request.url.path)
        declared = "headers" in op.raw["responses"]["200"]
        assert ("x-lx-consistency-token" in response.headers) == declared, op.operation_id


def test_authorized_stays_false_through_the_whole_life_of_a_session(lx: Lx) -> None:
    session = lx.accepted()
    seen = [lx.session(session["id"])["authorized"]]
    started = lx.ok("POST", f"/sessions/{session['id']}/start", OPERATOR)
    seen.append(started["session"]["authorized"])
    lx.advance(3)
    seen.append(lx.session(session["id"])["authorized"])
    seen.append(lx.ok("POST", f"/sessions/{session['id']}/end")["authorized"])
    assert seen == [False, False, False, False]


def test_a_quote_for_another_workspace_is_refused_as_on_sessions_and_wallet(lx: Lx) -> None:
    params = {"lat": "4.66", "lng": "-74.05", "durationSeconds": "60"}
    assert lx.ok("GET", QUOTE, params={**params, "workspaceId": CONSUMER_WS})["quoteId"]
    for path, query in [(QUOTE, params), ("/sessions", {}), ("/wallet", {})]:
        error = lx.fails(
            403, "NOT_AUTHORIZED", "GET", path, params={**query, "workspaceId": OPERATOR_WS}
        )
        assert error["detail"] == "workspace:mismatch"


@pytest.mark.parametrize(
    ("lat", "lng", "duration"),
    [
        ("1e-7", "-1.5e-10", "30.5"),
        ("-0", "0", "1e+21"),
        ("90", "-180", "1"),
        ("4.66", "-74.05", "60"),
    ],
)
def test_numbers_written_as_javascripts_string_are_accepted(
    lx: Lx, lat: str, lng: str, duration: str
) -> None:
    quote = lx.ok("GET", QUOTE, params={"lat": lat, "lng": lng, "durationSeconds": duration})
    assert int(quote["estimatedTotalMicroUsdc"]) == Decimal(duration) * 1000  # every digit kept


@pytest.mark.parametrize(
    ("name", "value"),
    [("lat", "91"), ("lat", "1e+21"), ("lng", "north"), ("durationSeconds", "0.5")],
)
def test_numbers_out_of_range_are_labelled_400s(lx: Lx, name: str, value: str) -> None:
    params = {"lat": "4.66", "lng": "-74.05", "durationSeconds": "60", name: value}
    error = lx.fails(400, "INVALID_INPUT", "GET", QUOTE, params=params)
    assert error["detail"] == f"query.{name}:pattern"


def test_producer_token_says_revoked_and_scope_under_its_documented_codes(lx: Lx) -> None:
    error = lx.fails(401, "NOT_AUTHENTICATED", "GET", f"/sessions/{LIVE}/producer-token", REVOKED)
    assert error["detail"] == "apiKey:revoked"
    cookie = sign_in(lx, BOGOTA_OWNER, OPERATOR_WS)
    minted = lx.ok(
        "POST",
        f"/workspaces/{OPERATOR_WS}/api-keys",
        None,
        headers={"Cookie": cookie},
        json={"label": "viewer", "environment": "TEST", "scopes": ["sessions:read"]},
    )
    path = f"/sessions/{LIVE}/producer-token"
    error = lx.fails(403, "NOT_AUTHORIZED", "GET", path, minted["plaintext"])
    assert error["detail"] == "scope:sessions:operate"
    # where the operation documents the specific code, the specific code is what it gets
    lx.fails(401, "REVOKED_API_KEY", "GET", f"/sessions/{LIVE}", REVOKED)
    lx.fails(403, "INSUFFICIENT_SCOPE", "POST", f"/sessions/{LIVE}/end", minted["plaintext"])


SESSIONS_BAD = [
    (
        {"json": {**BOGOTA, "maxDurationSeconds": 60, "waitTimeoutSeconds": 4}},
        "body.waitTimeoutSeconds:minimum",
    ),
    ({"json": {"lng": -74.05, "maxDurationSeconds": 60}}, "body.lat:missing"),
    ({"json": {**BOGOTA, "maxDurationSeconds": "long"}}, "body.maxDurationSeconds:type"),
    ({"json": {**BOGOTA, "maxDurationSeconds": 1.5}}, "body.maxDurationSeconds:multipleOf"),
    (
        {"content": b'{"lat": 4.7,', "headers": {"Content-Type": "application/json"}},
        "body:invalidJson",
    ),
]


@pytest.mark.parametrize(("request_kw", "label"), SESSIONS_BAD)
def test_a_400_names_field_and_reason_in_detail_and_speaks_in_message(
    lx: Lx, request_kw: dict[str, object], label: str
) -> None:
    error = lx.fails(400, "INVALID_INPUT", "POST", "/sessions", CONSUMER, **request_kw)
    assert error["detail"] == label and LABEL.match(label)
    assert "Expecting" not in error["message"] and "line 1 column" not in error["message"]


def test_the_400s_of_the_world_and_of_request_validation_alike_are_labels(lx: Lx) -> None:
    cookie = {"Cookie": sign_in(lx)}
    keys = f"/workspaces/{CONSUMER_WS}/api-keys"
    live_key = {"label": "x", "environment": "LIVE", "scopes": ["sessions:read"]}
    found = [
        lx.fails(400, "INVALID_INPUT", "POST", keys, None, headers=cookie, json=live_key),
        lx.fails(400, "INVALID_INPUT", "GET", "/wallet/events", params={"cursor": "nope"}),
        lx.fails(
            400,
            "INVALID_INPUT",
            "POST",
            f"/workspaces/{OPERATOR_WS}/location",
            OPERATOR,
            json={"lat": 4.7, "lng": -74.07, "accuracyMeters": 5, "sequence": "x"},
        ),
    ]
    assert [e["detail"] for e in found] == [
        "body.environment:liveUnavailable",
        "query.cursor:unknown",
        "body.sequence:pattern",  # request validation sees it first
    ]


@pytest.mark.parametrize(
    ("operation", "status", "code", "sent"),
    [
        ("LxSessionsController_producerToken", 401, "REVOKED_API_KEY", "NOT_AUTHENTICATED"),
        ("LxSessionsController_producerToken", 403, "INSUFFICIENT_SCOPE", "NOT_AUTHORIZED"),
        ("LxSessionsController_producerToken", 403, "NOT_YOUR_SESSION", "NOT_AUTHORIZED"),
        ("LxSessionsController_get", 401, "REVOKED_API_KEY", "REVOKED_API_KEY"),
        ("LxSessionsController_get", 403, "NOT_YOUR_SESSION", "NOT_YOUR_SESSION"),
        ("LxSessionsController_producerToken", 409, "QUOTE_EXPIRED", "QUOTE_EXPIRED"),
    ],
)
def test_a_reason_goes_out_under_the_code_the_operation_documents(
    operation: str, status: int, code: str, sent: str
) -> None:
    error = ApiError(status, code, detail="why:this")
    answered = as_documented(error, SPEC.operations[operation])
    assert (answered.status, answered.code, answered.detail) == (status, sent, "why:this")
