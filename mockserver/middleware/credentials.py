"""As an API's guards do, a call without a credential is refused before its input is validated:
an operation whose `security` requires one gets 401 unless the request carries what one of its
alternatives names, exactly as the spec's `securitySchemes` declare them (bearer, basic, apiKey
in a header, query parameter or cookie, with the scheme's own names). Whether the credential is
*valid* is the world's business; without a world, any present credential passes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from mockserver.errors import ApiError
from mockserver.headers import text_headers
from mockserver.middleware.routing import operation_id
from mockserver.spec import Spec

Check = tuple[str, str]  # ("authorization", scheme) | ("header" | "query" | "cookie", name)
Alternative = tuple[Check, ...]  # all must be present
ANYTHING: Check = ("anything", "")  # a scheme the mock cannot see (mutual TLS)
_HTTP_SPACE = " \t\r\n\x0b\x0c"  # what bytes.strip() strips: a header value's blank is ASCII


def requirements(spec: Spec, also: Iterable[str] = ()) -> dict[str, tuple[Alternative, ...]]:
    """operationId → the alternatives that satisfy it, for every secured operation; `also`
    names schemes that count on every secured operation besides its own (a flavor's)."""
    schemes = spec.document.get("components", {}).get("securitySchemes", {})
    extra = tuple((_check(schemes.get(name, {})),) for name in also if name in schemes)
    return {
        op.operation_id: tuple(
            tuple(_check(schemes.get(name, {})) for name in requirement)
            for requirement in op.security
        )
        + extra
        for op in spec.operations.values()
        if op.secured
    }


def _check(scheme: Mapping[str, Any]) -> Check:
    kind = scheme.get("type")
    if kind == "http":
        return ("authorization", str(scheme.get("scheme", "bearer")).lower())
    if kind == "apiKey":
        where, name = scheme.get("in", "header"), str(scheme.get("name", ""))
        return (where, name.lower() if where == "header" else name)
    if kind in ("oauth2", "openIdConnect"):
        return ("authorization", "bearer")
    return ANYTHING


class CredentialGuard:
    def __init__(self, app: Any, needs: Mapping[str, tuple[Alternative, ...]]) -> None:
        self.app = app
        self.needs = needs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.check(scope, operation_id(scope) or "")
        await self.app(scope, receive, send)

    def check(self, scope: Scope, op_id: str) -> None:
        """Refuse (401) a call to `op_id` that carries none of the credentials it needs."""
        alternatives = self.needs.get(op_id)
        if not alternatives:
            return
        for alternative in alternatives:  # loops, not any/all: this runs on every call
            for check in alternative:
                if not _has(scope, check):
                    break
            else:
                return
        raise ApiError(401, "NOT_AUTHENTICATED", detail="auth:missingCredential")


def _has(scope: Scope, check: Check) -> bool:
    where, name = check
    if where == "anything":
        return True
    if where == "query":
        query = scope.get("query_string", b"").decode("latin-1")
        return any(key == name and value for key, value in parse_qsl(query))
    headers = text_headers(scope)  # the last copy of each header, decoded once: the usual case
    if where == "authorization":
        if _names_scheme(headers.get("authorization", ""), name):
            return True
    elif where == "header":
        if headers.get(name, "").strip(_HTTP_SPACE):
            return True
    elif where == "cookie" and _cookie(headers.get("cookie", ""), name):
        return True
    return _in_any_copy(scope, where, name)


def _in_any_copy(scope: Scope, where: str, name: str) -> bool:
    """A header sent more than once carries the credential if any copy does."""
    for header, value in scope["headers"]:
        if where == "authorization" and header == b"authorization":
            if _names_scheme(value.decode("latin-1"), name):
                return True
        elif (where == "header" and header.decode("latin-1") == name and value.strip()) or (
            where == "cookie" and header == b"cookie" and _cookie(value.decode("latin-1"), name)
        ):
            return True
    return False


def _names_scheme(value: str, scheme: str) -> bool:
    """`Authorization: <scheme> <credential>`, the scheme in any case, the credential not blank."""
    given, _, token = value.partition(" ")
    return given.lower() == scheme and bool(token.strip())


def _cookie(header: str, name: str) -> bool:
    if not header:
        return False
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:  # a malformed cookie header carries no cookie
        return False
    return bool(name in jar and jar[name].value)
