"""What a contract run tells a CI engineer: counts per check and operation, JUnit a dashboard can
read, curl lines that hide keys without touching anything else, and answers a run accepts."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any
from xml.etree import ElementTree

import pytest

from mockserver.cli import main
from mockserver.contract import ContractOptions, ContractResult, load_profile, render, run
from mockserver.contract.allowance import Allowance, active_scenario, widen
from mockserver.contract.report import curl_command
from mockserver.contract.writers import junit_xml, result_json
from tests.broken import reference
from tests.broken.reference import CONSUMER_KEY, OPERATOR_KEY
from tests.broken.variants import BROKEN, OUTAGE
from tests.conftest import LiveServer

BOTH_KEYS = {"consumer": CONSUMER_KEY, "operator": OPERATOR_KEY}
BARE_ERROR = BROKEN["error body outside the envelope"]
QUOTE = "a1b2c3d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d"


def contract(app: Any, operations: list[str], **options: Any) -> ContractResult:
    settings: dict[str, Any] = {"seed": 3, "max_examples": 5, "tokens": BOTH_KEYS, **options}
    return run(
        ContractOptions(base_url="http://testserver", app=app, operations=operations, **settings)
    )


def outside_authorization(line: str) -> list[str]:
    """The words of a curl line, with the value of each `Authorization` header left out."""
    words = shlex.split(line, posix=False)
    return [
        word
        for i, word in enumerate(words)
        if not (
            i and words[i - 1] == "-H" and word.strip("\"'").lower().startswith("authorization:")
        )
    ]


def test_a_short_key_is_named_only_in_the_authorization_header_and_the_body_stays_exact() -> None:
    body = f'{{"quoteId": "{QUOTE}", "note": "a1"}}'.encode()

    line = curl_command(
        "POST",
        "http://h/api/v1/sessions?ref=a1",
        {"Authorization": "Bearer a1", "X-Trace": "a1-b"},
        body,
        {"a1": "LUXXON_TOKEN"},
    )

    assert '-H "Authorization: Bearer ${LUXXON_TOKEN}"' in line
    rest = outside_authorization(line)
    assert not any("LUXXON_TOKEN" in word for word in rest)
    assert shlex.split(line)[-3:] == [
        "--data-raw",
        body.decode(),
        "http://h/api/v1/sessions?ref=a1",
    ]
    assert "-H 'X-Trace: a1-b'" in line


def test_an_authorization_header_with_another_key_is_shown_as_sent() -> None:
    line = curl_command("GET", "http://h/x", {"Authorization": "Bearer nope"}, None, {"k": "T"})

    assert line == "curl -X GET -H 'Authorization: Bearer nope' http://h/x"


# "a1" is the short key; "max" occurs in every session body ("maxDurationSeconds").
@pytest.mark.parametrize("key", ["a1", "max"])
def test_cli_with_a_short_key_names_it_only_in_authorization_and_says_how_to_set_it(
    key: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(reference.CALLERS, key, "consumer")
    wrong_type = BROKEN["wrong type"]
    with LiveServer(wrong_type.app()) as server:
        code = main(
            [
                "contract",
                "--base-url",
                server.url,
                "--seed",
                "5",
                "--max-examples",
                "5",
                "--token",
                key,
                "--operations",
                wrong_type.operation,
            ]
        )

    out = capsys.readouterr().out
    assert code == 1, out
    curls = re.findall(r"curl -X .*", out)
    bodies = [shlex.split(line)[shlex.split(line).index("--data-raw") + 1] for line in curls]
    assert bodies and all(json.loads(body) for body in bodies)  # intact JSON
    assert all('-H "Authorization: Bearer ${LUXXON_TOKEN}"' in line for line in curls)
    for line in curls:
        assert not [word for word in outside_authorization(line) if "LUXXON_TOKEN" in word], line
        assert f"Bearer {key}" not in line
    if key == "max":
        assert all('"maxDurationSeconds"' in body for body in bodies)
    assert "export LUXXON_TOKEN=<consumer key>" in out


@pytest.fixture(scope="module")
def bare_error_run() -> ContractResult:
    """One run on an app whose GET /sessions/{id} errors outside the envelope, and on health."""
    return contract(BARE_ERROR.app(), ["LxHealthController_check", BARE_ERROR.operation])


def test_end_of_run_counts_every_check_and_every_operation(bare_error_run: ContractResult) -> None:
    result = bare_error_run

    text = render(result)

    checks, operations = text.split("\n\nchecks")[1].split("\noperations")
    assert re.search(r"\n  error_envelope +\d+ +[1-9]\d*\n", checks + "\n"), checks
    assert re.search(r"\n  not_a_server_error +\d+ +0\n", checks), checks
    health = re.search(r"\n  GET /api/v1/health +(\d+)  -", operations)
    assert health and int(health.group(1)) == result.requests_by_operation["GET /api/v1/health"]
    assert re.search(
        r"\n  GET /api/v1/sessions/\{id\} +\d+  .*error_envelope \(\d+ of \d+\)", operations
    )
    assert sum(result.requests_by_operation.values()) == result.requests
    counts = {(c["operation"], c["check"]): c for c in result_json(result)["counts"]}
    assert counts[("GET /api/v1/sessions/{id}", "error_envelope")]["failed"] > 0
    assert text.splitlines()[-1].startswith("contract http://testserver: 2 operations")


def test_junit_has_a_timed_case_per_operation_and_check_and_counts_its_failure_elements(
    bare_error_run: ContractResult,
) -> None:
    result = bare_error_run

    root = ElementTree.fromstring(junit_xml(result))
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = suite.findall("testcase/failure")

    assert int(suite.get("failures", "")) == len(failures) == int(root.get("failures", "")) > 0
    assert int(suite.get("tests", "")) == len(cases)
    pairs = [(case.get("classname"), case.get("name")) for case in cases]
    assert len(pairs) == len(set(pairs)) == len(result.tallies)
    assert all(float(case.get("time", "")) >= 0 for case in cases)
    assert sum(float(case.get("time", "")) for case in cases) > 0
    failed = {
        (case.get("classname"), case.get("name"))
        for case in cases
        if case.find("failure") is not None
    }
    assert failed == {(f.operation, f.check) for f in result.findings}
    assert ("GET /api/v1/sessions/{id}", "error_envelope") in failed


def test_accept_status_turns_a_documented_outage_answer_from_a_failure_into_an_answer() -> None:
    refused = contract(OUTAGE.app(), [OUTAGE.operation])
    accepted = contract(OUTAGE.app(), [OUTAGE.operation], accept_statuses=["503"])

    assert OUTAGE.check in refused.failed_checks, render(refused)
    assert accepted.passed, render(accepted)
    assert accepted.accepted_by_operation["POST /api/v1/sessions/{id}/start"] > 0
    assert "accepted: 503 from every operation (--accept-status)" in render(accepted)


def test_accepted_statuses_join_each_status_check_once_per_operation() -> None:
    profile = load_profile()
    allowance = Allowance(
        everywhere=("502",), by_operation={"LxSessionsController_dispatch": ("503",)}
    )

    widened = widen(
        profile, allowance, ["LxSessionsController_dispatch", "LxHealthController_check"]
    )

    entries = [
        (more.check, op, more.statuses)
        for more in widened.more_expected
        for op in more.operations
        if op in ("LxSessionsController_dispatch", "LxHealthController_check")
    ]
    assert len({(check, op) for check, op, _ in entries}) == len(entries)  # one per check and op
    statuses = {(check, op): s for check, op, s in entries}
    assert statuses[("not_a_server_error", "LxSessionsController_dispatch")] == ("503", "502")
    assert statuses[("positive_data_acceptance", "LxHealthController_check")] == ("502",)


def test_a_status_that_is_not_one_is_a_tool_error_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["contract", "--base-url", "http://127.0.0.1:9", "--accept-status", "5xx"])

    assert code == 2
    assert capsys.readouterr().err == (
        "mockserver contract: error: --accept-status '5xx': expected an HTTP status such as 503\n"
    )


def test_a_server_that_is_not_the_mock_has_no_active_scenario() -> None:
    with LiveServer(reference.create_app()) as server:
        assert active_scenario(server.url, {}, 5.0) is None


def test_against_the_mock_its_active_scenario_statuses_are_accepted() -> None:
    from mockserver.app import create_app
    from mockserver.settings import Settings

    video = [
        "LxSessionsController_start",
        "LxSessionsController_viewerToken",
        "LxSessionsController_producerToken",
    ]
    options: dict[str, Any] = {
        "seed": 3,
        "max_examples": 3,
        "tokens": BOTH_KEYS,
        "operations": video,
    }
    app = create_app(Settings(scenario="video-outage", seed=7))
    refused = run(ContractOptions(base_url="http://testserver", app=app, **options))
    with LiveServer(app) as server:
        result = run(
            ContractOptions(
                base_url=server.url, headers={"X-Mock-Namespace": "report-outage"}, **options
            )
        )

    assert not refused.passed  # in-process there is no mock to ask, so nothing is accepted
    assert result.passed, render(result)
    assert "scenario 'video-outage' is active on the mock" in result.accepting
    assert result.accepted_by_operation["POST /api/v1/sessions/{id}/start"] > 0
