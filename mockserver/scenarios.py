"""Named scenarios from YAML: rules that, for matching requests, pick a documented response,
add latency, or break the connection (a network fault, possibly after the world applied the call).

Files are checked at start-up against `schemas/scenario.schema.json` and against the spec
(operations exist, statuses and examples are documented); a bad file stops start-up with
file, key path and reason. Runtime rules (`mockserver.rules`) are built by the same `build_rule`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mockserver import faults, files, latency
from mockserver.calls import Call
from mockserver.errors import ConfigError
from mockserver.settings import SCENARIO_SCHEMA
from mockserver.spec import Operation, Spec

SCHEMA_PATH = SCENARIO_SCHEMA


class ScenarioError(ConfigError):
    """A scenario file is unusable: `str()` is `file: key.path: reason`."""


@dataclass(frozen=True)
class Rule:
    operation_ids: frozenset[str]
    status: int | None  # None: the rule does not choose the answer (latency or fault only)
    examples: tuple[str, ...]  # preference order; empty = the first documented one
    body: Any
    has_body: bool
    headers: Mapping[str, str]
    match_path: Mapping[str, str]
    match_query: Mapping[str, str]
    match_headers: Mapping[str, str]
    latency: latency.Latency | None = None
    fault: faults.Fault | None = None
    after_commit: bool = False  # the world applies the call, then the fault breaks the reply
    match_body: tuple[tuple[tuple[str, ...], Any], ...] = ()  # (pointer tokens, value)

    @property
    def responds(self) -> bool:
        return self.status is not None

    @property
    def delay_s(self) -> float:
        """A drawn delay, for callers that do not draw `latency` from the app's seeded `Delays`."""
        return _UNSEEDED.seconds(self.latency)

    def matches(self, call: Call) -> bool:
        return (
            call.operation_id in self.operation_ids
            and _subset(self.match_path, call.path_params)
            and _subset(self.match_query, call.query)
            and _subset(self.match_headers, call.headers)
            and (not self.match_body or _body_matches(self.match_body, call.body))
        )

    def example_for(self, operation: Operation) -> str | None:
        documented = operation.response(self.status) if self.status is not None else None
        names = documented.examples if documented else {}
        return next((name for name in self.examples if name in names), None)


_UNSEEDED = latency.Delays()
_MISSING = object()


def _body_matches(wanted: tuple[tuple[tuple[str, ...], Any], ...], body: Any) -> bool:
    """Every pointer finds its value; true and 1 are different JSON, though Python says equal."""
    for tokens, value in wanted:
        found = _pointer(body, tokens)
        if found != value or isinstance(found, bool) != isinstance(value, bool):
            return False
    return True


def _pointer(document: Any, tokens: tuple[str, ...]) -> Any:
    """The value at a JSON pointer's tokens, or a marker that equals nothing."""
    for token in tokens:
        if isinstance(document, dict):
            document = document.get(token, _MISSING)
        elif isinstance(document, list) and token.isdigit() and int(token) < len(document):
            document = document[int(token)]
        else:
            return _MISSING
    return document


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    rules: tuple[Rule, ...]
    file: Path
    # World switches (`world: {video: down}`): the state the flavor's world is put in while the
    # scenario applies; the flavor says which exist (`Flavor.world_switch_error`).
    world: Mapping[str, Any] = field(default_factory=dict)

    def rule_for(self, call: Call) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(call)), None)


def _subset(wanted: Mapping[str, str], actual: Mapping[str, str]) -> bool:
    return all(actual.get(key) == value for key, value in wanted.items())


def schema_error(document: Any, definition: str | None = None) -> tuple[str, str] | None:
    """The most telling schema violation as (key path, reason), or None."""
    return files.problem(document, SCHEMA_PATH, definition)


def load_dir(directory: Path | None, spec: Spec) -> dict[str, Scenario]:
    """Every `*.yaml`/`*.yml` directly in `directory` (sub-folders such as `worlds/` are not scenarios)."""
    if directory is None or not directory.is_dir():
        return {}
    scenarios: dict[str, Scenario] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        scenario = load_file(path, spec)
        if scenario.name in scenarios:
            other = scenarios[scenario.name].file
            raise ScenarioError(
                path, "name", f"scenario {scenario.name!r} is also defined in {other}"
            )
        scenarios[scenario.name] = scenario
    return scenarios


def load_file(path: Path, spec: Spec) -> Scenario:
    document = files.parse(files.read(path, ScenarioError), path, ScenarioError)
    files.check(document, SCHEMA_PATH, path, ScenarioError)
    rules = tuple(
        build_rule(raw, spec, path, f"rules.{i}") for i, raw in enumerate(document["rules"])
    )
    return Scenario(
        document["name"], document.get("description", ""), rules, path, document.get("world", {})
    )


