"""The two values that cross the line between HTTP and the engine: a routed call and its reply.

The app routes and validates once (Connexion), then hands the engine a `Call`; whoever answers
(an override, a scenario, the world, the spec's default) returns a `Reply`. Neither knows HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)  # not frozen: a frozen dataclass builds through object.__setattr__
class Call:
    operation_id: str
    method: str  # upper case
    path: str  # as requested, e.g. /api/v1/sessions/b1e2…
    path_params: Mapping[str, str]
    query: Mapping[str, str]  # first value of each query parameter
    headers: Mapping[str, str]  # lower-case names
    cookies: Mapping[str, str]
    body: Any  # parsed JSON, or None
    namespace: str = "default"

    @property
    def bearer(self) -> str | None:
        """The bearer credential, if the Authorization header carries one."""
        auth = self.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


@dataclass
class Reply:
    """What to send back. `data` goes inside the success envelope unless `raw` is set."""

    status: int = 200
    data: Any = None
    raw: bytes | None = None  # a body sent as is (a JPEG frame, an empty 200)
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)  # full Set-Cookie values
    message: str = "Request successful"
    delay_s: float = 0.0
