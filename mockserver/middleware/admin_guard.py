"""The admin API's door: only the people running the mock may steer it.

Three checks before any `/__mock` call acts, each refusal in the flavor's error shape:

    X-Mock-Admin-Token    with `--admin-token`, every call must carry it       401
    Origin                a call from an untrusted web page (browsers send     403
                          Origin on every cross-site POST, even with no body)
    Content-Type          a body must be `application/json`: a page can send    415
                          text/plain and form bodies without a CORS preflight

Together they close the cross-site route (a simple POST from any page reset a developer's world)
and the network route (`--host 0.0.0.0` refuses to start without a token: `exposure_problem`).
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.errors import ApiError
from mockserver.middleware.browsers import OriginPolicy, origin_of

TOKEN_HEADER = b"x-mock-admin-token"
CONSOLE_PAGE = "/__mock"
CONSOLE_FILES = ("/__mock/console.js", "/__mock/console.css")
_BODYLESS = {"GET", "HEAD", "OPTIONS"}


class AdminGuard:
    def __init__(self, app: ASGIApp, policy: OriginPolicy, token: str | None = None) -> None:
        self.app = app
        self.policy = policy
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])  # the last of a repeated header: enough to refuse on
        if _console_page(scope, headers):  # a navigation cannot send the token; the page holds
            await self.app(scope, receive, send)  # no state and asks for the token itself
            return
        if self.token is not None and not hmac.compare_digest(
            headers.get(TOKEN_HEADER, b""), self.token
        ):
            raise ApiError(
                401,
                "MOCK_ADMIN_TOKEN_REQUIRED",
                "The admin API needs the X-Mock-Admin-Token header (--admin-token)",
                "header.x-mock-admin-token:invalid",
            )
        origin = origin_of(scope)
        if origin is not None and not self.policy.trusts(origin):
            raise ApiError(
                403,
                "MOCK_ORIGIN_NOT_ALLOWED",
                "The admin API answers pages on loopback origins and those given with "
                "--cors-origin only",
                "header.origin:notAllowed",
            )
        if scope["method"] not in _BODYLESS and _has_body(headers) and not _is_json(headers):
            raise ApiError(
                415,
                "MOCK_JSON_REQUIRED",
                "An admin request body must be sent as Content-Type: application/json",
                "header.content-type:unsupported",
            )
        await self.app(scope, receive, send)


def _console_page(scope: Scope, headers: dict[bytes, bytes]) -> bool:
    """The console's page and its two static files: the same for everyone, no state in them."""
    if scope["method"] not in ("GET", "HEAD"):
        return False
    path = scope["path"].rstrip("/")
    if path in CONSOLE_FILES:
        return True
    return path == CONSOLE_PAGE and b"text/html" in headers.get(b"accept", b"")


def _has_body(headers: dict[bytes, bytes]) -> bool:
    length = headers.get(b"content-length", b"0").strip()
    return (
        length not in (b"", b"0") or b"transfer-encoding" in headers or b"content-type" in headers
    )


def _is_json(headers: dict[bytes, bytes]) -> bool:
    media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return media == b"application/json" or (
        media.startswith(b"application/") and media.endswith(b"+json")
    )


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def exposure_problem(host: str, token: str | None) -> str | None:
    """Why the mock must not start this way (None: it may): reachable from other machines, the
    admin API would let anyone on the network reset worlds or switch scenarios on for everyone."""
    if is_loopback(host) or token:
        return None
    return (
        f"--host {host} is reachable from other machines: start it with --admin-token TOKEN "
        "(every /__mock call must then send X-Mock-Admin-Token), or bind to 127.0.0.1"
    )
