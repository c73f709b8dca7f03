"""Request bodies parsed strictly: only JSON the mock can store and send back again.

Python's `json` module accepts three things no JSON API should keep, and each became a 5xx later,
when the stored value was read or echoed (orjson refuses to write them):

    "B\\ud800"        a lone surrogate: a string that is not Unicode text
    NaN, Infinity     not JSON at all; 1e999 parses to infinity
    12345…(30 digits) an integer beyond 64 bits (orjson cannot write it): read as a float, as
                      orjson reads it; beyond a double's range (and Python's 4,300-digit limit)
                      refused

Each is refused with 400 `INVALID_INPUT` and a label naming the field (`body.name:invalidUnicode`,
`body.lat:numberTooLarge`). The hooks cost one Python call per number; the
surrogate search runs only when the raw bytes contain a `\\uD8xx`-`\\uDFxx` escape.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from mockserver import labels
from mockserver.errors import ApiError, invalid_input

INT_LIMIT = 2**63  # what orjson (and a JavaScript client's BigInt-free JSON) can write back
_DIGITS_LIMIT = 20  # no 64-bit integer has more digits (sign included)
_FLOAT_DIGITS = 320  # no finite double has more digits; longer ones are not even parsed
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Unusable:
    """A number the mock cannot keep, left in place so the walk can say where it was."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


_TOO_LARGE = _Unusable("numberTooLarge")


def _int(text: str) -> Any:
    """An integer orjson can write back; a larger one is read as the float JSON says it is (as
    orjson itself reads it), so an `integer` field refuses it (400) and a `number` field keeps it;
    one beyond a double's range is refused here."""
    if len(text) <= _DIGITS_LIMIT:
        value = int(text)
        if -INT_LIMIT <= value < INT_LIMIT:
            return value
    return _float(text) if len(text) <= _FLOAT_DIGITS else _TOO_LARGE


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _TOO_LARGE


def _constant(text: str) -> Any:
    return _Unusable("notJson")  # NaN, Infinity, -Infinity


def loads(raw: bytes, encoding: str = "utf-8") -> Any:
    """The body as JSON; an ApiError (400) for anything the mock could not store and echo.
    UnicodeError and RecursionError propagate: the error boundary labels them."""
    if encoding.lower().replace("-", "") == "utf8":
        try:  # orjson refuses just what this module refuses: a body it takes is a good one
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass  # the strict reading below says what is wrong, and where
    text = raw.decode(encoding)
    _has_unusable[0] = False
    try:
        value, end = _DECODER.raw_decode(text, _skip_space(text, 0))
    except json.JSONDecodeError as exc:
        raise _not_json(exc) from None
    if _skip_space(text, end) != len(text):
        raise invalid_input("body:invalidJson", "Request body is not valid JSON (extra data)")
    suspicious = _SURROGATE_ESCAPE.search(raw) is not None
    problem = _find(value, [], suspicious) if suspicious or _has_unusable[0] else None
    if problem is not None:
        path, reason = problem
        raise invalid_input(f"{labels.location('body', path)}:{reason}", _MESSAGES[reason])
    return value


_has_unusable = [False]  # set by the hooks below; one decode at a time (the event loop's thread)
_MESSAGES = {
    "invalidUnicode": "A string holds a lone UTF-16 surrogate: not Unicode text",
    "numberTooLarge": "A number is beyond what JSON numbers (64-bit floats) can hold",
    "notJson": "NaN and Infinity are not JSON",
}


def _flagging(hook: Any) -> Any:
    def flagged(text: str) -> Any:
        value = hook(text)
        if isinstance(value, _Unusable):
            _has_unusable[0] = True
        return value

    return flagged


_DECODER = json.JSONDecoder(
    parse_int=_flagging(_int), parse_float=_flagging(_float), parse_constant=_flagging(_constant)
)


def _find(value: Any, path: list[str | int], strings: bool) -> tuple[list[str | int], str] | None:
    """The first unusable value (number, or string when `strings`) and where it is."""
    if isinstance(value, _Unusable):
        return path, value.reason
    if isinstance(value, str):
        return (path, "invalidUnicode") if strings and _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if strings and _SURROGATE.search(key):
                return [*path, "_"], "invalidUnicode"
            found = _find(item, [*path, key], strings)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _find(item, [*path, index], strings)
            if found is not None:
                return found
    return None


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    return at


def _not_json(exc: json.JSONDecodeError) -> ApiError:
    where = f"line {exc.lineno}, column {exc.colno}"
    return invalid_input("body:invalidJson", f"Request body is not valid JSON ({where})")
