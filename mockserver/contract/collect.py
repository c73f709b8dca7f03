"""Schemathesis's engine events, read into a `ContractResult`: each failed check becomes a
`Finding` (with the curl lines that reproduce it), each check run is counted per operation, each
engine error becomes a `RunError`, and a fatal one stops the run as a `ToolError`."""

from __future__ import annotations

from collections.abc import Mapping

from schemathesis.engine import Status, events
from schemathesis.engine.recorder import CheckNode, ScenarioRecorder
from schemathesis.engine.run import PhaseName

from mockserver.contract.allowance import Allowance
from mockserver.contract.errors import ToolError
from mockserver.contract.report import (
    ContractResult,
    Finding,
    RunError,
    curl_command,
    excerpt,
    flatten,
)

# What a check wants when its failure message does not say.
EXPECTED = {"not_a_server_error": "a response below 500: the server must not fail on any input"}


def collect(
    event: events.EngineEvent,
    result: ContractResult,
    allowance: Allowance,
    secrets: Mapping[str, str],
) -> None:
    """Add what one engine event says to the result; a fatal error stops the run."""
    if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
        recorder = event.recorder
        _count(recorder, result, allowance)
        for case_id, nodes in recorder.checks.items():
            for node in nodes:
                if node.failure_info is not None:
                    result.add(_finding(recorder, case_id, node, event.phase, secrets))
    elif isinstance(event, events.NonFatalError):
        message = (event.info.message or str(event.value)).strip().splitlines() or [""]
        result.errors.append(RunError(event.label, f"{event.info.title}: {message[0]}"))
    elif isinstance(event, events.FatalError):
        raise ToolError(f"schemathesis stopped: {event.exception}")


def _count(recorder: ScenarioRecorder, result: ContractResult, allowance: Allowance) -> None:
    """Requests per operation (and how many got an accepted status); per operation and check,
    the responses judged, the ones failed and their response time."""
    result.requests += len(recorder.interactions)
    for case_id, interaction in recorder.interactions.items():
        if case_id not in recorder.cases:
            continue
        operation = recorder.cases[case_id].value.operation
        result.operations.add(operation.label)
        result.requests_by_operation[operation.label] += 1
        response = interaction.response
        accepted = allowance.statuses(operation.definition.raw.get("operationId"))
        if response is not None and str(response.status_code) in accepted:
            result.accepted_by_operation[operation.label] += 1
    for case_id, nodes in recorder.checks.items():
        if case_id in recorder.cases:
            label = recorder.cases[case_id].value.operation.label
            seconds = _response_time(recorder, case_id)
            for node in nodes:
                if node.status in (Status.SUCCESS, Status.FAILURE):
                    failed = node.status == Status.FAILURE
                    result.tally(label, node.name).add(failed=failed, seconds=seconds)


def _response_time(recorder: ScenarioRecorder, case_id: str) -> float:
    found = recorder.interactions.get(case_id)
    return found.response.elapsed if found is not None and found.response is not None else 0.0


def _finding(
    recorder: ScenarioRecorder,
    case_id: str,
    node: CheckNode,
    phase: PhaseName,
    secrets: Mapping[str, str],
) -> Finding:
    assert node.failure_info is not None
    failure = node.failure_info.failure
    failing_id = failure.case_id if failure.case_id in recorder.cases else case_id
    case = recorder.cases[failing_id].value
    if phase == PhaseName.STATEFUL_TESTING:
        chain = list(
            recorder.iter_chain_cases(
                case_id=failing_id, related_case_ids=failure.related_case_ids()
            )
        )
    else:
        chain = [case]
    interaction = recorder.interactions.get(failing_id)
    response = interaction.response if interaction is not None else None
    return Finding(  # named after the call that got the wrong answer
        operation=case.operation.label,
        operation_id=case.operation.definition.raw.get("operationId"),
        check=node.name,
        title=failure.title,
        expected=failure.message or EXPECTED.get(node.name, failure.title),
        status=None if response is None else response.status_code,
        content_type=None if response is None else _content_type(response.headers),
        body="" if response is None else excerpt(response.content),
        curl=tuple(
            _curl(recorder, step.id, secrets) for step in chain if step.id in recorder.interactions
        ),
        phase=phase.value,
        identity=f"{failure.code} {failure._unique_key}".strip(),
    )


def _content_type(headers: Mapping[str, list[str]]) -> str | None:
    values = headers.get("content-type")
    return values[0] if values else None


def _curl(recorder: ScenarioRecorder, case_id: str, secrets: Mapping[str, str]) -> str:
    request = recorder.interactions[case_id].request
    return curl_command(
        request.method, request.uri, flatten(request.headers), request.body, secrets
    )
