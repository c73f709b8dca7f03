"""The request journal: bounded rings per namespace, filters and counts, redaction, near-misses."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest

from mockserver.journal import BODY_LIMIT, Filter, FilterError, Journal, Redaction
from mockserver.nearmiss import NearMisses
from mockserver.settings import DEFAULT_SPEC
from mockserver.spec import load

SPEC = load(DEFAULT_SPEC)
OPERATIONS = [(op.method, op.path, op.operation_id) for op in SPEC.operations.values()]
TOKEN = "/api/v1/sessions/s1/producer-token"


def record(journal: Journal, ns: str = "default", **kwargs: Any) -> Any:
    fields: dict[str, Any] = {
        "method": "POST",
        "path": TOKEN,
        "status": 200,
        "decided_by": "world",
        "operation_id": "LxSessionsController_producerToken",
    }
    fields.update(kwargs)
    return journal.record(ns, **fields)


def test_entries_are_newest_first_and_the_ring_keeps_the_last_n() -> None:
    journal = Journal(size=3)
    ids = [record(journal, status=200 + i).id for i in range(5)]
    assert [e.id for e in journal.find("default")] == ids[:1:-1]


def test_namespaces_keep_their_own_journal() -> None:
    journal = Journal()
    record(journal, "team-a")
    record(journal, "team-b")
    record(journal, "team-b")
    assert journal.count("team-a", Filter()) == 1
    assert journal.count("team-b", Filter()) == 2
    assert journal.count("*", Filter()) == 3
    assert journal.clear("team-b") == 2
    assert journal.count("*", Filter()) == 1


def test_count_verifies_calls_by_operation_as_wiremock_verify() -> None:
    journal = Journal()
    for _ in range(3):
        record(journal)
    record(journal, method="GET", path="/api/v1/sessions", operation_id="LxSessionsController_list")
    wanted = Filter.parse({"operation": "LxSessionsController_producerToken"})
    assert journal.count("default", wanted) == 3


def test_filters_by_method_status_class_path_glob_and_since() -> None:
    journal = Journal()
    first = record(journal, status=201)
    record(journal, status=404, method="GET", path="/api/v1/sessions/s2")
    record(journal, status=409, path="/api/v1/sessions/s3/accept")

    def ids(**raw: Any) -> list[int]:
        return [e.id for e in journal.find("default", Filter.parse(raw))]

    assert len(ids(status="4xx")) == 2
    assert len(ids(status=404)) == 1
    assert len(ids(method="get")) == 1
    assert len(ids(path="/api/v1/sessions/*")) == 3
    assert len(ids(path="/api/v1/sessions/*/accept")) == 1
    assert ids(path="/api/v1/sessions") == []  # exact unless it has a '*'
    assert first.id not in ids(since=first.id)
    assert len(ids(since=str(first.id))) == 2
    assert len(ids(limit=1)) == 1


def test_since_a_time_keeps_entries_at_or_after_it() -> None:
    journal = Journal()
    an_hour_ago = time.time() - 3600
    with mock.patch("mockserver.journal.time.time", return_value=an_hour_ago):
        record(journal)
    record(journal)
    assert journal.count("default", Filter.parse({"since": "2000-01-01T00:00:00Z"})) == 2
    recent = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    assert journal.count("default", Filter.parse({"since": recent})) == 1


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"status": "teapot"}, "status"),
        ({"status": 99}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"since": "yesterday"}, "since"),
        ({"operation": 5}, "operation"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_name_the_key_and_the_reason(raw: dict[str, Any], key: str) -> None:
    with pytest.raises(FilterError) as caught:
        Filter.parse(raw)
    assert caught.value.key == key and caught.value.reason


def test_the_mocks_own_query_words_are_not_filters() -> None:
    assert Filter.parse({"__namespace": "qa", "operation": "x"}).operation == "x"


def test_get_by_id_and_render_shows_what_was_sent_and_answered() -> None:
    journal = Journal()
    entry = record(
        journal,
        query=b"verbose=true",
        headers=[(b"content-type", b"application/json"), (b"x-team", b"qa")],
        body=b'{"workspaceId": "w1"}',
        response_body=b'{"statusCode":200,"data":{"token":"t"}}',
        duration_ms=1.23456,
        world_time=0.0,
        revision=7,
        marks={"rule": "r1", "fault": "connection-reset", "afterCommit": True},
    )
    shown = journal.render(journal.get("default", entry.id) or pytest.fail("not found"))
    assert shown["operationId"] == "LxSessionsController_producerToken"
    assert shown["decidedBy"] == "world"
    assert shown["worldRevision"] == 7
    assert shown["worldTime"] == "1970-01-01T00:00:00.000Z"
    assert shown["durationMs"] == 1.235
    assert shown["request"]["query"] == {"verbose": "true"}
    assert shown["request"]["headers"]["x-team"] == "qa"
    assert shown["request"]["json"] == {"workspaceId": "w1"}
    assert shown["response"] == {
        "status": 200,
        "json": {"statusCode": 200, "data": {"token": "t"}},
        "bodyTruncated": False,
    }
    assert (shown["rule"], shown["fault"], shown["afterCommit"]) == ("r1", "connection-reset", True)
    assert journal.get("default", 10**9) is None
    assert journal.get("other", entry.id) is None


def test_bodies_are_cut_at_16_kb_and_say_so() -> None:
    journal = Journal()
    big = b"a" * (BODY_LIMIT * 2)
    shown = journal.render(record(journal, body=big, response_body=b"\xff\xfe" * 10))
    assert len(shown["request"]["body"]) == BODY_LIMIT and shown["request"]["bodyTruncated"]
    assert shown["response"]["bodyBase64"] == "//7//v/+//7//v/+//7//v/+//4="  # not UTF-8
    exact = journal.render(record(journal, body=b"b" * BODY_LIMIT))
    assert not exact["request"]["bodyTruncated"]


def test_a_parsed_body_is_serialized_only_when_read() -> None:
    journal = Journal()
    shown = journal.render(record(journal, body={"amount": 5}))
    assert shown["request"]["json"] == {"amount": 5}


def test_credentials_are_cut_to_their_first_8_characters() -> None:
    document = {
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
                "q": {"type": "apiKey", "in": "query", "name": "api_key"},
            }
        }
    }
    journal = Journal(redaction=Redaction.from_spec(document))
    entry = record(
        journal,
        query=b"api_key=secret-query-value&page=2",
        headers=[
            (b"authorization", b"Bearer lxxn_test_9d4b6c_operatordemo"),
            (b"cookie", b"lx_session=abcdefghijklmnop; theme=dark"),
            (b"x-api-key", b"0123456789abcdef"),
            (b"x-mock-admin-token", b"admin-token-123456"),
            (b"x-team", b"qa-team-with-long-name"),
        ],
    )
    shown = journal.render(entry)["request"]
    assert shown["headers"]["authorization"] == "Bearer lxxn_tes…"
    assert shown["headers"]["cookie"] == "lx_session=abcdefgh…; theme=dark"
    assert shown["headers"]["x-api-key"] == "01234567…"
    assert shown["headers"]["x-mock-admin-token"] == "admin-to…"
    assert shown["headers"]["x-team"] == "qa-team-with-long-name"
    assert shown["query"] == {"api_key": "secret-q…", "page": "2"}


def test_unmatched_requests_list_the_three_nearest_operations() -> None:
    journal = Journal(near_misses=NearMisses(OPERATIONS))
    entry = record(
        journal,
        method="GET",
        path="/api/v1/sesions",
        status=404,
        decided_by="route",
        operation_id=None,
    )
    misses = journal.render(entry)["nearMisses"]
    assert len(misses) == 3
    assert misses[0] == {
        "operationId": "LxSessionsController_list",
        "method": "GET",
        "path": "/api/v1/sessions",
        "distance": 0.07,
    }
    assert "nearMisses" not in journal.render(record(journal))


def test_near_misses_treat_templated_segments_as_anything_and_weigh_the_method() -> None:
    near = NearMisses(OPERATIONS)
    wrong_method = near.nearest("DELETE", "/api/v1/sessions/abc/frame")
    assert {(m["operationId"], m["distance"]) for m in wrong_method[:2]} == {
        ("LxSessionsController_cancel", 1.0),  # right method, one segment too many
        ("LxSessionsController_frame", 1.0),  # right path, wrong method
    }
    exact = near.nearest("GET", "/api/v1/sessions/abc/frame")[0]
    assert (exact["operationId"], exact["distance"]) == ("LxSessionsController_frame", 0.0)


def test_a_journal_of_size_zero_is_off() -> None:
    journal = Journal(size=0)
    assert record(journal) is None
    assert journal.find("default") == []


def test_namespaces_are_capped_and_default_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("mockserver.journal.MAX_NAMESPACES", 3)
    journal = Journal()
    for ns in ("default", "a", "b", "c", "d"):
        record(journal, ns)
    assert journal.count("default", Filter()) == 1
    assert journal.count("a", Filter()) == 0
    assert journal.count("*", Filter()) == 3


def test_a_text_body_shows_as_text_and_empty_as_none() -> None:
    journal = Journal()
    shown = journal.render(record(journal, body=b"name=x&y=2", response_body=b""))
    assert shown["request"] == {**shown["request"], "body": "name=x&y=2", "bodyTruncated": False}
    assert shown["response"] == {"status": 200, "body": None}
