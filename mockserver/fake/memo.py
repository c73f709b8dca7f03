"""Per-schema work done once per generator, keyed by schema identity."""

from __future__ import annotations

import base64
import functools
from typing import Any

from mockserver.fake.schemas import Schema, merge, merge_branch

_MEMO_LIMIT = 4096


@functools.cache
def _validator_class() -> Any:
    # Connexion's draft-4 validator with OpenAPI's `nullable`: already loaded by the app, where
    # openapi-schema-validator would pull in pydantic (≈10 MB) on the first request.
    from connexion.json_schema import Draft4ResponseValidator

    return Draft4ResponseValidator


@functools.cache
def _format_checker() -> Any:
    """Every format jsonschema knows (uuid, date-time, email…) plus OpenAPI 3.0's own."""
    import jsonschema

    checker = jsonschema.FormatChecker()
    for name, bits in (("int32", 31), ("int64", 63)):
        checker.checks(name)(
            lambda v, b=bits: not isinstance(v, int) or isinstance(v, bool) or -(2**b) <= v < 2**b
        )
    for name in ("float", "double", "binary", "password"):
        checker.checks(name)(lambda v: True)
    checker.checks("byte")(_is_base64)
    return checker


def _is_base64(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return False
    return True


class Memo:
    """Per-schema work done once: allOf merges and example/branch checks, keyed by identity."""

    def __init__(self) -> None:
        self._merged: dict[tuple[int, int], tuple[Schema, Schema]] = {}
        self._validators: dict[int, tuple[Schema, Any]] = {}
        self._examples: dict[int, tuple[Schema, bool]] = {}

    def merged(self, schema: Schema, branch: int = -1) -> Schema:
        """allOf flattened; with a branch, that oneOf/anyOf branch merged into the rest."""
        slot = (id(schema), branch)
        hit = self._merged.get(slot)
        if hit is None:
            hit = (schema, merge_branch(schema, branch) if branch >= 0 else merge([schema]))
            self._merged = _bounded(self._merged)
            self._merged[slot] = hit
        return hit[1]

    def example_ok(self, schema: Schema) -> bool:
        hit = self._examples.get(id(schema))
        if hit is None:
            example = schema["example"]
            # OpenAPI 3.0.3: with an enum, `nullable` admits null only if the enum lists it
            # (connexion's validator lets it through; openapi-core's does not).
            enum = schema.get("enum")
            refused_null = example is None and isinstance(enum, list) and None not in enum
            hit = (schema, not refused_null and self.matches(schema, example))
            self._examples = _bounded(self._examples)
            self._examples[id(schema)] = hit
        return hit[1]

    def matches(self, schema: Schema, value: Any) -> bool:
        hit = self._validators.get(id(schema))
        if hit is None:
            cls = _validator_class()
            hit = (schema, cls(schema, format_checker=_format_checker()))
            self._validators = _bounded(self._validators)
            self._validators[id(schema)] = hit
        try:
            return bool(hit[1].is_valid(value))
        except Exception:  # an unresolvable $ref or a broken keyword: treat as "does not match"
            return False


def _bounded(cache: dict[Any, Any]) -> dict[Any, Any]:
    return {} if len(cache) >= _MEMO_LIMIT else cache
