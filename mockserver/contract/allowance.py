"""Statuses a contract run accepts as answers, besides what the checks expect by default.

Two sources: `--accept-status 503` (every operation), and, when the target is this mock, the
scenario active for the run's namespace (`GET /__mock` names it; an `X-Mock-Scenario` header the
run sends wins): each of its rules makes named operations answer a status they document, which
is then an answer, not a failure. The statuses widen the expected statuses of the checks that
judge a status alone; the checks that judge the body (schema, content type, envelope) and
`status_code_conformance` (is the status documented?) still apply to those answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from mockserver import scenarios as scenario_files
from mockserver import spec as spec_files
from mockserver.contract.errors import ToolError
from mockserver.contract.profile import MoreExpected, Profile

# Schemathesis's checks with an `expected-statuses` list: an accepted status joins each list.
STATUS_CHECKS = ("not_a_server_error", "positive_data_acceptance", "negative_data_rejection")


@dataclass(frozen=True)
class Allowance:
    everywhere: tuple[str, ...] = ()  # --accept-status
    scenario: str | None = None  # active on the mock for this run
    by_operation: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # from its rules
    note: str = ""  # why a scenario could not be read, if so

    def statuses(self, operation_id: str | None) -> tuple[str, ...]:
        extra = self.by_operation.get(operation_id or "", ())
        return tuple(dict.fromkeys([*self.everywhere, *extra]))

    def describe(self) -> str:
        parts = []
        if self.everywhere:
            parts.append(f"{', '.join(self.everywhere)} from every operation (--accept-status)")
        if self.by_operation:
            ops = "; ".join(
                f"{op} {', '.join(statuses)}" for op, statuses in sorted(self.by_operation.items())
            )
            parts.append(f"scenario {self.scenario!r} is active on the mock: {ops}")
        return "; ".join([*parts, self.note] if self.note else parts)


def parse_status(value: str) -> str:
    if not value.isdigit() or not 100 <= int(value) <= 599:
        raise ToolError(f"--accept-status {value!r}: expected an HTTP status such as 503")
    return value


def widen(profile: Profile, allowance: Allowance, operation_ids: Iterable[str]) -> Profile:
    """The profile with each accepted status added to the status checks of its operations; an
    operation keeps one entry per check (schemathesis uses the first that matches)."""
    extra: dict[tuple[str, str], tuple[str, ...]] = {
        (check, op): allowance.statuses(op)
        for op in operation_ids
        if allowance.statuses(op)
        for check in STATUS_CHECKS
    }
    if not extra:
        return profile
    kept: list[MoreExpected] = []
    for more in profile.more_expected:
        for op in more.operations:
            if (more.check, op) in extra:
                extra[(more.check, op)] = (*more.statuses, *extra[(more.check, op)])
        rest = tuple(op for op in more.operations if (more.check, op) not in extra)
        if rest:
            kept.append(replace(more, operations=rest))
    kept += [
        MoreExpected(check, (op,), tuple(dict.fromkeys(statuses)), "accepted for this run")
        for (check, op), statuses in extra.items()
    ]
    return replace(profile, more_expected=tuple(kept))


def allowance_for(
    base_url: str,
    headers: Mapping[str, str],
    everywhere: tuple[str, ...],
    spec: spec_files.Spec,
    scenarios_dir: Path | None,
    timeout: float,
) -> Allowance:
    """What this run accepts: the given statuses, plus the mock's active scenario's, if any."""
    sent = {name.lower(): value for name, value in headers.items()}
    name = sent.get("x-mock-scenario") or active_scenario(base_url, sent, timeout)
    if not name:
        return Allowance(everywhere)
    try:
        loaded = scenario_files.load_dir(scenarios_dir, spec)
    except scenario_files.ScenarioError as exc:
        raise ToolError(str(exc)) from None
    if name not in loaded:
        where = scenarios_dir or "no scenarios folder"
        note = f"scenario {name!r} is active on the mock but not in {where}; give --scenarios"
        return Allowance(everywhere, name, note=note)
    by_operation: dict[str, tuple[str, ...]] = {}
    for rule in loaded[name].rules:
        for op in sorted(rule.operation_ids):
            by_operation[op] = tuple(dict.fromkeys([*by_operation.get(op, ()), str(rule.status)]))
    return Allowance(everywhere, name, by_operation)


def active_scenario(base_url: str, headers: Mapping[str, str], timeout: float) -> str | None:
    """The scenario the mock applies to this run's namespace; None for anything that is not
    this mock (no `/__mock`) or a mock without one."""
    namespace = headers.get("x-mock-namespace", "default")
    probe = {"X-Mock-Namespace": namespace} if "x-mock-namespace" in headers else {}
    try:
        response = httpx.get(base_url + "/__mock", headers=probe, timeout=min(timeout, 5.0))
        active = response.json()["data"]["activeScenarios"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(active, dict):
        return None
    found = active.get(namespace) or active.get("*")
    return found if isinstance(found, str) else None
