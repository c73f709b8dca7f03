"""What every domain function receives: the call, the world's store, and the world's `now`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mockserver.calls import Call, Reply
from mockserver.errors import invalid_input
from mockserver.luxxon.world.store import Store

JSON_TYPES = {
    str: "a string",
    int: "a number",
    float: "a number",
    list: "an array",
    dict: "an object",
}
CONSISTENCY_HEADER = "X-Lx-Consistency-Token"
_NUMBERS = (int, float)  # what a JSON number parses to (bool is neither, as JSON says)
# What JavaScript's String.prototype.trim() strips (WhiteSpace and LineTerminator), the trim of a
# server written in it; Python's str.strip() also strips U+001C-U+001F and U+0085.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    map(chr, range(0x2000, 0x200B))
)


@dataclass(slots=True)  # built on every call: slots build faster than a NamedTuple's __new__
class Ctx:
    call: Call
    store: Store
    now: float

    def param(self, name: str) -> str:
        return self.call.path_params.get(name, "")

    def body(self) -> dict[str, Any]:
        """The JSON body as an object; anything else is an empty object (nothing is required)."""
        return self.call.body if isinstance(self.call.body, dict) else {}

    def written(self, data: Any, *, in_body: bool = False) -> Reply:
        """A reply to an authz-relevant write: a fresh ZedToken in the header (and the body,
        which is the caller's own fresh view: the token is added to it)."""
        token = self.store.consistency_token()
        if in_body:
            data["consistencyToken"] = token
        return Reply(data=data, headers={CONSISTENCY_HEADER: token})


def field(
    body: dict[str, Any], name: str, kind: type | tuple[type, ...], required: bool = True
) -> Any:
    """A body field of the given JSON type (bools are not numbers); 400 INVALID_INPUT otherwise,
    labelled `body.<name>:missing` or `body.<name>:type` as request validation labels them."""
    value = body.get(name)
    if value is None:
        if required:
            raise invalid_input(f"body.{name}:missing", f"{name} is required")
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if type(value) in kinds:  # what JSON parsing gives: the common case, answered at once
        return value
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        expected = " or ".join(JSON_TYPES.get(k, k.__name__) for k in kinds)
        raise invalid_input(f"body.{name}:type", f"{name} must be {expected}")
    return value


def trimmed(text: str) -> str:
    """Text as the API stores it: "trimmed server-side" (the update-workspace-details page)."""
    return text.strip(JS_SPACE)


def number_in(
    body: dict[str, Any], name: str, lo: float, hi: float = math.inf, required: bool = True
) -> float | None:
    """A number within [lo, hi]: the bounds openapi.json states (hi open where it states none)."""
    value: Any = body.get(name)
    if type(value) in _NUMBERS and lo <= value <= hi:  # the common case, answered at once
        return float(value)
    value = field(body, name, _NUMBERS, required)
    if value is None:
        return None
    if not lo <= value <= hi:
        within = f"at least {lo:g}" if hi == math.inf else f"between {lo:g} and {hi:g}"
        bound = "minimum" if value < lo else "maximum"
        raise invalid_input(f"body.{name}:{bound}", f"{name} must be {within}")
    return float(value)


def whole(
    body: dict[str, Any], name: str, lo: int, hi: float = math.inf, default: int | None = None
) -> int:
    value: Any = body.get(name)
    if type(value) is int and lo <= value <= hi:  # the common case, answered at once
        return value
    value = field(body, name, _NUMBERS, required=default is None)
    if value is None:
        assert default is not None
        return default
    if not float(value).is_integer() or not lo <= value <= hi:
        within = f"of at least {lo}" if hi == math.inf else f"from {lo} to {hi:g}"
        reason = (
            "integer" if not float(value).is_integer() else "minimum" if value < lo else "maximum"
        )
        raise invalid_input(f"body.{name}:{reason}", f"{name} must be an integer {within}")
    return int(value)
