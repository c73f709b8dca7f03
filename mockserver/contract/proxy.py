"""A validating proxy: every request goes to the upstream and its answer comes back byte for byte;
on the way, openapi-core checks the request and the response against the spec (plus the API's
envelope rules), and each violation is logged with operation, direction and reason.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.finders import APICallPathFinder
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from werkzeug.datastructures import Headers, ImmutableMultiDict

from mockserver import flavors
from mockserver import spec as spec_files
from mockserver.contract import checks
from mockserver.contract.errors import ToolError
from mockserver.contract.profile import Profile, load_profile
from mockserver.errors import ApiError, ConfigError
from mockserver.settings import DEFAULT_SPEC

# Headers about one hop, not the message (RFC 9110 §7.6.1); the rest pass through untouched.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
REASON_LIMIT = 400


@dataclass(frozen=True)
class ProxyOptions:
    upstream: str  # e.g. https://staging.example.com; the request path is appended as it is
    spec_path: Path = DEFAULT_SPEC
    host: str = "127.0.0.1"
    port: int = 4011
    timeout: float = 30.0
    profile: Profile | None = None  # None: the shipped flavor's profile (its envelope rules)


@dataclass(frozen=True)
class Violation:
    operation: str  # operationId, or "-" when no operation of the spec matches
    direction: str  # "request" or "response"
    reason: str
    method: str
    path: str
    status: int | None = None

    def line(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        return (
            f"VIOLATION {self.direction} {self.operation} {self.method} {self.path}{status}: "
            f"{self.reason}"
        )


@dataclass
class ViolationLog:
    """Every violation seen, written out as it happens and counted for the summary on exit."""

    out: Callable[[str], None] | None = None
    exchanges: int = 0
    upstream_errors: int = 0
    violations: list[Violation] = field(default_factory=list)

    def record(self, found: list[Violation]) -> None:
        self.exchanges += 1
        self.violations += found
        for violation in found:
            self._write(violation.line())

    def upstream_failed(self, method: str, path: str, reason: str) -> None:
        self.exchanges += 1
        self.upstream_errors += 1
        self._write(f"UPSTREAM {method} {path}: {reason}")

    def violations_of(self, kind: str) -> list[Violation]:
        """`request`, `response` or `any`: what `--fail-on` counts."""
        return [v for v in self.violations if kind in ("any", v.direction)]

    def _write(self, line: str) -> None:
        if self.out is not None:
            self.out(line)

    def summary(self) -> str:
        by_direction = Counter(v.direction for v in self.violations)
        head = (
            f"proxy: {self.exchanges} exchanges, {len(self.violations)} violations "
            f"({by_direction['request']} request, {by_direction['response']} response)"
        )
        if self.upstream_errors:
            head += f", {self.upstream_errors} upstream errors"
        counts = Counter((v.operation, v.direction) for v in self.violations)
        rows = [
            f"  {count:4d}  {direction:8s} {operation}"
            for (operation, direction), count in counts.most_common()
        ]
        return "\n".join([head, *rows])


class OpenAPIRequest:
    """openapi-core's view of the request the client sent."""

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes) -> None:
        parts = urlsplit(url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.method = method.lower()
        self.body = body or None
        self.content_type = headers.get("content-type", "")
        cookies = dict(
            item.strip().partition("=")[::2]
            for item in headers.get("cookie", "").split(";")
            if "=" in item
        )
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(parts.query, keep_blank_values=True)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(cookies),
        )


