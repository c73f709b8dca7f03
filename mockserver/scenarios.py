"""Named scenarios from YAML: rules that pick a documented response for matching requests.

Files are checked at start-up against `schemas/scenario.schema.json` and against the spec
(operations exist, statuses and examples are documented); a bad file stops start-up with
file, key path and reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from mockserver.calls import Call
from mockserver.settings import SCENARIO_SCHEMA
from mockserver.spec import Operation, Spec

SCHEMA_PATH = SCENARIO_SCHEMA


class ScenarioError(Exception):
    """A scenario file is unusable: `str()` is `file: key.path: reason`."""

    def __init__(self, file: Path | str, key_path: str, reason: str) -> None:
        self.file, self.key_path, self.reason = str(file), key_path, reason
        super().__init__(f"{file}: {key_path or '(top)'}: {reason}")


@dataclass(frozen=True)
class Rule:
    operation_ids: frozenset[str]
    status: int
    examples: tuple[str, ...]  # preference order; empty = the first documented one
    body: Any
    has_body: bool
    headers: Mapping[str, str]
    match_path: Mapping[str, str]
    match_query: Mapping[str, str]
    match_headers: Mapping[str, str]
    delay_s: float

    def matches(self, call: Call) -> bool:
        return (
            call.operation_id in self.operation_ids
            and _subset(self.match_path, call.path_params)
            and _subset(self.match_query, call.query)
            and _subset(self.match_headers, call.headers)
        )

    def example_for(self, operation: Operation) -> str | None:
        documented = operation.response(self.status)
        names = documented.examples if documented else {}
        return next((name for name in self.examples if name in names), None)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    rules: tuple[Rule, ...]
    file: Path

    def rule_for(self, call: Call) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(call)), None)


def _subset(wanted: Mapping[str, str], actual: Mapping[str, str]) -> bool:
    return all(actual.get(key) == value for key, value in wanted.items())


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


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
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(
            path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = min(errors, key=lambda e: len(list(e.absolute_path)))
        raise ScenarioError(path, _key_path(error.absolute_path), error.message)
    rules = tuple(_rule(path, f"rules.{i}", raw, spec) for i, raw in enumerate(document["rules"]))
    return Scenario(document["name"], document.get("description", ""), rules, path)


def _key_path(parts: Iterable[Any]) -> str:
    return ".".join(str(part) for part in parts)


def _rule(path: Path, where: str, raw: dict[str, Any], spec: Spec) -> Rule:
    respond = raw["respond"]
    status = respond["status"]
    examples = respond.get("example", [])
    examples = (examples,) if isinstance(examples, str) else tuple(examples)
    selected = _select_operations(path, f"{where}.operations", raw["operations"], spec)
    if "secured" in raw:
        selected = [op for op in selected if op.secured == raw["secured"]]
    named_explicitly = all(not s.startswith("tag:") and s != "*" for s in raw["operations"])
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
            raise ScenarioError(path, f"{where}.respond", problem)
    if not applicable:
        raise ScenarioError(
            path,
            f"{where}.respond",
            f"no selected operation documents status {status}"
            + (f" with example {list(examples)}" if examples else ""),
        )
    match = raw.get("match", {})
    return Rule(
        operation_ids=frozenset(applicable),
        status=status,
        examples=examples,
        body=respond.get("body"),
        has_body="body" in respond,
        headers=dict(respond.get("headers", {})),
        match_path=_strings(match.get("path", {})),
        match_query=_strings(match.get("query", {})),
        match_headers={k.lower(): v for k, v in _strings(match.get("headers", {})).items()},
        delay_s=raw.get("delay_ms", 0) / 1000,
    )


def _strings(values: Mapping[str, Any]) -> dict[str, str]:
    return {
        key: str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in values.items()
    }


def _select_operations(path: Path, where: str, selectors: list[str], spec: Spec) -> list[Operation]:
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
