"""`mockserver contract`: passes a correct implementation, names the check each broken one fails,
chains the session lifecycle, reports failures people can act on, and keeps tool errors apart."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import schemathesis

from mockserver import spec
from mockserver.cli import main
from mockserver.contract import (
    ContractOptions,
    ContractResult,
    ToolError,
    contract_schema,
    load_profile,
    render,
    run,
)
from mockserver.contract.checks import documented_codes, error_problems
from mockserver.contract.profile import MoreExpected
from mockserver.contract.report import curl_command
from mockserver.contract.runner import select_operations, target_base_url
from mockserver.contract.writers import parse_report
from mockserver.settings import DEFAULT_SPEC
from tests.broken import reference
from tests.broken.reference import CONSUMER_KEY, OPERATIONS, OPERATOR_KEY
from tests.broken.variants import BROKEN
from tests.conftest import LiveServer, free_port

BOTH_KEYS = {"consumer": CONSUMER_KEY, "operator": OPERATOR_KEY}


def contract(app: Any, operations: Sequence[str] = OPERATIONS, **options: Any) -> ContractResult:
    """A bounded, seeded run against an ASGI app called in-process."""
    settings: dict[str, Any] = {"seed": 3, "max_examples": 5, "tokens": BOTH_KEYS, **options}
    return run(
        ContractOptions(base_url="http://testserver", app=app, operations=operations, **settings)
    )


def test_reference_implementation_passes_every_check() -> None:
    result = contract(reference.create_app())

    assert result.passed, render(result)
    assert not result.errors, render(result)
    assert len(result.operations) == len(OPERATIONS)
    assert result.requests > len(OPERATIONS)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_implementation_is_named_by_its_check(name: str) -> None:
    variant = BROKEN[name]

    result = contract(variant.app(), operations=[variant.operation])

    assert variant.check in result.failed_checks, render(result)
    finding = next(f for f in result.findings if f.check == variant.check)
    assert finding.operation_id == variant.operation
    assert finding.curl and finding.curl[-1].startswith("curl -X ")


def test_session_lifecycle_runs_as_linked_calls_through_settlement() -> None:
    app = reference.create_app()

    assert contract(app, max_examples=10).passed
    store: reference.Store = app.state.store

    states_by_session: dict[str, list[str]] = {}
    for session_id, state in store.transitions:
        states_by_session.setdefault(session_id, []).append(state)
    assert ["REQUESTED", "ASSIGNED", "LIVE", "ENDED"] in states_by_session.values()
    assert "PENDING" in store.settlements  # read after /end, through the end → settlement link


def test_operator_only_steps_are_reached_only_with_the_operator_key() -> None:
    app = reference.create_app()

    result = contract(app, tokens={"consumer": CONSUMER_KEY})

    assert result.passed, render(result)  # 403 NOT_OPERATOR is documented
    assert all(state in ("REQUESTED", "CANCELLED") for _, state in app.state.store.transitions)


def test_failure_report_says_what_was_expected_what_came_back_and_how_to_reproduce() -> None:
    result = contract(
        BROKEN["missing required field"].app(), operations=["LxHealthController_check"]
    )

    text = render(result)

    assert "FAILED GET /api/v1/health [LxHealthController_check]" in text
    assert "check:     response_schema_conformance: Response violates schema" in text
    assert '"buildSha" is a required property' in text
    assert "received:  HTTP 200 application/json" in text
    assert (
        'curl -X GET -H "Authorization: Bearer ${LUXXON_TOKEN}" http://testserver/api/v1/health'
        in text
    )
    assert CONSUMER_KEY not in text
    assert text.splitlines()[-1].startswith("contract http://testserver: 1 operation, ")


def test_curl_line_quotes_the_body_keeps_exact_bytes_sends_empty_headers_and_hides_keys() -> None:
    line = curl_command(
        "POST",
        "http://h/api/v1/sessions?x=1",
        {"Authorization": "Bearer k3y", "X-Empty": "", "User-Agent": "python"},
        b'{"name": "it\'s"}',
        {"k3y": "LUXXON_TOKEN"},
    )

    assert line == (
        "curl -X POST -H \"Authorization: Bearer ${LUXXON_TOKEN}\" -H 'X-Empty;' "
        "--data-raw '{\"name\": \"it'\"'\"'s\"}' 'http://h/api/v1/sessions?x=1'"
    )
    binary = curl_command("PATCH", "http://h/x", {}, b"\xe9{'}\n", {})
    assert (
        binary == "curl -X PATCH --data-raw $'\\xe9{\\x27}\\x0a' http://h/x"
    )  # exact bytes, one line


def test_error_rules_want_the_envelope_with_a_documented_code() -> None:
    document = spec.load(DEFAULT_SPEC).document
    frame = spec.load(DEFAULT_SPEC).operations["LxSessionsController_frame"].raw
    codes = documented_codes(document, frame, 404)

    assert codes == {"SESSION_NOT_FOUND", "FRAME_NOT_AVAILABLE"}
    good = b'{"statusCode":404,"code":"FRAME_NOT_AVAILABLE","message":"m","timestamp":"t"}'
    assert error_problems(good, 404, codes) == []
    assert error_problems(b'{"statusCode":400,"code":"NOPE","message":"m"}', 404, codes) == [
        "`timestamp` is missing",
        "`statusCode` is 400, but the HTTP status is 404",
        "`code` is 'NOPE', not one documented for 404: FRAME_NOT_AVAILABLE, SESSION_NOT_FOUND",
    ]
    assert error_problems(b"Not Found", 404, codes) == [
        "the body is not JSON, expected a JSON object"
    ]


def test_envelope_rules_act_only_where_the_profile_names_the_envelopes() -> None:
    # Schemathesis registers checks for the whole process; a run without the marker is untouched.
    without = replace(load_profile(), envelopes={})
    variant = BROKEN["undocumented error code"]

    result = contract(variant.app(), operations=[variant.operation], profile=without)

    assert result.passed, render(result)


def test_base_url_that_repeats_the_spec_prefix_is_not_doubled() -> None:
    loaded = spec.load(DEFAULT_SPEC)

    assert target_base_url("http://127.0.0.1:4010/api/v1/", loaded) == "http://127.0.0.1:4010"
    assert target_base_url("http://gw:80/luxxon/api/v1", loaded) == "http://gw:80/luxxon"
    assert target_base_url("http://127.0.0.1:4010", loaded) == "http://127.0.0.1:4010"
    with pytest.raises(ToolError, match="not an http"):
        target_base_url("127.0.0.1:4010", loaded)


def test_operations_are_chosen_by_operation_id_or_tag() -> None:
    loaded = spec.load(DEFAULT_SPEC)

    chosen = select_operations(loaded, ["LxHealthController_check", "settlements"])

    assert chosen == ["LxHealthController_check", "LxSettlementController_get"]
    with pytest.raises(ToolError, match="'Nope' is neither an operationId nor a tag"):
        select_operations(loaded, ["Nope"])


def test_profile_names_only_operations_and_schemas_the_spec_has() -> None:
    profile, loaded = load_profile(), spec.load(DEFAULT_SPEC)
    named = {op for link in profile.links for op in (link.source, link.target)}
    named |= {op for ops in profile.roles.values() for op in ops}
    named |= {op for off in profile.checks_off for op in off.operations}
    named |= {op for more in profile.more_expected for op in more.operations}

    document, links = profile.apply(loaded.document)

    assert named <= set(loaded.operations)
    assert links == len(profile.links)  # every session and workspace/API-key link lands
    assert document["x-mockserver-envelopes"] == profile.envelopes
    assert "x-mockserver-envelopes" not in loaded.document  # the spec itself is untouched


def test_keys_go_to_roles_by_prefix_and_a_bare_key_is_the_consumer() -> None:
    profile = load_profile()

    assert profile.parse_tokens(["k1", "operator=k=2"]) == {"consumer": "k1", "operator": "k=2"}
    with pytest.raises(ToolError, match="two tokens for role 'consumer'"):
        profile.parse_tokens(["k1", "consumer=k2"])


def test_unreachable_url_is_a_tool_error_not_a_contract_failure() -> None:
    with pytest.raises(ToolError, match=r"cannot reach http://127\.0\.0\.1:\d+"):
        run(ContractOptions(base_url=f"http://127.0.0.1:{free_port()}"))


def test_unusable_spec_is_a_tool_error(tmp_path: Path) -> None:
    bad = tmp_path / "openapi.json"
    bad.write_text('{"swagger": "2.0"}', encoding="utf-8")

    with pytest.raises(ToolError, match=r"not an OpenAPI 3\.x document"):
        run(
            ContractOptions(base_url="http://testserver", app=reference.create_app(), spec_path=bad)
        )


def test_traffic_reports_record_requests_without_keys(tmp_path: Path) -> None:
    har = tmp_path / "traffic.har"

    contract(
        reference.create_app(),
        operations=["LxHealthController_check"],
        reports=[parse_report(f"har:{har}")],
    )

    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    assert any(entry["request"]["url"].endswith("/api/v1/health") for entry in entries)
    assert CONSUMER_KEY not in har.read_text(encoding="utf-8")


def cli(*args: str) -> int:
    return main(["contract", "--seed", "5", "--max-examples", "3", *args])


def test_cli_passes_a_correct_server_and_writes_junit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "reports" / "contract.xml"
    with LiveServer(reference.create_app()) as server:
        code = cli(
            "--base-url",
            server.url,
            "--token",
            CONSUMER_KEY,
            "--token",
            f"operator={OPERATOR_KEY}",
            "--operations",
            ",".join(OPERATIONS),
            "--report",
            f"junit:{junit}",
        )

    out = capsys.readouterr().out
    assert code == 0, out
    assert out.strip().splitlines()[-1].endswith("passed: 0 failures")
    suite = ElementTree.parse(junit).getroot()
    cases = suite.findall("testsuite/testcase")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == (
        str(len(cases)),
        "0",
        "0",
    )
    assert len({case.get("classname") for case in cases}) == len(OPERATIONS)  # one per check each


def test_cli_exits_1_and_names_the_check_for_a_broken_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "contract.json"
    with LiveServer(BROKEN["error body outside the envelope"].app()) as server:
        code = cli(
            "--base-url",
            server.url + "/api/v1",
            "--token",
            CONSUMER_KEY,
            "--operations",
            "LxSessionsController_get",
            "--report",
            f"json:{report}",
        )

    out = capsys.readouterr().out
    assert code == 1
    assert "check:     error_envelope: Error body outside the error envelope" in out
    assert (
        f'curl -X GET -H "Authorization: Bearer ${{LUXXON_TOKEN}}" {server.url}/api/v1/sessions/'
        in out
    )
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert saved["passed"] is False and "error_envelope" in saved["failed_checks"]


def test_cli_reports_a_tool_error_in_one_line_with_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = cli("--base-url", f"http://127.0.0.1:{free_port()}")

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("mockserver contract: error: cannot reach http://127.0.0.1:")
    assert len(err.strip().splitlines()) == 1


def test_cli_reads_keys_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LUXXON_TOKEN", CONSUMER_KEY)
    monkeypatch.setenv("LUXXON_OPERATOR_TOKEN", OPERATOR_KEY)
    app = reference.create_app()
    with LiveServer(app) as server:
        code = cli("--base-url", server.url, "--operations", ",".join(OPERATIONS))

    assert code == 0, capsys.readouterr().out
    assert any(state == "LIVE" for _, state in app.state.store.transitions)  # operator key used


def test_profile_adds_documented_answers_to_a_checks_expected_statuses() -> None:
    schema = contract_schema(
        ContractOptions(base_url="http://testserver", app=reference.create_app())
    )
    dispatch = schema["/api/v1/sessions/{id}/dispatch"]["POST"]
    health = schema["/api/v1/health"]["GET"]

    def expected(operation: Any, check: str) -> list[str]:
        checks = schema.config.checks_config_for(operation=operation, phase="fuzzing")
        return list(getattr(checks, check).expected_statuses)

    assert "503" in expected(dispatch, "not_a_server_error")  # NO_COVERAGE, UNAVAILABLE
    assert "503" not in expected(health, "not_a_server_error")
    assert "400" not in expected(dispatch, "positive_data_acceptance")


def test_extra_statuses_for_a_check_without_a_status_list_are_a_tool_error() -> None:
    odd = MoreExpected("status_code_conformance", ("LxHealthController_check",), ("400",), "why")
    profile = replace(load_profile(), more_expected=(odd,))

    with pytest.raises(ToolError, match="'status_code_conformance' is not a check with expected"):
        contract(reference.create_app(), profile=profile)


def test_generated_headers_leave_http_framing_to_the_client() -> None:
    # A negative case may carry undeclared headers; a junk Content-Length is answered by the
    # server's HTTP parser (uvicorn: 400 text/plain), never by the API under test.
    schema = contract_schema(
        ContractOptions(base_url="http://testserver", app=reference.create_app())
    )
    keep = schema.hooks.get_all_by_name("filter_headers")
    ctx = schemathesis.HookContext(operation=schema["/api/v1/sessions/{id}"]["DELETE"])

    assert [hook(ctx, {"Content-Length": "3ql("}) for hook in keep] == [False]
    assert [hook(ctx, {"Transfer-Encoding": "x", "X-A": "1"}) for hook in keep] == [False]
    assert [hook(ctx, {"x-lx-consistency-token": "M", "X-Other": ""}) for hook in keep] == [True]
    assert [hook(ctx, None) for hook in keep] == [True]


# Two seeds, 5 examples per operation: about 5 s each. Other seeds and larger runs pass too (see
# docs/contract.md); a failure here prints the contract report with a curl line per finding.
@pytest.mark.parametrize("seed", [7, 11])
def test_mock_passes_its_own_contract(seed: int) -> None:
    from mockserver.app import create_app
    from mockserver.settings import Settings

    result = run(
        ContractOptions(
            base_url="http://testserver",
            app=create_app(Settings(seed=7)),
            seed=seed,
            max_examples=5,
            tokens=BOTH_KEYS,
        )
    )

    assert result.passed, render(result)
    assert not result.errors, render(result)
    assert len(result.operations) == len(spec.load(DEFAULT_SPEC).operations)


def test_a_run_in_its_own_namespace_leaves_the_shared_world_alone() -> None:
    import httpx

    from mockserver.app import create_app
    from mockserver.settings import Settings
    from tests.conftest import LiveServer

    live = "/api/v1/sessions/b1e2f3a4-5b6c-7d8e-9f0a-1b2c3d4e5f6a"
    with LiveServer(create_app(Settings())) as server:
        result = run(
            ContractOptions(
                base_url=server.url,
                seed=3,
                max_examples=3,
                tokens=BOTH_KEYS,
                operations=["Sessions"],
                headers={"X-Mock-Namespace": "ci-job-1"},
            )
        )
        assert result.passed, render(result)
        worlds = server.app.worlds
        assert "ci-job-1" in worlds.namespaces()
        shared = httpx.get(server.url + live, headers={"Authorization": f"Bearer {CONSUMER_KEY}"})
        assert shared.json()["data"]["state"] == "LIVE"
        assert len(worlds.get("default").store.sessions) < len(
            worlds.get("ci-job-1").store.sessions
        )


def test_header_option_needs_a_name_and_a_colon(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["contract", "--base-url", "http://127.0.0.1:9", "--header", "no-colon"])
    assert code == 2
    assert "write it as 'Name: value'" in capsys.readouterr().err
