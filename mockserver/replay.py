"""`mockserver replay BUNDLE --base-url URL`: re-send a bundle's journal (bundle.py), in order, to
any server, and report every answer that differs from the recorded one.

Against this mock (found by `GET /__mock`) the calls go to a namespace of their own (a fresh
`replay-…` one unless --namespace names one), loaded first with the bundle's `start` (the world,
scenario and rules as they were just before the first recorded call), its clock frozen and moved
to each call's recorded world time before the call: timed transitions (a supplier's autopilot, a
quote's expiry) happen between the same calls as they did. Against another server the calls are
sent as they are. A bundle without a start is replayed onto whatever the target has.

A difference is a status, an error `code` (the body's top-level `code`), or a shape: the answer
is not valid against the spec's operation (openapi-core, as `mockserver proxy` checks). Bodies
are not compared value by value: timestamps and generated values differ from run to run.

Credentials are cut in the journal (`Bearer abcd1234…`): a cut key is replaced by the --token (or
the profile's environment variable) that starts the same way, else the operation's role's key; a
cut cookie or API-key header is dropped unless --header gives it. A call recorded without a
credential is sent without one.
"""

from __future__ import annotations

import base64
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from mockserver.bundle import fingerprint, spec_sha256
from mockserver.contract.errors import ToolError
from mockserver.contract.profile import Profile
from mockserver.contract.proxy import OpenAPIRequest, OpenAPIResponse, Validator
from mockserver.redaction import Redaction
from mockserver.replay_target import ADMIN_TOKEN, Target
from mockserver.spec import Spec

DROPPED = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "transfer-encoding",
        "accept-encoding",
        "x-mock-namespace",
        "keep-alive",
        "te",
        "upgrade",
    }
)
CUT_MARK = "…"


@dataclass(frozen=True)
class ReplayOptions:
    base_url: str
    spec: Spec
    profile: Profile
    tokens: Mapping[str, str] = field(default_factory=dict)  # role -> key
    token_names: Mapping[str, str] = field(default_factory=dict)  # key -> $VAR it came from
    headers: Mapping[str, str] = field(default_factory=dict)
    namespace: str | None = None
    load: bool = True  # against the mock: load the bundle's start first
    timeout: float = 10.0


@dataclass
class Difference:
    entry: dict[str, Any]
    reasons: list[str]
    curl: str

    def lines(self) -> list[str]:
        req = self.entry["request"]
        head = (
            f"DIFF #{self.entry.get('id')} {req['method']} {req['path']} "
            f"({self.entry.get('operationId') or '-'}; recorded answer decided by "
            f"{self.entry.get('decidedBy')})"
        )
        return [head, *(f"  {reason}" for reason in self.reasons), f"  {self.curl}"]


@dataclass
class ReplayResult:
    sent: int = 0
    differences: list[Difference] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def replay(bundle: Any, options: ReplayOptions, out: Callable[[str], None] = print) -> ReplayResult:
    """Send every journal entry of `bundle`, oldest first; ToolError when it cannot."""
    if not isinstance(bundle, dict) or bundle.get("version") != 1:
        raise ToolError("not a version 1 bundle (GET /__mock/bundle writes one)")
    result = ReplayResult()
    if (bundle.get("spec") or {}).get("sha256") != spec_sha256(options.spec.document):
        result.notes.append("the bundle was recorded with another spec than the one given")
    with httpx.Client(base_url=options.base_url.rstrip("/"), timeout=options.timeout) as http:
        admin_headers = {k: v for k, v in options.headers.items() if k.lower() == ADMIN_TOKEN}
        target = Target(http, options.base_url, admin_headers)
        target.prepare(bundle, options.namespace, options.load, result.notes)
        out(target.describe(len(bundle.get("journal") or [])))
        validator = Validator(options.spec, options.profile)
        redaction = Redaction.from_spec(options.spec.document)
        for entry in bundle.get("journal") or []:
            request = _request(entry, options, redaction, target.namespace)
            if isinstance(request, str):
                result.skipped.append(f"#{entry.get('id')}: {request}")
                continue
            target.align_clock(entry)
            try:
                response: httpx.Response | str = http.send(request)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nobody there
                raise ToolError(f"{request.method} {request.url}: {exc}") from None
            except httpx.TransportError as exc:  # an answer broken off: a fault to compare too
                response = f"no answer ({type(exc).__name__})"
            result.sent += 1
            reasons = _differences(entry, request, response, validator)
            if reasons:
                diff = Difference(entry, reasons, _curl(request, options.token_names))
                result.differences.append(diff)
                for line in diff.lines():
                    out(line)
    for line in result.notes:
        out(f"note: {line}")
    out(
        f"replay: {result.sent} sent, {len(result.differences)} differ, "
        f"{len(result.skipped)} skipped" + "".join(f"\n  skipped {s}" for s in result.skipped)
    )
    return result


