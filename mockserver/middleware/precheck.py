"""A fast "valid" for request validation: the schema compiled once by jsonschema-rs (Rust, a few
microseconds a body), trusted only where its yes provably means connexion's yes.

Connexion validates with python jsonschema (Draft 4, plus OpenAPI's `nullable`), some 80 µs for
a small body. It stays the one judge of a refusal, and of anything this module cannot vouch for:
a precheck says valid or "ask the slow validator", never invalid.

It exists only for a schema built from keywords checked to mean the same in both, or something
stricter in Rust (then the slow validator has the last word), so "Rust accepts" implies "python
accepts" keyword by keyword, and by induction for the whole schema:

    type, enum, properties, required, additionalProperties, items, allOf, anyOf,
    minLength, maxLength, minItems, maxItems, minProperties, maxProperties   same meaning
    minimum, maximum, exclusiveMinimum/Maximum (Draft 4 booleans)            bounds below 2**53,
        which a double holds exactly: python compares int and float exactly, Rust may round a
        64-bit integer to a double first (max 2.0**63 let 2**63+1 through)
    multipleOf                       only 1: "a whole number" (x % 1 in python, fract in Rust)
    oneOf                            only when its branches' types cannot overlap: then at most
                                     one branch passes in either, and it is anyOf
    pattern                          only plain regular syntax (`plain_regex`): literals, classes
        of literals, groups, |, quantifiers, ^ and $; Rust's $ is stricter (python's also
        matches before a final newline); \\d \\w \\s, flags, look-around, back-references are out
    format                           only names python's checker ignores (Rust may check: stricter)
    nullable, x-nullable             python also lets null through; Rust ignores them: stricter
    title, description, default, example(s), readOnly, writeOnly, deprecated, x-*   annotations
    enum                             members that are strings, booleans, null or integers
                                     within 2**53 (compared exactly in both)

Anything else (`$ref`, `not`, `patternProperties`, `uniqueItems`, tuple `items`, ...) gets no
precheck. Values must be what strict JSON parses to (dict, list, str, int, float, bool, None, every
float finite): Rust also takes a tuple for an array, and lets infinity and NaN past `maximum`.
A value Rust cannot take (a lone surrogate) goes to the slow path.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import jsonschema_rs
from jsonschema import Draft4Validator

Precheck = Callable[[Any], bool]

EXACT = 2**53  # every integer of smaller magnitude is exactly a double
_TYPES = {"array", "boolean", "integer", "null", "number", "object", "string"}
_KINDS = {  # the python values each type admits: integer is a kind of number
    "array": {"array"},
    "boolean": {"bool"},
    "integer": {"int"},
    "null": {"null"},
    "number": {"int", "float"},
    "object": {"object"},
    "string": {"str"},
}
_ANNOTATIONS = {
    "title", "description", "default", "example", "examples", "readOnly", "writeOnly",
    "deprecated", "externalDocs", "xml", "nullable", "x-nullable",
}  # fmt: skip
_COUNTS = {"minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"}


def precheck(schema: dict[str, Any]) -> Precheck | None:
    """A fast yes for `schema` as connexion judges it, or None when it cannot be vouched for.

    `schema` is what connexion validates with: $refs already inlined, and its `components`
    beside them (python Draft 4 ignores that key, and so does Rust once it is gone)."""
    schema = {key: value for key, value in schema.items() if key != "components"}
    if not safe_schema(schema):
        return None
    try:
        is_valid = jsonschema_rs.Draft4Validator(schema).is_valid
    except ValueError:  # a schema Rust refuses (jsonschema_rs.ValidationError): no fast path
        return None

    def check(instance: Any) -> bool:
        try:
            return bool(is_valid(instance))
        except ValueError:  # a lone surrogate, say: not Rust's to judge
            return False

    return check


def safe_schema(schema: Any) -> bool:
    """Whether every keyword of `schema`, recursively, is one whose Rust yes implies python's."""
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key in _ANNOTATIONS or (isinstance(key, str) and key.startswith("x-")):
            continue
        rule = _RULES.get(key)
        if rule is None or not rule(value):
            return False
    return True