class OpenAPIResponse:
    def __init__(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.status_code = status
        self.content_type = headers.get("content-type", "")
        self.headers = Headers(headers)
        self.data = data


class Validator:
    """The spec as openapi-core sees it, served from the proxy's root (the paths carry /api/v1)."""

    def __init__(self, spec: spec_files.Spec, profile: Profile) -> None:
        self.spec = spec
        self.document, _ = profile.apply(spec.document)
        self.openapi = OpenAPI.from_dict({**self.document, "servers": [{"url": "/"}]})
        self.finder = APICallPathFinder(self.openapi.spec)

    def check(self, request: OpenAPIRequest, response: OpenAPIResponse) -> list[Violation]:
        operation_id = self._operation_id(request)

        def violation(direction: str, reason: str) -> Violation:
            return Violation(
                operation_id or "-",
                direction,
                _short(reason),
                request.method.upper(),
                request.path,
                response.status_code,
            )

        found = [
            violation("request", reason)
            for error in self.openapi.unmarshal_request(request).errors
            for reason in _reasons(error)
        ]
        if operation_id is None:  # the request already says so; the response cannot be judged
            return found
        result = self.openapi.unmarshal_response(request, response)
        found += [
            violation("response", reason) for error in result.errors for reason in _reasons(error)
        ]
        found += [
            violation("response", f"envelope: {problem}")
            for problem in self._envelope_problems(operation_id, response)
        ]
        return found

    def _operation_id(self, request: OpenAPIRequest) -> str | None:
        try:
            found = self.finder.find(request.method, request.host_url + request.path)
        except Exception:  # any "not found" of openapi-core: no operation to name
            return None
        return str((found.operation / "operationId").read_str())

    def _envelope_problems(self, operation_id: str, response: OpenAPIResponse) -> list[str]:
        document, status = self.document, response.status_code
        raw = self.spec.operations[operation_id].raw
        wanted = checks.envelopes(document)
        if status >= 400 and "error" in wanted:
            return checks.error_problems(
                response.data, status, checks.documented_codes(document, raw, status)
            )
        if (
            200 <= status < 300
            and "success" in wanted
            and checks.documents_json(document, raw, status)
        ):
            return checks.success_problems(response.data, status)
        return []


def _reasons(error: Exception) -> list[str]:
    """One reason per schema error (with where it is), else openapi-core's own sentence."""
    cause = error.__cause__ or error
    details = [
        f"{e.message} (at {'.'.join(map(str, e.absolute_path)) or 'body'})"
        for e in getattr(cause, "schema_errors", ())
    ]
    name = type(cause).__name__
    return details or [str(cause).removeprefix(f"{name}: ") or name]


def _short(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[:REASON_LIMIT] + "…"


def create_proxy_app(options: ProxyOptions, log: ViolationLog) -> Starlette:
    """The proxy as an ASGI app; `log` collects what it sees."""
    upstream = _upstream(options.upstream)
    try:
        spec = spec_files.load(options.spec_path)
        flavor = flavors.build(spec)
    except ConfigError as exc:
        raise ToolError(str(exc)) from None
    validator = Validator(spec, options.profile or load_profile())

    async def forward(request: Request) -> Response:
        body = await request.body()
        headers = [(k, v) for k, v in request.headers.items() if k not in HOP_BY_HOP]
        path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        target = upstream + path + (f"?{request.url.query}" if request.url.query else "")
        try:
            # A client per exchange: nothing to close at shutdown, and a CI proxy is not a hot path.
            async with httpx.AsyncClient(timeout=options.timeout) as http:
                sent = http.build_request(request.method, target, headers=headers, content=body)
                reply = await http.send(sent, stream=True)
                raw = b"".join([chunk async for chunk in reply.aiter_raw()])  # as sent: no decoding
                await reply.aclose()
        except httpx.HTTPError as exc:
            log.upstream_failed(request.method, request.url.path, f"{type(exc).__name__}: {exc}")
            error = ApiError(
                502,
                "MOCK_UPSTREAM_UNAVAILABLE",
                f"upstream {upstream} did not answer",
                detail=type(exc).__name__,
            )
            refusal = flavor.error(error, None)
            return Response(refusal.raw, status_code=502, media_type=refusal.content_type)
        log.record(_violations(validator, request, body, reply, raw))
        response = Response(raw, status_code=reply.status_code)
        # Set every header as the upstream sent it, repeats (Set-Cookie) included.
        response.raw_headers = [
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in reply.headers.multi_items()
            if k not in HOP_BY_HOP
        ]
        return response

    return Starlette(routes=[Route("/{path:path}", forward, methods=METHODS)])


def _violations(
    validator: Validator, request: Request, body: bytes, reply: httpx.Response, raw: bytes
) -> list[Violation]:
    headers = dict(request.headers.items())
    checked = OpenAPIRequest(request.method, str(request.url), headers, body)
    try:
        decoded = httpx.Response(reply.status_code, headers=reply.headers, content=raw).content
        return validator.check(
            checked, OpenAPIResponse(reply.status_code, dict(reply.headers), decoded)
        )
    except Exception as exc:  # the proxy must forward whatever happens while it judges
        return [
            Violation(
                "-",
                "response",
                f"could not be checked: {type(exc).__name__}: {exc}",
                request.method,
                request.url.path,
                reply.status_code,
            )
        ]


def _upstream(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ToolError(f"--upstream {url!r} is not an http(s) URL")
    return url.rstrip("/")


def serve(options: ProxyOptions, out: Callable[[str], None] | None = None) -> ViolationLog:
    """Run the proxy until Ctrl-C or SIGTERM; the log holds everything it saw."""
    log = ViolationLog(out=out)
    app: Any = create_proxy_app(options, log)
    server = uvicorn.Server(
        uvicorn.Config(app, host=options.host, port=options.port, log_level="warning")
    )
    if out is not None:
        out(
            f"proxy: http://{options.host}:{options.port} -> {options.upstream} "
            f"(checking against {options.spec_path.name}); Ctrl-C stops it"
        )
    with _stop_on_sigterm():
        try:
            server.run()
        except SystemExit:  # uvicorn exits when it cannot bind
            raise ToolError(f"cannot listen on {options.host}:{options.port}") from None
        except KeyboardInterrupt:  # uvicorn shut down cleanly, then re-raised the signal
            pass
    return log


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """After its clean shutdown uvicorn re-raises the signal it caught; SIGTERM's default would end
    the process before the summary is printed, so it becomes a KeyboardInterrupt like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