def _request(
    entry: dict[str, Any], options: ReplayOptions, redaction: Redaction, namespace: str | None
) -> httpx.Request | str:
    """The recorded call as it is sent again, or why it cannot be."""
    req = entry["request"]
    if req.get("bodyTruncated"):
        return "its body was cut at 16 KB in the journal"
    headers: dict[str, str] = {}
    for name, value in (req.get("headers") or {}).items():
        if name in DROPPED:
            continue
        if CUT_MARK in value and (name in ("authorization", "cookie") or name in redaction.headers):
            known = (entry.get("credentialFingerprints") or {}).get(name)
            value = _credential(name, value, entry.get("operationId"), known, options)
            if value is None:
                continue
        headers[name] = value
    for name, value in options.headers.items():
        headers = {k: v for k, v in headers.items() if k != name.lower()}
        headers[name.lower()] = value
    if namespace is not None:
        headers["x-mock-namespace"] = namespace
    if req.get("json") is not None:
        content = orjson.dumps(req["json"])
    elif req.get("bodyBase64") is not None:
        content = base64.b64decode(req["bodyBase64"])
    else:
        content = (req.get("body") or "").encode()
    return httpx.Request(
        req["method"],
        options.base_url.rstrip("/") + req["path"],
        params=req.get("query") or {},
        headers=headers,
        content=content,
    )


def _credential(
    name: str, value: str, operation_id: str | None, known: str | None, options: ReplayOptions
) -> str | None:
    """A cut bearer key replaced by the given key it was (by its fingerprint), else one that
    starts the same way, else the operation's role's key; other cut credentials dropped."""
    scheme, _, cut = value.partition(" ")
    if name != "authorization" or not cut:
        return None
    keys = list(options.tokens.values())
    same = [k for k in keys if known is not None and fingerprint(k) == known]
    alike = [k for k in keys if k.startswith(cut.removesuffix(CUT_MARK))]
    wanted = options.profile.key_for(operation_id or "", options.tokens)
    if same:
        return f"{scheme} {same[0]}"
    key = wanted if wanted in alike or not alike else alike[0]
    return f"{scheme} {key}" if key else None


def _differences(
    entry: dict[str, Any],
    request: httpx.Request,
    response: httpx.Response | str,
    validator: Validator,
) -> list[str]:
    """Status, error code, shape; a call the journal recorded without a status (a network
    fault) is the same when it again gets no answer."""
    recorded = entry["response"]
    if isinstance(response, str) or recorded["status"] is None:
        got = response if isinstance(response, str) else response.status_code
        if isinstance(response, str) and recorded["status"] is None:
            return []
        return [f"status: recorded {recorded['status'] or 'no answer'}, got {got}"]
    reasons = []
    if response.status_code != recorded["status"]:
        reasons.append(f"status: recorded {recorded['status']}, got {response.status_code}")
    before, after = _code(recorded.get("json")), _code(_json(response))
    if before != after:
        reasons.append(f"code: recorded {before or '-'}, got {after or '-'}")
    if not str(after or "").startswith("MOCK_") and entry.get("decidedBy") != "route":
        checked = validator.check(
            OpenAPIRequest(
                request.method, str(request.url), dict(request.headers), request.content
            ),
            OpenAPIResponse(response.status_code, dict(response.headers), response.content),
        )
        reasons += [f"shape: {v.reason}" for v in checked if v.direction == "response"]
    return reasons


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _code(body: Any) -> str | None:
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def _curl(request: httpx.Request, token_names: Mapping[str, str]) -> str:
    """The call as a curl command; a key from the environment is written as its variable."""
    parts = ["curl", "-X", request.method, shlex.quote(str(request.url))]
    for name, value in request.headers.items():
        if name in (
            "host",
            "content-length",
            "accept",
            "accept-encoding",
            "connection",
            "user-agent",
        ):
            continue
        line = f"{name}: {value}"
        secret = next((k for k in token_names if k and k in line), None)
        if secret is None:
            parts += ["-H", shlex.quote(line)]
        else:
            escaped = line.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
            parts += ["-H", '"' + escaped.replace(secret, "${" + token_names[secret] + "}") + '"']
    if request.content:
        parts += ["--data-raw", shlex.quote(request.content.decode("utf-8", "replace"))]
    return " ".join(parts)


def run_replay(args: Any) -> int:
    """The CLI's `replay`: 0 every answer the same, 1 differences, 2 the tool could not."""
    import os
    import sys

    from mockserver import spec as spec_files
    from mockserver.contract.cli import _headers, _tokens_from_env
    from mockserver.contract.profile import load_profile
    from mockserver.errors import ConfigError

    def err(message: str) -> int:
        print(f"mockserver replay: error: {message}", file=sys.stderr)
        return 2

    try:
        bundle = orjson.loads(args.bundle.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        return err(f"{args.bundle}: {exc}")
    try:
        spec = spec_files.load(args.spec)
        profile = load_profile()
        from_env = {os.environ[v]: v for v in profile.token_env.values() if os.environ.get(v)}
        tokens = profile.parse_tokens(args.token or _tokens_from_env(profile.token_env, os.environ))
        options = ReplayOptions(
            base_url=args.base_url,
            spec=spec,
            profile=profile,
            tokens=tokens,
            token_names={} if args.token else from_env,
            headers=_headers(args.header),
            namespace=args.namespace,
            load=args.load,
        )
        result = replay(bundle, options)
    except (ToolError, ConfigError) as exc:
        return err(str(exc))
    return 1 if result.differences else 0
