"""The request journal over HTTP: what the app under test sent, what it got, and what decided."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.app import create_app
from mockserver.settings import Settings
from tests.conftest import CONSUMER_KEY, LIVE_SESSION, LiveServer, data, ns

TOKEN = f"/api/v1/sessions/{LIVE_SESSION}/producer-token"
PRODUCER_TOKEN = "LxSessionsController_producerToken"


def entries(http: httpx.Client, caller: str, **filters: Any) -> list[dict[str, Any]]:
    found = data(http.get("/__mock/requests", params=filters, headers=ns(caller, None)))
    return list(found["requests"])


def test_three_calls_are_counted_and_each_says_the_world_decided(http: httpx.Client) -> None:
    for _ in range(3):
        assert http.get(TOKEN, headers=ns("j-count")).status_code == 200
    http.get("/api/v1/health", headers=ns("j-count"))
    count = http.post(
        "/__mock/requests/count", json={"operation": PRODUCER_TOKEN}, headers=ns("j-count", None)
    )
    assert data(count)["count"] == 3
    listed = entries(http, "j-count", operation=PRODUCER_TOKEN)
    assert [e["decidedBy"] for e in listed] == ["world"] * 3
    newest = listed[0]
    assert newest["id"] > listed[1]["id"]  # newest first
    assert newest["request"]["method"] == "GET" and newest["request"]["path"] == TOKEN
    assert newest["response"]["status"] == 200
    assert newest["response"]["json"]["data"]["whipUrl"].startswith("https://")
    assert newest["worldTime"] and isinstance(newest["worldRevision"], int)
    # The credential is cut to its first 8 characters.
    assert newest["request"]["headers"]["authorization"] == "Bearer lxxn_tes…"


def test_an_unknown_path_is_journaled_with_its_near_misses(http: httpx.Client) -> None:
    assert http.get("/api/v1/sesions", headers=ns("j-route")).status_code == 404
    (entry,) = entries(http, "j-route")
    assert entry["decidedBy"] == "route" and entry["operationId"] is None
    nearest = entry["nearMisses"][0]
    assert (nearest["method"], nearest["path"]) == ("GET", "/api/v1/sessions")
    assert len(entry["nearMisses"]) == 3


def test_each_decider_is_named(http: httpx.Client) -> None:
    namespace = "j-deciders"
    http.get(TOKEN, headers=ns(namespace, None))  # no credential: refused before the engine
    http.get(TOKEN, headers=ns(namespace, Prefer="code=404, example=SESSION_NOT_FOUND"))
    http.get(TOKEN, headers=ns(namespace, **{"X-Mock-Scenario": "video-outage"}))
    http.get("/api/v1/config", headers=ns(namespace))  # the world has no behaviour for it
    rule = {"operations": [PRODUCER_TOKEN], "times": 1, "respond": {"status": 404}}
    data(http.post("/__mock/rules", json=rule, headers=ns(namespace, None)))
    http.get(TOKEN, headers=ns(namespace))
    http.get(f"/api/v1/sessions/{LIVE_SESSION}/producer-token?x=1", headers=ns(namespace))
    listed = entries(http, namespace)
    assert [(e["decidedBy"], e["response"]["status"]) for e in reversed(listed)] == [
        ("validation", 401),
        ("override", 404),
        ("scenario", 503),
        ("default", 200),
        ("rule", 404),
        ("world", 200),
    ]
    assert listed[1]["rule"].startswith("rule-")


def test_a_world_error_is_journaled_as_the_worlds(http: httpx.Client) -> None:
    missing = "/api/v1/sessions/00000000-0000-4000-8000-000000000000/producer-token"
    assert http.get(missing, headers=ns("j-error")).status_code == 404
    (entry,) = entries(http, "j-error")
    assert entry["decidedBy"] == "world" and entry["operationId"] == PRODUCER_TOKEN
    assert entry["response"]["json"]["code"] == "SESSION_NOT_FOUND"


def test_filters_one_entry_and_forgetting(http: httpx.Client) -> None:
    namespace = "j-filters"
    http.get(TOKEN, headers=ns(namespace))
    http.post("/api/v1/sessions", json={"lat": 1}, headers=ns(namespace))  # 400
    bad = entries(http, namespace, status="4xx")
    assert [e["response"]["status"] for e in bad] == [400]
    assert bad[0]["request"]["json"] == {"lat": 1}
    assert len(entries(http, namespace, path="/api/v1/sessions/*")) == 1
    assert len(entries(http, namespace, method="post")) == 1
    assert len(entries(http, namespace, limit=1)) == 1
    one = data(http.get(f"/__mock/requests/{bad[0]['id']}"))
    assert one["id"] == bad[0]["id"] and one["namespace"] == namespace
    deleted = data(http.delete("/__mock/requests", headers=ns(namespace, None)))
    assert deleted["deleted"] == 2
    assert entries(http, namespace) == []


def test_reading_every_namespace_at_once(http: httpx.Client) -> None:
    http.get("/api/v1/health", headers=ns("j-all-a"))
    http.get("/api/v1/health", headers=ns("j-all-b"))
    everyone = entries(http, "default", namespace="*", path="/api/v1/health")
    assert {"j-all-a", "j-all-b"} <= {e["namespace"] for e in everyone}


def test_admin_calls_are_not_journaled(http: httpx.Client) -> None:
    status = data(http.get("/__mock", headers=ns("j-admin", None)))
    assert status["journalSize"] == 1000 and isinstance(status["rules"], int)
    assert entries(http, "j-admin") == []


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("GET", "/__mock/requests?status=banana", None, "MOCK_BAD_FILTER"),
        ("POST", "/__mock/requests/count", {"operatoin": "x"}, "MOCK_BAD_FILTER"),
        ("GET", "/__mock/requests/999999999", None, "MOCK_UNKNOWN_REQUEST"),
        ("DELETE", "/__mock/requests", {"namespaces": "*"}, "MOCK_BAD_ADMIN_REQUEST"),
    ],
)
def test_bad_journal_queries_are_refused_with_the_reason(
    http: httpx.Client, method: str, path: str, body: Any, code: str
) -> None:
    response = http.request(method, path, json=body)
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_a_journal_of_size_zero_keeps_nothing() -> None:
    app = create_app(Settings(world=None, journal_size=0))
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=10) as http:
        http.get("/api/v1/health")
        assert data(http.get("/__mock/requests"))["requests"] == []


def test_a_chunked_body_is_journaled_with_the_headers_it_came_with(http: httpx.Client) -> None:
    """The mock hands a chunked body on with its length; the journal shows what the app sent."""
    body = b'{"lat":4.66,"lng":-74.05,"maxDurationSeconds":60}'
    headers = {**ns("j-chunked", CONSUMER_KEY), "content-type": "application/json"}
    answer = http.post("/api/v1/sessions", content=iter([body[:20], body[20:]]), headers=headers)
    assert answer.status_code == 200, answer.text
    sent = entries(http, "j-chunked")[0]["request"]
    assert sent["headers"]["transfer-encoding"] == "chunked"
    assert "content-length" not in sent["headers"]
    assert sent["json"] == {"lat": 4.66, "lng": -74.05, "maxDurationSeconds": 60}
