"""What every domain function receives: the call, the world's store, and the world's `now`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.calls import Call, Reply
from mockserver.errors import ApiError
from mockserver.world.store import Store

CONSISTENCY_HEADER = "X-Lx-Consistency-Token"


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


def number_in(
    body: dict[str, Any], name: str, lo: float, hi: float, required: bool = True
) -> float | None:
    value = field(body, name, (int, float), required)
    if value is None:
        return None
    if not lo <= value <= hi:
        raise ApiError(400, "INVALID_INPUT", detail=f"{name}: must be between {lo:g} and {hi:g}")
    return float(value)


def whole(body: dict[str, Any], name: str, lo: int, hi: int, default: int | None = None) -> int:
    value = field(body, name, (int, float), required=default is None)
    if value is None:
        assert default is not None
        return default
    if not float(value).is_integer() or not lo <= value <= hi:
        raise ApiError(400, "INVALID_INPUT", detail=f"{name}: an integer from {lo} to {hi}")
    return int(value)
