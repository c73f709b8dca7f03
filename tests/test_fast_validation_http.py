"""Over HTTP, request validation answers as it did before it had a fast path: a valid write is
taken, and each refusal keeps its status, label and message (connexion's python jsonschema wrote
them, and still does). Values python accepts and Rust does not (a trailing newline under `$`)
are still taken: the fast path only ever says yes."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import CONSUMER_KEY, OPERATOR_KEY, ns

WRITE = {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 600}
OWNER_WALLET = "0xAbC0000000000000000000000000000000000001"
CONSUMER_WS = "8c3a5b6f-1d2e-4f7a-9b8c-d1e2f3a4b5c6"
OPERATOR_WS = "9d4b6c7f-2e3f-5a8b-0c1d-e2f3a4b5c6d7"


def _post_session(http: httpx.Client, body: Any) -> httpx.Response:
    headers = {**ns("fastvalid", CONSUMER_KEY), "content-type": "application/json"}
    return http.post("/api/v1/sessions", content=json.dumps(body), headers=headers)


def test_a_valid_write_is_taken(http: httpx.Client) -> None:
    response = _post_session(http, WRITE)
    assert response.status_code == 200, response.text
    session = response.json()["data"]
    assert (session["state"], session["maxDurationSeconds"]) == ("REQUESTED", 600)


@pytest.mark.parametrize(
    ("body", "detail", "message"),
    [
        (
            {**WRITE, "lat": 91},
            "body.lat:maximum",
            "body.lat: 91 is greater than the maximum of 90",
        ),
        (
            {**WRITE, "lng": -180.5},
            "body.lng:minimum",
            "body.lng: -180.5 is less than the minimum of -180",
        ),
        (
            {"lat": 4.66, "lng": -74.05},
            "body.maxDurationSeconds:missing",
            "body: 'maxDurationSeconds' is a required property",
        ),
        (
            {**WRITE, "maxDurationSeconds": 600.5},
            "body.maxDurationSeconds:multipleOf",
            "body.maxDurationSeconds: 600.5 is not a multiple of 1",
        ),
        (
            {**WRITE, "maxDurationSeconds": 0},
            "body.maxDurationSeconds:minimum",
            "body.maxDurationSeconds: 0 is less than the minimum of 1",
        ),
        ({**WRITE, "lat": "4.66"}, "body.lat:type", "body.lat: '4.66' is not of type 'number'"),
        ({**WRITE, "lat": True}, "body.lat:type", "body.lat: True is not of type 'number'"),
        (
            {**WRITE, "waitTimeoutSeconds": 3600.5},
            "body.waitTimeoutSeconds:maximum",
            "body.waitTimeoutSeconds: 3600.5 is greater than the maximum of 3600",
        ),
        ({**WRITE, "quoteId": 7}, "body.quoteId:type", "body.quoteId: 7 is not of type 'string'"),
        (None, "body:type", "body: None is not of type 'object'"),
        ([], "body:type", "body: [] is not of type 'object'"),
        ({}, "body.lat:missing", "body: 'lat' is a required property"),
    ],
)
def test_an_invalid_write_is_refused_as_before(
    http: httpx.Client, body: Any, detail: str, message: str
) -> None:
    response = _post_session(http, body)
    assert response.status_code == 400
    refusal = response.json()
    assert (refusal["code"], refusal["detail"], refusal["message"]) == (
        "INVALID_INPUT",
        detail,
        message,
    )


def test_a_body_rust_cannot_read_is_refused_as_before(http: httpx.Client) -> None:
    response = http.post(
        "/api/v1/sessions",
        content=b'{"lat":4.66,"lng":-74.05,"maxDurationSeconds":600,"workspaceId":"B\\ud800"}',
        headers={**ns("fastvalid", CONSUMER_KEY), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "body.workspaceId:invalidUnicode"


def test_a_value_python_accepts_and_rust_does_not_is_still_taken(http: httpx.Client) -> None:
    """`^…$` lets a final newline through in python, not in Rust: python has the last word."""
    challenge = http.post(
        "/api/v1/auth/wallet/challenge",
        json={"walletAddress": OWNER_WALLET + "\n"},
        headers=ns("fastvalid", None),
    )
    assert challenge.status_code == 200, challenge.text
    heartbeat = http.post(
        f"/api/v1/workspaces/{OPERATOR_WS}/location",
        json={"lat": 4.6, "lng": -74.0, "accuracyMeters": 5, "sequence": "12\n"},
        headers=ns("fastvalid", OPERATOR_KEY),
    )
    assert heartbeat.status_code == 200, heartbeat.text


def test_a_name_is_measured_in_characters_not_utf16_units(http: httpx.Client) -> None:
    response = http.patch(
        f"/api/v1/workspaces/{CONSUMER_WS}",
        json={"name": "\U0001f600" * 81},
        headers=ns("fastvalid", CONSUMER_KEY),
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "body.name:maxLength"


@pytest.mark.parametrize(
    ("limit", "detail", "message"),
    [
        ("0", "query.limit:minimum", "query parameter 'limit': 0.0 is less than the minimum of 1"),
        ("1.5", "query.limit:multipleOf", "query parameter 'limit': 1.5 is not a multiple of 1"),
        ("abc", "query.limit:type", "query parameter 'limit': 'abc' is not of type 'number'"),
        ("1e400", "query.limit:multipleOf", "query parameter 'limit': inf is not a multiple of 1"),
    ],
)
def test_a_bad_query_parameter_is_refused_as_before(
    http: httpx.Client, limit: str, detail: str, message: str
) -> None:
    response = http.get(f"/api/v1/sessions?limit={limit}", headers=ns("fastvalid", CONSUMER_KEY))
    assert response.status_code == 400
    assert (response.json()["detail"], response.json()["message"]) == (detail, message)


def test_a_good_query_parameter_is_taken(http: httpx.Client) -> None:
    response = http.get("/api/v1/sessions?limit=20", headers=ns("fastvalid", CONSUMER_KEY))
    assert response.status_code == 200, response.text


def test_the_content_type_is_read_as_before_however_many_a_client_invents(
    http: httpx.Client,
) -> None:
    """Read once per distinct header value, and only so many remembered: the answers stay."""
    wrong = json.dumps({**WRITE, "lat": 91})
    for n in range(20):
        for content_type, status, detail in [
            (f"application/json; v={n}", 400, "body.lat:maximum"),
            (f"application/json; charset=utf-{n}", 400, "body.lat:maximum"),
            (f"text/plain; v={n}", 400, "header.content-type:unsupported"),
        ]:
            headers = {**ns("fastvalid", CONSUMER_KEY), "content-type": content_type}
            response = http.post("/api/v1/sessions", content=wrong, headers=headers)
            assert (response.status_code, response.json()["detail"]) == (status, detail)
    headerless = http.post("/api/v1/sessions", content=wrong, headers=ns("fastvalid", CONSUMER_KEY))
    assert headerless.json()["detail"] == "body.lat:maximum"  # taken as the spec's application/json
