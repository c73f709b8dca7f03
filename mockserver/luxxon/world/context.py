"""What every domain function receives: the call, the world's store, and the world's `now`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mockserver.calls import Call, Reply
from mockserver.errors import ApiError
from mockserver.luxxon.world.store import Store

CONSISTENCY_HEADER = "X-Lx-Consistency-Token"
# What JavaScript's String.prototype.trim() strips (WhiteSpace and LineTerminator), the trim of a
# server written in it; Python's str.strip() also strips U+001C-U+001F and U+0085.
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    map(chr, range(0x2000, 0x200B))
)


@dataclass(frozen=True)
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
        """A reply to an authz-relevant write: a fresh ZedToken in the header (and the body)."""
        token = self.store.consistency_token()
        if in_body:
            data = {**data, "consistencyToken": token}
        return Reply(data=data, headers={CONSISTENCY_HEADER: token})


def field(
    body: dict[str, Any], name: str, kind: type | tuple[type, ...], required: bool = True
) -> Any:
    """A body field of the given JSON type (bools are not numbers); 400 INVALID_INPUT otherwise."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError(400, "INVALID_INPUT", detail=f"{name}: required")
        return None
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise ApiError(400, "INVALID_INPUT", detail=f"{name}: wrong type")
    if not isinstance(value, kind):
        raise ApiError(400, "INVALID_INPUT", detail=f"{name}: wrong type")
    return value


def trimmed(text: str) -> str:
    """Text as the API stores it: "trimmed server-side" (the update-workspace-details page)."""
    return text.strip(JS_SPACE)


def number_in(
    body: dict[str, Any], name: str, lo: float, hi: float = math.inf, required: bool = True
) -> float | None:
    """A number within [lo, hi]: the bounds openapi.json states (hi open where it states none)."""
    value = field(body, name, (int, float), required)
    if value is None:
        return None
    if not lo <= value <= hi:
        within = f"at least {lo:g}" if hi == math.inf else f"between {lo:g} and {hi:g}"
        raise ApiError(400, "INVALID_INPUT", detail=f"{name}: must be {within}")
    return float(value)


def whole(
    body: dict[str, Any], name: str, lo: int, hi: float = math.inf, default: int | None = None
) -> int:
    value = field(body, name, (int, float), required=default is None)
    if value is None:
        assert default is not None
        return default
    if not float(value).is_integer() or not lo <= value <= hi:
        within = f"of at least {lo}" if hi == math.inf else f"from {lo} to {hi:g}"
        raise ApiError(400, "INVALID_INPUT", detail=f"{name}: an integer {within}")
    return int(value)
