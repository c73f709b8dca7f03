"""Serving the whole API from openapi.json over real HTTP, with any documented response on demand."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from mockserver.clock import iso_now
from tests.conftest import LIVE_SESSION, OPERATOR_KEY, TESTS, LiveServer, app_with, checked_client

AUTH = {"Authorization": f"Bearer {OPERATOR_KEY}"}
PRODUCER_TOKEN = f"/api/v1/sessions/{LIVE_SESSION}/producer-token"


def error_of(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) >= {"statusCode", "code", "message", "timestamp"}
    assert body["statusCode"] == response.status_code
    return body  # type: ignore[no-any-return]


def test_producer_token_default_is_the_documented_body(client: httpx.Client) -> None:
    response = client.get(PRODUCER_TOKEN, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {
        "videoBackendRef": "6a7aab6e273b40251e8ee72d7ca05719",
        "whipUrl": "https://customer-CODE.cloudflarestream.com/UID/webRTC",
    }
    assert body["statusCode"] == 200 and body["message"] == "Request successful"
    assert body["timestamp"][:10] == iso_now()[:10]


def test_prefer_code_gives_the_documented_error_with_a_current_timestamp(
    client: httpx.Client,
) -> None:
    response = client.get(PRODUCER_TOKEN, headers={**AUTH, "Prefer": "code=409"})
    assert response.status_code == 409
    body = error_of(response)
    assert body["code"] == "INVALID_STATE"
    assert body["message"] == "Operation not allowed in the current state"
    assert body["timestamp"] != "2026-05-13T12:00:00.000Z"


def test_missing_bearer_on_a_secured_operation_is_401(client: httpx.Client) -> None:
    response = client.get(PRODUCER_TOKEN)
    assert response.status_code == 401
    assert error_of(response)["code"] == "NOT_AUTHENTICATED"


def test_a_non_bearer_authorization_header_is_no_credential(client: httpx.Client) -> None:
    response = client.get(PRODUCER_TOKEN, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_lx_session_cookie_counts_as_a_credential(client: httpx.Client) -> None:
    response = client.get("/api/v1/me", headers={"Cookie": "lx_session=abc"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/api/v1/health", "/api/v1/config", "/api/v1/coverage", "/api/v1/demand"],
)
def test_public_reads_need_no_credential(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/wallet/challenge", "/api/v1/workspaces/challenge"])
def test_challenges_are_public(client: httpx.Client, path: str) -> None:
    response = client.post(path, json={"walletAddress": "0x" + "a" * 40})
    assert response.status_code == 200, response.text


def test_prefer_example_picks_its_documented_status(client: httpx.Client) -> None:
    response = client.get(PRODUCER_TOKEN, headers={**AUTH, "Prefer": "example=SESSION_NOT_FOUND"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "SESSION_NOT_FOUND"


def test_prefer_code_and_example_together(client: httpx.Client) -> None:
    headers = {**AUTH, "Prefer": "code=404, example=SESSION_NOT_FOUND"}
    response = client.get(PRODUCER_TOKEN, headers=headers)
    assert (response.status_code, error_of(response)["code"]) == (404, "SESSION_NOT_FOUND")


def test_query_parameters_select_like_prefer(client: httpx.Client) -> None:
    by_code = client.get(PRODUCER_TOKEN, params={"__code": "503"}, headers=AUTH)
    assert (by_code.status_code, error_of(by_code)["code"]) == (503, "VIDEO_ERROR")
    by_example = client.get(PRODUCER_TOKEN, params={"__example": "NOT_AUTHORIZED"}, headers=AUTH)
    assert (by_example.status_code, error_of(by_example)["code"]) == (403, "NOT_AUTHORIZED")


def test_dynamic_generates_values_instead_of_the_examples(client: httpx.Client) -> None:
    default = client.get(PRODUCER_TOKEN, headers=AUTH).json()["data"]
    dynamic = client.get(PRODUCER_TOKEN, headers={**AUTH, "Prefer": "dynamic=true"}).json()["data"]
    assert dynamic != default
    assert dynamic["whipUrl"].startswith("https://")
    again = client.get(PRODUCER_TOKEN, params={"__dynamic": "true"}, headers=AUTH).json()["data"]
    assert again == dynamic


def test_same_path_id_gives_the_same_entity_and_echoes_the_id(client: httpx.Client) -> None:
    one = "/api/v1/sessions/11111111-2222-4333-8444-555555555555"
    first = client.get(one, headers={**AUTH, "Prefer": "dynamic=true"}).json()["data"]
    second = client.get(one, headers={**AUTH, "Prefer": "dynamic=true"}).json()["data"]
    other = client.get(one[:-1] + "6", headers={**AUTH, "Prefer": "dynamic=true"}).json()["data"]
    assert first == second
    assert first["id"] == "11111111-2222-4333-8444-555555555555"
    assert other != first


@pytest.mark.parametrize(
    ("prefer", "wanted"),
    [
        ("code=418", "status 418"),
        ("example=NO_SUCH_EXAMPLE", "example 'NO_SUCH_EXAMPLE'"),
        ("code=404, example=INVALID_STATE", "example 'INVALID_STATE' for 404"),
    ],
)
def test_undocumented_choice_is_refused_with_what_is_documented(
    client: httpx.Client, prefer: str, wanted: str
) -> None:
    response = client.get(PRODUCER_TOKEN, headers={**AUTH, "Prefer": prefer})
    assert response.status_code == 422
    body = error_of(response)
    assert body["code"] == "MOCK_UNDOCUMENTED_RESPONSE"
    assert wanted in str(body["message"])
    assert "409 (INVALID_STATE)" in str(body["message"])


def test_scenario_header_applies_its_rule(client: httpx.Client) -> None:
    response = client.get(PRODUCER_TOKEN, headers={**AUTH, "X-Mock-Scenario": "video-outage"})
    assert (response.status_code, error_of(response)["code"]) == (503, "VIDEO_ERROR")
    untouched = client.get("/api/v1/health", headers={"X-Mock-Scenario": "video-outage"})
    assert untouched.status_code == 200


def test_scenario_query_parameter_applies_its_rule(client: httpx.Client) -> None:
    response = client.post(
        f"/api/v1/sessions/{LIVE_SESSION}/accept",
        params={"__scenario": "not-operator"},
        headers=AUTH,
        json={},
    )
    assert (response.status_code, error_of(response)["code"]) == (403, "NOT_OPERATOR")
    token = client.get(PRODUCER_TOKEN, params={"__scenario": "not-operator"}, headers=AUTH)
    assert (token.status_code, error_of(token)["code"]) == (403, "NOT_AUTHORIZED")


def test_expired_credentials_scenario_covers_every_secured_operation(client: httpx.Client) -> None:
    headers = {**AUTH, "X-Mock-Scenario": "expired-credentials"}
    assert client.get("/api/v1/wallet", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/health", headers=headers).status_code == 200


def test_unknown_scenario_is_refused_naming_the_known_ones(client: httpx.Client) -> None:
    response = client.get(PRODUCER_TOKEN, headers={**AUTH, "X-Mock-Scenario": "nope"})
    assert response.status_code == 422
    body = error_of(response)
    assert body["code"] == "MOCK_UNKNOWN_SCENARIO"
    assert "video-outage" in str(body["message"]) and "not-operator" in str(body["message"])


def test_serve_scenario_applies_to_every_request() -> None:
    with LiveServer(app_with(scenario="video-outage")) as server, checked_client(server.url) as c:
        response = c.get(PRODUCER_TOKEN, headers=AUTH)
        assert (response.status_code, error_of(response)["code"]) == (503, "VIDEO_ERROR")
        forced = c.get(PRODUCER_TOKEN, headers={**AUTH, "Prefer": "code=200"})
        assert forced.status_code == 200


SESSION_BODY = {"lat": 4.71, "lng": -74.07, "maxDurationSeconds": 600}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**SESSION_BODY, "lat": "north"}, "lat"),
        ({"lat": 4.71, "lng": -74.07}, "maxDurationSeconds"),
    ],
)
def test_invalid_body_is_400_invalid_input_naming_the_field(
    client: httpx.Client, body: dict[str, object], field: str
) -> None:
    response = client.post("/api/v1/sessions", json=body, headers=AUTH)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_INPUT"
    assert field in str(error["detail"])


@pytest.mark.parametrize("body", [b'{"lat": 4.7,', b'{"lat": "\xe9"}'], ids=["json", "utf8"])
def test_a_body_that_does_not_decode_is_400_not_500(client: httpx.Client, body: bytes) -> None:
    response = client.post(
        "/api/v1/sessions", content=body, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "INVALID_INPUT"


def test_wrong_content_type_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/api/v1/sessions", content=b"lat=4", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "INVALID_INPUT" and "content-type" in str(error["detail"]).lower()


def test_body_over_one_mebibyte_is_400(client: httpx.Client) -> None:
    big = json.dumps({**SESSION_BODY, "pad": "x" * (1024 * 1024)})
    response = client.post(
        "/api/v1/sessions", content=big, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_of(response)["detail"] == "body:tooLarge"
    assert "1 MiB" in error_of(response)["message"]
    assert client.get("/api/v1/health").status_code == 200


def test_wrong_query_type_is_400(client: httpx.Client) -> None:
    response = client.get("/api/v1/wallet/events", params={"limit": "many"}, headers=AUTH)
    assert response.status_code == 400
    assert "limit" in str(error_of(response)["detail"])


def test_unknown_path_is_404_and_wrong_method_405_in_the_envelope(client: httpx.Client) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, error_of(missing)["code"]) == (404, "NOT_FOUND")
    wrong = client.put("/api/v1/health")
    assert wrong.status_code == 405
    assert error_of(wrong)["code"] == "METHOD_NOT_ALLOWED"
    assert "application/problem+json" not in wrong.headers["content-type"]


def test_cors_preflight_allows_the_mock_headers(client: httpx.Client) -> None:
    response = client.options(
        PRODUCER_TOKEN,
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, prefer, x-mock-scenario, x-lx-consistency-token",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "prefer", "x-mock-scenario", "x-lx-consistency-token"):
        assert header in allowed


def test_cors_exposes_the_consistency_token(client: httpx.Client) -> None:
    response = client.get("/api/v1/health", headers={"Origin": "http://localhost:5173"})
    assert "x-lx-consistency-token" in response.headers["access-control-expose-headers"].lower()


def test_spec_and_swagger_ui_are_served(client: httpx.Client) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.headers["content-type"] == "application/json"
    assert spec.json() == json.loads((TESTS.parent / "openapi.json").read_text())  # unchanged
    ui = client.get("/ui/")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()


def test_seed_gives_the_same_bytes_in_two_servers() -> None:
    bodies = []
    for _ in range(2):
        with LiveServer(app_with(seed=42)) as server, httpx.Client(base_url=server.url) as c:
            body = c.get("/api/v1/wallet/events", headers={**AUTH, "Prefer": "dynamic=true"}).json()
            body.pop("timestamp")
            bodies.append(json.dumps(body, sort_keys=True))
    assert bodies[0] == bodies[1]


def test_another_spec_is_served_with_no_code_change() -> None:
    app = app_with(spec_path=TESTS / "specs" / "petstore.json", scenarios_dir=None)
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as c:
        pet = c.get("/v2/pets/p-9")
        assert (pet.status_code, pet.json()) == (200, {"id": "p-1", "name": "Rex", "tag": "dog"})
        pets = c.get("/v2/pets").json()
        assert isinstance(pets, list) and all({"id", "name"} <= set(p) for p in pets)
        assert c.post("/v2/pets", json={"name": "Tom"}).status_code == 401
        created = c.post("/v2/pets", json={"name": "Tom"}, headers={"Authorization": "Bearer x"})
        assert created.status_code == 201
        taken = c.post(
            "/v2/pets",
            json={"name": "Tom"},
            headers={"Authorization": "Bearer x", "Prefer": "example=NAME_TAKEN"},
        )
        assert (taken.status_code, taken.json()) == (409, {"error": "name taken"})
        bad = c.post("/v2/pets", json={"tag": "cat"}, headers={"Authorization": "Bearer x"})
        assert bad.status_code == 400 and bad.json()["code"] == "INVALID_INPUT"


def test_missing_credential_is_401_even_when_the_body_is_also_invalid(client: httpx.Client) -> None:
    response = client.post("/api/v1/sessions", json={"lat": "north"})
    assert (response.status_code, error_of(response)["code"]) == (401, "NOT_AUTHENTICATED")


def test_a_path_parameter_may_hold_a_newline(client: httpx.Client) -> None:
    response = client.get("/api/v1/sessions/a%0Ab", headers=AUTH)
    assert response.status_code == 200, response.text


def test_a_json_null_body_is_judged_by_the_schema_not_taken_for_no_body(
    client: httpx.Client,
) -> None:
    url = f"/api/v1/sessions/{LIVE_SESSION}/accept"
    response = client.post(
        url, content=b"null", headers={**AUTH, "Content-Type": "application/json"}
    )
    assert (response.status_code, error_of(response)["code"]) == (400, "INVALID_INPUT")
    assert client.post(url, headers=AUTH).status_code == 200


def test_a_body_sent_to_an_operation_without_one_is_ignored(client: httpx.Client) -> None:
    response = client.request(
        "GET",
        PRODUCER_TOKEN,
        content=b"{not json",
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 200


def test_a_chunked_body_over_one_mebibyte_is_400_too(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"lat": 4.7, "pad": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = client.post(
        "/api/v1/sessions", content=chunks(), headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert response.status_code == 400
    assert error_of(response)["detail"] == "body:tooLarge"
    assert "1 MiB" in error_of(response)["message"]


def test_a_chunked_body_is_read_like_any_other(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"lat": 4.71, "lng": -74.07, '
        yield b'"maxDurationSeconds": 600}'

    response = client.post(
        "/api/v1/sessions", content=chunks(), headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_a_trailing_slash_is_404_in_the_envelope_not_a_redirect(client: httpx.Client) -> None:
    response = client.get("/api/v1/sessions/", headers=AUTH)
    assert (response.status_code, error_of(response)["code"]) == (404, "NOT_FOUND")


def test_a_body_nested_too_deeply_is_400_not_500(client: httpx.Client) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = client.post(
        "/api/v1/sessions", content=deep, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert (response.status_code, error_of(response)["code"]) == (400, "INVALID_INPUT")
    assert client.get("/api/v1/health").status_code == 200
