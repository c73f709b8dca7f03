"""One loader for every file a user gives the mock (scenarios, world fixtures, contract profiles):
YAML or JSON, checked against a bundled JSON Schema, every problem a `ConfigError` that names the
file, the key path (`rules.0.respond`, or `(top)` for the document itself) and the reason."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import best_match

from mockserver.errors import ConfigError


def read(path: Path, error: type[ConfigError] = ConfigError) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(path, "", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(path, "", "not UTF-8 text") from None


def parse(text: str, path: Path | str, error: type[ConfigError] = ConfigError) -> Any:
    """YAML (JSON is YAML too), with the line and column of a syntax error."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(path, "", f"not valid YAML/JSON: {where}{problem}") from None


def check(
    document: Any,
    schema_path: Path,
    path: Path | str,
    error: type[ConfigError] = ConfigError,
    definition: str | None = None,
) -> None:
    """The document against the JSON Schema at `schema_path` (or one of its `$defs`)."""
    found = problem(document, schema_path, definition)
    if found is not None:
        raise error(path, *found)


def problem(
    document: Any, schema_path: Path, definition: str | None = None
) -> tuple[str, str] | None:
    """The most telling violation as (key path, reason), or None. The schema's own
    `description` beats jsonschema's "not valid under any of …"."""
    found = best_match(validator(schema_path, definition).iter_errors(document))
    if found is None:
        return None
    reason, described = found.message, found.schema.get("description")
    if isinstance(described, str):
        wanted = described if described.startswith("one of") else f"wanted: {described}"
        if found.validator in ("oneOf", "anyOf"):
            reason = f"{found.instance!r} is not {wanted}"
        else:
            reason = f"{reason} ({wanted})"
    return key_path(found.absolute_path), reason


def load(path: Path, schema_path: Path, error: type[ConfigError] = ConfigError) -> Any:
    """Read, parse and check a file in one call; `error` names the kind of file."""
    document = parse(read(path, error), path, error)
    check(document, schema_path, path, error)
    return document


def key_path(parts: Iterable[Any]) -> str:
    return ".".join(str(part) for part in parts)


@cache
def validator(schema_path: Path, definition: str | None = None) -> Any:
    """The schema's validator, or one for one of its `$defs` (a runtime rule, say)."""
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    if definition is not None:
        schema = {**schema, "$ref": f"#/$defs/{definition}"}
        schema = {k: v for k, v in schema.items() if k in ("$schema", "$defs", "$ref")}
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)
