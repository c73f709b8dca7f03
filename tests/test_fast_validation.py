"""`middleware/precheck.py`: which schemas get the Rust fast path. Only those built from keywords
whose Rust "valid" implies python jsonschema's; the hand-made schemas here aim at the places the
two differ (nullable, formats, patterns, bounds a double rounds, overlapping oneOf) and are
checked value by value in `test_fast_validation_property.py`."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.middleware.precheck import plain_regex, precheck

HOSTILE: dict[str, dict[str, Any]] = {
    "nullable": {"type": "integer", "nullable": True, "minimum": 0, "maximum": 10},
    "nullable enum": {"type": "string", "enum": ["A", "B"], "x-nullable": True},
    "format python ignores": {"type": "string", "format": "uuid", "maxLength": 36},
    "end anchor": {"type": "string", "pattern": "^[a-z]+$"},
    "whole bytes in hex": {"type": "string", "pattern": "^0x([0-9a-fA-F]{2})+$"},
    "not blank": {"type": "string", "pattern": "[^\\t\\n\\u000b\\f\\r \\u00a0\\u2000-\\u200a]"},
    "alternation, lazy, dot": {"type": "string", "pattern": "^(a|b)*?c{2,3}.x?$"},
    "whole numbers": {"type": "number", "multipleOf": 1, "minimum": -5, "maximum": 2**53 - 1},
    "integers": {"type": "integer", "minimum": 1, "maximum": 9007199254740991},
    "exclusive float bounds": {
        "type": "number",
        "minimum": -0.5,
        "exclusiveMinimum": True,
        "maximum": 1e15 + 0.5,
        "exclusiveMaximum": True,
    },
    "untyped bounds": {"maximum": 10, "minimum": -10},
    "code points": {"type": "string", "minLength": 2, "maxLength": 3},
    "closed nested arrays": {
        "type": "object",
        "properties": {
            "a": {
                "type": "array",
                "items": {"type": "array", "items": {"type": "integer"}, "maxItems": 2},
                "minItems": 1,
            },
            "b": {"type": ["string", "null"], "readOnly": True},
        },
        "required": ["a"],
        "additionalProperties": False,
    },
    "open map": {
        "type": "object",
        "additionalProperties": {"type": "number", "minimum": 0},
        "minProperties": 1,
        "maxProperties": 2,
    },
    "scalar enum": {"enum": [1, "1", True, None, 0, 2**53]},
    "any and all": {
        "anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer", "minimum": 5}],
        "allOf": [{"type": ["string", "integer", "boolean"]}],
    },
    "disjoint oneOf": {
        "oneOf": [
            {"type": "number", "multipleOf": 1},
            {"type": "string", "pattern": "^-?[0-9]+$"},
            {"type": "boolean", "nullable": True},
        ],
    },
}
EXCLUDED: dict[str, dict[str, Any]] = {
    "a format python checks": {"type": "string", "format": "email"},
    "a $ref left in": {"$ref": "#/definitions/x", "definitions": {"x": {}}},
    "not": {"not": {"type": "string"}},
    "uniqueItems": {"type": "array", "uniqueItems": True},
    "patternProperties": {"patternProperties": {"^a": {}}},
    "tuple items": {"items": [{"type": "string"}]},
    "a bound a double rounds": {"maximum": 2.0**63},
    "multipleOf a fraction": {"multipleOf": 0.01},
    "overlapping oneOf": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    "oneOf with an untyped branch": {"oneOf": [{"type": "string"}, {"minimum": 1}]},
    "overlapping through nullable": {
        "oneOf": [{"type": "null"}, {"type": "string", "nullable": 1}]
    },
    "enum of a float": {"enum": [1.5]},
    "enum of a big integer": {"enum": [2**53 + 1]},
    "enum of an object": {"enum": [{"a": 1}]},
    "\\d": {"pattern": "^\\d+$"},
    "\\s": {"pattern": "\\s"},
    "a flag": {"pattern": "(?i)abc"},
    "a look-ahead": {"pattern": "a(?=b)"},
    "a back-reference": {"pattern": "(a)\\1"},
    "a set operation Rust reads": {"pattern": "[a-z&&[^b]]"},
    "a pattern python refuses": {"pattern": "a**"},
    "an unknown keyword": {"type": "string", "dependencies": {}},
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_each_hostile_schema_gets_the_fast_path(name: str) -> None:
    assert precheck(HOSTILE[name]) is not None


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_a_schema_whose_meaning_may_differ_gets_no_fast_path(name: str) -> None:
    assert precheck(EXCLUDED[name]) is None


@pytest.mark.parametrize(
    "pattern",
    [
        "^0x[0-9a-fA-F]{40}$",
        "^[a-z0-9-]{3,40}$",
        "[^\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f]",
        "^-?(90(\\.0+)?|[1-8]?[0-9](\\.[0-9]+)?)$",
        "a\\/b\\x41(?:c|)+?",
    ],
)
def test_plain_regular_syntax_is_read_alike(pattern: str) -> None:
    assert plain_regex(pattern)


@pytest.mark.parametrize(
    "pattern",
    ["\\w", "\\bx", "\\p{L}", "a{,3}", "a{2", "[]a]", "[[a]]", "a]", "(?P<n>a)", "\\ud800", "^*"],
)
def test_other_regex_syntax_is_not_trusted(pattern: str) -> None:
    assert not plain_regex(pattern)
