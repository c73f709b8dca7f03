"""What a web page may do with the mock (CORS), decided per request by its `Origin`.

    Origin                          the API                         /__mock (admin)
    none (curl, CI, SDK tests)      no CORS work at all             no CORS work at all
    trusted: loopback, --cors-origin  granted, with credentials     granted, with credentials
    any other, `null` too           granted, without credentials    no grant (and the admin
                                                                    guard refuses the call)

Frontend developers run their dev servers on any port of localhost, so loopback origins are
trusted out of the box; anything else must be listed with `--cors-origin`. An untrusted page may
still read the API's answers (it is a mock of a public API), but never with the user's cookies,
and it gets no grant at all for the admin API: a cross-site page cannot reset or steer the mock.
The grants themselves are starlette's CORSMiddleware, one instance per policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_ORIGIN = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$")
PREFLIGHT_MAX_AGE = 600


class OriginPolicy:
    """Which origins are trusted: loopback ones on any port, plus the ones listed exactly."""

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.extra = frozenset(normalized(origin) for origin in extra)

    def trusts(self, origin: str) -> bool:
        origin = normalized(origin)
        return bool(LOOPBACK_ORIGIN.fullmatch(origin)) or origin in self.extra


def normalized(origin: str) -> str:
    """Origins compare case-insensitively in scheme and host, and never end in '/'."""
    return origin.strip().rstrip("/").lower()


def origin_of(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"origin":
            return bytes(value).decode("latin-1")
    return None


class BrowserPolicy:
    """CORS by origin and path; requests without an `Origin` header skip all of it."""

    def __init__(
        self,
        app: ASGIApp,
        policy: OriginPolicy,
        *,
        admin_prefix: str,
        expose_headers: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.policy = policy
        self.admin_prefix = admin_prefix
        exposed = list(expose_headers)
        self.trusted = CORSMiddleware(
            app,
            allow_origin_regex=".*",  # only reached for trusted origins; echoed so cookies work
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=exposed,
            max_age=PREFLIGHT_MAX_AGE,
        )
        self.public = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_credentials=False,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=exposed,
            allow_private_network=True,  # a page on a public origin may read the mock's API
            max_age=PREFLIGHT_MAX_AGE,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = origin_of(scope)
        if origin is None:
            await self.app(scope, receive, send)
        elif self.policy.trusts(origin):
            await self.trusted(scope, receive, send)
        elif scope["path"].startswith(self.admin_prefix):
            await self.app(scope, receive, send)  # no grant; the admin guard refuses it
        else:
            await self.public(scope, receive, send)