def _schemas(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(safe_schema(s) for s in value)


def _type(value: Any) -> bool:
    names = [value] if isinstance(value, str) else value
    return isinstance(names, list) and bool(names) and all(n in _TYPES for n in names)


def _enum_member(value: Any) -> bool:
    if value is None or isinstance(value, str | bool):
        return True
    return type(value) is int and abs(value) <= EXACT


def _bound(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value) and abs(value) < EXACT


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _format(value: Any) -> bool:
    return isinstance(value, str) and value not in Draft4Validator.FORMAT_CHECKER.checkers


def _one_of(value: Any) -> bool:
    """oneOf is anyOf when no value can pass two branches: each branch admits only its types'
    kinds (python adds null for a nullable one), and no two branches share one."""
    if not _schemas(value):
        return False
    seen: set[str] = set()
    for branch in value:
        if "type" not in branch:
            return False
        names = [branch["type"]] if isinstance(branch["type"], str) else branch["type"]
        kinds = {kind for name in names for kind in _KINDS[name]}
        if branch.get("nullable") or branch.get("x-nullable") is True:
            kinds.add("null")
        if kinds & seen:
            return False
        seen |= kinds
    return True


_RULES: dict[str, Callable[[Any], bool]] = {
    "type": _type,
    "enum": lambda v: isinstance(v, list) and bool(v) and all(_enum_member(m) for m in v),
    "properties": lambda v: isinstance(v, dict) and all(safe_schema(s) for s in v.values()),
    "required": lambda v: isinstance(v, list) and all(isinstance(n, str) for n in v),
    "additionalProperties": lambda v: isinstance(v, bool) or safe_schema(v),
    "items": safe_schema,
    "allOf": _schemas,
    "anyOf": _schemas,
    "oneOf": _one_of,
    "minimum": _bound,
    "maximum": _bound,
    "exclusiveMinimum": lambda v: isinstance(v, bool),
    "exclusiveMaximum": lambda v: isinstance(v, bool),
    "multipleOf": lambda v: type(v) in (int, float) and v == 1,
    "pattern": lambda v: isinstance(v, str) and plain_regex(v),
    "format": _format,
    **dict.fromkeys(_COUNTS, _count),
}

_ESCAPED = set(".^$*+?()[]{}|\\-/")  # a backslash before one of these means the character itself
_CONTROLS = set("tnrfv")
_HEX = re.compile(r"u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}")
_REPEAT = re.compile(r"\{\d+(,\d*)?\}")


def plain_regex(pattern: str) -> bool:
    """Whether `pattern` uses only syntax that python's `re` and Rust's regex read alike (or Rust
    more strictly), so a string Rust finds a match in, python finds one in too."""
    at, depth, repeatable = 0, 0, False
    while at < len(pattern):
        char = pattern[at]
        if char == "\\":
            step = _escape(pattern, at)
            repeatable = True
        elif char == "[":
            step = _char_class(pattern, at)
            repeatable = True
        elif char == "(":
            step = 3 if pattern.startswith("(?:", at) else 1
            if pattern.startswith("(?", at) and step == 1:
                return False
            depth, repeatable = depth + 1, False
        elif char == ")":
            step, depth, repeatable = 1, depth - 1, True
        elif char in "*+?{":
            step = _quantifier(pattern, at) if repeatable else 0
            repeatable = False
        elif char in "]}":
            return False
        else:  # ^ $ | and literals; nothing repeats an anchor or an alternation
            step, repeatable = 1, char not in "^$|"
        if step == 0 or depth < 0:
            return False
        at += step
    return depth == 0 and _python_compiles(pattern)


def _python_compiles(pattern: str) -> bool:
    """A pattern python refuses (or warns about) fails every request: not ours to pass."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(pattern)
        except (re.error, Warning, OverflowError, RecursionError):
            return False
    return True


def _escape(pattern: str, at: int) -> int:
    """The length of the escape at `at` if it stands for one fixed character, else 0."""
    following = pattern[at + 1 : at + 2]
    if following in _ESCAPED or following in _CONTROLS:
        return 2 if following else 0
    hex_digits = _HEX.match(pattern, at + 1)
    if hex_digits is None:
        return 0
    code = int(hex_digits.group()[1:], 16)
    return 0 if 0xD800 <= code <= 0xDFFF else 1 + len(hex_digits.group())


def _quantifier(pattern: str, at: int) -> int:
    """The length of `*`, `+`, `?`, `{n}`, `{n,}` or `{n,m}` at `at`, lazy `?` included."""
    if pattern[at] == "{":
        bounds = _REPEAT.match(pattern, at)
        if bounds is None:
            return 0
        end = bounds.end()
    else:
        end = at + 1
    return end + 1 - at if pattern[end : end + 1] == "?" else end - at


def _char_class(pattern: str, at: int) -> int:
    """The length of a class of literal characters and ranges (`[a-z0-9-]`, `[^\\t ]`), else 0.
    Python reads `[[`, `&&`, `--`, `~~`, `||` inside one literally, Rust as set operations."""
    start = at + 2 if pattern.startswith("[^", at) else at + 1
    end = start
    while end < len(pattern) and pattern[end] != "]":
        if pattern[end] == "[":
            return 0
        if pattern[end] == "\\":
            step = _escape(pattern, end)
            if step == 0:
                return 0
            end += step
        else:
            end += 1
    body = pattern[start:end]
    if end >= len(pattern) or not body or any(op in body for op in ("&&", "--", "~~", "||")):
        return 0
    return end + 1 - at
