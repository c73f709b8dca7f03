"""Runtime rules over HTTP: aimed at one call, for one namespace or everyone, without a file."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import LIVE_SESSION, data, ns

FRAME = f"/api/v1/sessions/{LIVE_SESSION}/frame"
TOKEN = f"/api/v1/sessions/{LIVE_SESSION}/producer-token"
ENDED = "e4b5c6d7-8e9f-4a0b-1c2d-3e4f5a6b7c8d"
FRAME_RULE = {
    "operations": ["LxSessionsController_frame"],
    "times": 2,
    "respond": {"status": 404, "example": "FRAME_NOT_AVAILABLE"},
}


def add(http: httpx.Client, namespace: str, rule: dict[str, Any]) -> dict[str, Any]:
    return dict(data(http.post("/__mock/rules", json=rule, headers=ns(namespace, None))))


def test_times_two_answers_twice_then_the_world_again(http: httpx.Client) -> None:
    added = add(http, "r-times", FRAME_RULE)
    assert added["id"].startswith("rule-") and added["remaining"] == 2
    answers = [http.get(FRAME, headers=ns("r-times")) for _ in range(3)]
    assert [r.status_code for r in answers] == [404, 404, 200]
    assert answers[0].json()["code"] == "FRAME_NOT_AVAILABLE"
    assert answers[2].headers["content-type"] == "image/jpeg"
    journal = data(http.get("/__mock/requests", headers=ns("r-times", None)))["requests"]
    assert [e["decidedBy"] for e in journal] == ["world", "rule", "rule"]
    assert journal[1]["rule"] == journal[2]["rule"] == added["id"]
    assert data(http.get("/__mock/rules", headers=ns("r-times", None)))["rules"] == []


def test_a_latency_only_rule_keeps_the_worlds_real_answer(http: httpx.Client) -> None:
    rule = {"operations": ["LxSessionsController_producerToken"], "latency": {"fixedMs": 300}}
    add(http, "r-latency", rule)
    ended = http.get(f"/api/v1/sessions/{ENDED}/producer-token", headers=ns("r-latency"))
    assert ended.status_code == 409 and ended.json()["code"] == "INVALID_STATE"
    live = http.get(TOKEN, headers=ns("r-latency"))
    assert live.status_code == 200 and live.json()["data"]["whipUrl"]
    newest, older = data(http.get("/__mock/requests", headers=ns("r-latency", None)))["requests"]
    assert (newest["decidedBy"], newest["latencyMs"]) == ("world", 300.0)
    assert (older["decidedBy"], older["response"]["status"]) == ("world", 409)


def test_rules_per_namespace_or_for_everyone(http: httpx.Client) -> None:
    mine = add(http, "r-mine", {**FRAME_RULE, "times": 5})
    assert http.get(FRAME, headers=ns("r-mine")).status_code == 404
    assert http.get(FRAME, headers=ns("r-other")).status_code == 200
    everyone = add(http, "r-mine", {**FRAME_RULE, "namespace": "*", "times": 1})
    assert everyone["namespace"] == "*"
    assert http.get(FRAME, headers=ns("r-other")).status_code == 404
    assert http.get(FRAME, headers=ns("r-other")).status_code == 200  # its one time is spent
    listed = data(http.get("/__mock/rules", headers=ns("r-mine", None)))["rules"]
    assert [r["id"] for r in listed] == [mine["id"]]
    data(http.delete(f"/__mock/rules/{mine['id']}"))
    assert http.get(FRAME, headers=ns("r-mine")).status_code == 200


def test_an_override_beats_a_rule(http: httpx.Client) -> None:
    add(http, "r-override", {**FRAME_RULE, "times": 1})
    forced = http.get(FRAME, headers=ns("r-override", Prefer="code=403"))
    assert forced.status_code == 403


def test_delete_every_rule_of_a_namespace(http: httpx.Client) -> None:
    add(http, "r-clear", FRAME_RULE)
    add(http, "r-clear", FRAME_RULE)
    assert data(http.delete("/__mock/rules", headers=ns("r-clear", None)))["deleted"] == 2
    assert http.get(FRAME, headers=ns("r-clear")).status_code == 200


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"operations": ["nope"], "respond": {"status": 404}}, "matches no operation"),
        ({"operations": ["LxSessionsController_frame"], "respond": {"status": 418}}, "418"),
        ({**FRAME_RULE, "tims": 2}, "tims"),
        ({"operations": ["LxSessionsController_frame"]}, "respond, latency or fault"),
        ([1], "a rule is a JSON object"),
        ({**FRAME_RULE, "namespace": "qa\n"}, "namespace"),  # `$` matched before the newline
    ],
)
def test_bad_rules_are_refused_with_where_and_why(
    http: httpx.Client, rule: Any, words: str
) -> None:
    response = http.post("/__mock/rules", json=rule)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "MOCK_BAD_RULE" and words in body["message"]


def test_deleting_an_unknown_rule_says_so(http: httpx.Client) -> None:
    response = http.delete("/__mock/rules/rule-0")
    assert response.status_code == 422 and response.json()["code"] == "MOCK_UNKNOWN_RULE"