def _key_path(parts: Iterable[Any]) -> str:
    return ".".join(str(part) for part in parts)


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def build_rule(raw: dict[str, Any], spec: Spec, file: Path | str, where: str = "") -> Rule:
    """A rule from its (schema-checked) form, checked against the spec; `where` is its key path."""
    respond = raw.get("respond")
    selected = _select_operations(file, _at(where, "operations"), raw["operations"], spec)
    if "secured" in raw:
        selected = [op for op in selected if op.secured == raw["secured"]]
    if respond is None:
        applicable = [op.operation_id for op in selected]
        examples: tuple[str, ...] = ()
        if not applicable:
            raise ScenarioError(file, _at(where, "secured"), "no selected operation is left")
    else:
        example = respond.get("example", [])
        examples = (example,) if isinstance(example, str) else tuple(example)
        applicable = _documenting(file, where, raw["operations"], selected, respond, examples)
    match = raw.get("match", {})
    return Rule(
        operation_ids=frozenset(applicable),
        status=respond["status"] if respond else None,
        examples=examples,
        body=(respond or {}).get("body"),
        has_body="body" in (respond or {}),
        headers=dict((respond or {}).get("headers", {})),
        match_path=_strings(match.get("path", {})),
        match_query=_strings(match.get("query", {})),
        match_headers={k.lower(): v for k, v in _strings(match.get("headers", {})).items()},
        latency=_latency(file, where, raw),
        fault=_fault(file, where, raw),
        after_commit=raw.get("afterCommit", False),
        match_body=tuple(
            (_tokens(pointer), value) for pointer, value in match.get("body", {}).items()
        ),
    )


def _documenting(
    file: Path | str,
    where: str,
    selectors: list[str],
    selected: list[Operation],
    respond: dict[str, Any],
    examples: tuple[str, ...],
) -> list[str]:
    """The selected operations that document the status (and example) the rule responds with;
    an operation named explicitly that does not is an error, one picked by tag or '*' is skipped."""
    status = respond["status"]
    named_explicitly = all(not s.startswith("tag:") and s != "*" for s in selectors)
    applicable = []
    for op in selected:
        documented = op.response(status)
        problem = None
        if documented is None:
            problem = f"{op.operation_id} does not document status {status} (it documents {', '.join(op.responses)})"
        elif examples and not any(name in documented.examples for name in examples):
            problem = (
                f"{op.operation_id} documents none of the examples {list(examples)} for "
                f"{status} (it has {sorted(documented.examples) or 'none'})"
            )
        if problem is None:
            applicable.append(op.operation_id)
        elif named_explicitly:
            raise ScenarioError(file, _at(where, "respond"), problem)
    if not applicable:
        raise ScenarioError(
            file,
            _at(where, "respond"),
            f"no selected operation documents status {status}"
            + (f" with example {list(examples)}" if examples else ""),
        )
    return applicable


def _latency(file: Path | str, where: str, raw: dict[str, Any]) -> latency.Latency | None:
    if "latency" in raw and "delay_ms" in raw:
        raise ScenarioError(file, _at(where, "delay_ms"), "give latency or delay_ms, not both")
    try:
        if "latency" in raw:
            return latency.parse(raw["latency"])
        return latency.fixed(raw["delay_ms"]) if "delay_ms" in raw else None
    except latency.LatencyError as exc:
        raise ScenarioError(file, _at(where, "latency"), str(exc)) from None


def _fault(file: Path | str, where: str, raw: dict[str, Any]) -> faults.Fault | None:
    if not any(key in raw for key in ("respond", "latency", "delay_ms", "fault")):
        raise ScenarioError(file, where, "a rule needs respond, latency or fault (or several)")
    if "fault" not in raw:
        return None
    try:
        fault = faults.parse(raw["fault"])
    except faults.FaultError as exc:
        raise ScenarioError(file, _at(where, "fault"), str(exc)) from None
    if raw.get("afterCommit") and fault.keeps_answer:
        raise ScenarioError(
            file, _at(where, "afterCommit"), "dribble delivers the answer; afterCommit adds nothing"
        )
    if raw.get("afterCommit") and "respond" in raw:
        raise ScenarioError(
            file, _at(where, "afterCommit"), "afterCommit lets the world answer; leave out respond"
        )
    return fault


def _tokens(pointer: str) -> tuple[str, ...]:
    """RFC 6901: `/a/b~1c` -> ("a", "b/c")."""
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:])


def _strings(values: Mapping[str, Any]) -> dict[str, str]:
    return {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in values.items()
    }


def _select_operations(
    path: Path | str, where: str, selectors: list[str], spec: Spec
) -> list[Operation]:
    chosen: dict[str, Operation] = {}
    for i, selector in enumerate(selectors):
        if selector == "*":
            matched = list(spec.operations.values())
        elif selector.startswith("tag:"):
            matched = [op for op in spec.operations.values() if selector[4:] in op.tags]
        else:
            matched = [spec.operations[selector]] if selector in spec.operations else []
        if not matched:
            raise ScenarioError(
                path, f"{where}.{i}", f"{selector!r} matches no operation in {spec.path.name}"
            )
        chosen.update((op.operation_id, op) for op in matched)
    return list(chosen.values())
