"""Run schemathesis against any implementation of the spec and turn its events into findings.

The flow: load the spec (the project's loader) → resolve the target URL and the operations → add
the profile's links to an in-memory copy → build a schemathesis config (checks, keys per role,
seed, examples) → drive the engine → each failed check becomes a `Finding`, each engine error a
`RunError`. Whatever stops the tool before it can test raises `ToolError`.
"""

from __future__ import annotations

import posixpath
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import schemathesis
from schemathesis.config import ConfigError, SchemathesisConfig
from schemathesis.core.errors import LoaderError
from schemathesis.engine import events, from_schema
from schemathesis.engine.run import PhaseName

from mockserver import spec as spec_files
from mockserver.contract import checks as envelope_checks  # registers them with schemathesis
from mockserver.contract.allowance import Allowance, allowance_for, parse_status, widen
from mockserver.contract.collect import collect
from mockserver.contract.errors import ToolError
from mockserver.contract.isolation import NAMESPACE_HEADER, Namespace, fresh_namespace
from mockserver.contract.profile import Profile, load_profile
from mockserver.contract.report import (
    ContractResult,
)
from mockserver.contract.writers import ReportFile, TrafficRecorder, write_results
from mockserver.settings import DEFAULT_SCENARIOS, DEFAULT_SPEC

DEFAULT_MAX_EXAMPLES = 25
# Schemathesis's checks that judge a response against the contract, then the API's own rules.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
    envelope_checks.error_envelope.__name__,
    envelope_checks.success_envelope.__name__,
)

# Headers an HTTP server reads to frame the message or the connection. Negative cases may carry
# undeclared headers with any name; a junk `Content-Length` makes a request no server can parse, so
# the HTTP parser answers (uvicorn: 400 text/plain) before the API under test sees it.
FRAMING_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "host", "expect", "upgrade", "te"}
    | {"trailer", "keep-alive", "proxy-connection"}
)


@dataclass(frozen=True)
class ContractOptions:
    base_url: str  # http://host:port; the spec's paths are appended as they are
    spec_path: Path = DEFAULT_SPEC
    tokens: Mapping[str, str] = field(default_factory=dict)  # role -> bearer key
    seed: int | None = None  # None: a fresh one, printed so the run can be repeated
    max_examples: int = DEFAULT_MAX_EXAMPLES
    operations: Sequence[str] = ()  # operationIds or tags; empty: all
    reports: Sequence[ReportFile] = ()
    workers: int = 1
    request_timeout: float = 10.0
    headers: Mapping[str, str] = field(default_factory=dict)  # sent on every call, e.g. a namespace
    app: Any = None  # an ASGI app to call in-process instead of over the network
    profile: Profile | None = None  # None: the shipped flavor's profile
    accept_statuses: Sequence[str] = ()  # answers, not failures, from every operation
    scenarios_dir: Path | None = (
        None  # the mock's scenario files; None: the shipped ones with the shipped spec
    )


@dataclass(frozen=True)
class Target:
    """A configured schemathesis schema and what a run needs to report on it."""

    schema: schemathesis.BaseSchema  # ready for the engine, or for a pytest suite
    base_url: str
    seed: int
    secrets: Mapping[str, str]  # key value -> the environment variable curl lines show instead
    allowance: Allowance = field(default_factory=Allowance)
    key_variables: Mapping[str, str] = field(default_factory=dict)  # variable -> role
    namespace: Namespace | None = None  # the mock namespace this run made for itself

    def reset_namespace(self) -> str | None:
        """Drop the namespace the run made on a mock (None: done or nothing to do; else why not).
        A pytest suite built on `schema` calls it when its tests are done."""
        return None if self.namespace is None else self.namespace.reset()


def prepare(options: ContractOptions) -> Target:
    """Spec, URL, operations, links, keys and checks resolved into a schemathesis schema."""
    if options.max_examples < 1 or options.workers < 1:
        raise ToolError("--max-examples and --workers must be at least 1")
    accepted = tuple(dict.fromkeys(parse_status(str(s)) for s in options.accept_statuses))
    profile = options.profile or load_profile()
    spec = _load_spec(options.spec_path)
    base_url = target_base_url(options.base_url, spec)
    namespace = None
    if options.app is None:
        ensure_reachable(base_url, options.request_timeout)
        namespace = fresh_namespace(base_url, options.headers, options.request_timeout)
    if namespace is not None:  # against a mock: a world of the run's own, never the shared one
        options = replace(options, headers={**options.headers, NAMESPACE_HEADER: namespace.name})
    selected = select_operations(spec, options.operations)
    allowance = _allowance(options, spec, base_url, accepted)
    profile = widen(profile, allowance, selected)
    document, links = profile.apply(spec.document)
    seed = options.seed if options.seed is not None else random.getrandbits(32)
    config = _config(
        options, profile, spec, base_url=base_url, seed=seed, selected=selected, inference=not links
    )
    schema = _schema(document, config, options.app)
    _give_keys(schema, profile, options.tokens)
    variables = {
        role: profile.token_env.get(role, f"{role.upper()}_TOKEN") for role in options.tokens
    }
    secrets = {token: variables[role] for role, token in options.tokens.items()}
    key_variables = {variable: role for role, variable in variables.items()}
    return Target(schema, base_url, seed, secrets, allowance, key_variables, namespace)


def _allowance(
    options: ContractOptions, spec: spec_files.Spec, base_url: str, accepted: tuple[str, ...]
) -> Allowance:
    if options.app is not None:  # in-process: no mock to ask for its scenario
        return Allowance(accepted)
    scenarios_dir = options.scenarios_dir
    if scenarios_dir is None and options.spec_path == DEFAULT_SPEC:
        scenarios_dir = DEFAULT_SCENARIOS
    return allowance_for(
        base_url,
        options.headers,
        accepted,
        spec,
        scenarios_dir,
        options.request_timeout,
    )


def contract_target(options: ContractOptions) -> Target:
    """What `mockserver contract` runs, for a project's own pytest suite: `.schema`'s
    `@schema.parametrize()` tests and `as_state_machine()` apply the same checks, keys and links;
    against a mock they run in a namespace of their own, which `.reset_namespace()` drops
    (tests/test_contract_pytest_example.py)."""
    return prepare(options)


def contract_schema(options: ContractOptions) -> schemathesis.BaseSchema:
    """`contract_target(options).schema`, for suites that need no reset (not against a mock)."""
    return prepare(options).schema


def run(options: ContractOptions, progress: Callable[[str], None] | None = None) -> ContractResult:
    """Fuzz the target with the spec; failures are data in the result, tool problems raise."""
    target = prepare(options)
    if progress is not None and target.namespace is not None:
        progress(f"against a mock: namespace {target.namespace.name}, reset when the run ends")
    result = ContractResult(
        seed=target.seed,
        base_url=target.base_url,
        accepting=target.allowance.describe(),
        key_variables=target.key_variables,
    )
    traffic = TrafficRecorder(
        list(options.reports),
        seed=target.seed,
        command=f"mockserver contract --base-url {target.base_url} --seed {target.seed}",
    )
    started = time.monotonic()
    try:
        for event in from_schema(target.schema).execute():
            traffic.on_event(event)
            collect(event, result, target.allowance, target.secrets)
            line = _progress_line(event)
            if progress is not None and line:
                progress(line)
    finally:
        traffic.close()
        problem = target.reset_namespace()
        if problem and progress is not None:
            progress(problem)
    result.elapsed = time.monotonic() - started
    write_results(list(options.reports), result)
    return result


def _load_spec(path: Path) -> spec_files.Spec:
    try:
        return spec_files.load(path)
    except spec_files.SpecError as exc:
        raise ToolError(str(exc)) from None


def target_base_url(url: str, spec: spec_files.Spec) -> str:
    """`http://host:port`: a trailing copy of the spec's shared path prefix is dropped, because the
    spec's paths already carry it (`/api/v1/...`) and a doubled prefix reaches nothing."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ToolError(f"--base-url {url!r} is not an http(s) URL such as http://127.0.0.1:4010")
    path = parts.path.rstrip("/")
    paths = [operation.path for operation in spec.operations.values()]
    shared = posixpath.commonpath(paths) if paths else "/"
    if shared != "/" and path.endswith(shared):
        path = path[: -len(shared)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def ensure_reachable(base_url: str, timeout: float) -> None:
    try:
        httpx.get(base_url + "/", timeout=min(timeout, 5.0))
    except httpx.TransportError as exc:
        raise ToolError(f"cannot reach {base_url}: {exc or type(exc).__name__}") from None


def select_operations(spec: spec_files.Spec, wanted: Sequence[str]) -> list[str]:
    """operationIds matching each wanted operationId or tag (tags case-insensitively)."""
    if not wanted:
        return list(spec.operations)
    chosen: dict[str, None] = {}
    for item in wanted:
        matches = [
            op_id
            for op_id, op in spec.operations.items()
            if op_id == item or item.lower() in (tag.lower() for tag in op.tags)
        ]
        if not matches:
            raise ToolError(
                f"--operations {item!r} is neither an operationId nor a tag in {spec.path.name}"
            )
        chosen.update(dict.fromkeys(matches))
    return list(chosen)


def _config(
    options: ContractOptions,
    profile: Profile,
    spec: spec_files.Spec,
    *,
    base_url: str,
    seed: int,
    selected: list[str],
    inference: bool,
) -> SchemathesisConfig:
    def present(ids: Sequence[str]) -> list[str]:
        return [op_id for op_id in ids if op_id in spec.operations]

    operations: list[dict[str, Any]] = []
    if len(selected) < len(spec.operations):
        # An `[[operations]]` entry that is switched off deselects what it matches: all but ours.
        operations.append({"exclude-operation-id": selected, "enabled": False})
    for off in profile.checks_off:
        if present(off.operations):
            operations.append(
                {
                    "include-operation-id": present(off.operations),
                    "checks": {off.check: {"enabled": False}},
                }
            )
    for more in profile.more_expected:
        if present(more.operations):
            statuses = [*_default_statuses(more.check), *more.statuses]
            operations.append(
                {
                    "include-operation-id": present(more.operations),
                    "checks": {more.check: {"expected-statuses": statuses}},
                }
            )
    data: dict[str, Any] = {
        "seed": seed,
        "base-url": base_url,
        "workers": options.workers,
        "request-timeout": options.request_timeout,
        "generation": {"max-examples": options.max_examples, "database": "none"},
        # A loaded CI machine makes generation slow; speed is not part of the contract.
        "suppress-health-check": ["too_slow"],
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "operations": operations,
    }
    if options.headers:
        data["headers"] = dict(options.headers)
    if not inference:  # the profile's links say which calls chain; guessed ones would blur that
        data["phases"] = {"stateful": {"inference": {"algorithms": []}}}
    try:
        return SchemathesisConfig.from_dict(data)
    except ConfigError as exc:
        raise ToolError(f"schemathesis configuration: {str(exc).strip().splitlines()[0]}") from None


def _default_statuses(check: str) -> list[str]:
    """The statuses schemathesis expects by default from a check that has such a list."""
    config = SchemathesisConfig().projects.default.checks.get_by_name(name=check)
    statuses = getattr(config, "expected_statuses", None)
    if not statuses:
        raise ToolError(f"profile: {check!r} is not a check with expected statuses")
    return [str(status) for status in statuses]


def _schema(
    document: dict[str, Any], config: SchemathesisConfig, app: Any
) -> schemathesis.BaseSchema:
    try:
        schema = schemathesis.openapi.from_dict(document, config=config)
    except LoaderError as exc:
        raise ToolError(f"schemathesis cannot use the spec: {exc.message}") from None
    if app is not None:
        schema.app = app
    schema.hook("filter_headers")(_parsable)
    transitions = schema.statistic.transitions
    if transitions.total and not transitions.selected:
        # Links exist but none joins two selected operations: nothing to chain, so no phase.
        schema.config.phases.stateful.enabled = False
    return schema


def _parsable(ctx: schemathesis.HookContext, headers: Mapping[str, Any] | None) -> bool:
    """Generated headers leave HTTP framing to the client (this run's schema only)."""
    return not headers or FRAMING_HEADERS.isdisjoint(name.lower() for name in headers)


def _give_keys(
    schema: schemathesis.BaseSchema, profile: Profile, tokens: Mapping[str, str]
) -> None:
    """Each call carries its role's bearer key. An auth provider (not a fixed header) makes the
    key explicit auth to schemathesis, so `ignored_auth` probes without it in every mode."""

    class RoleKeys:
        def get(self, case: schemathesis.Case[Any], ctx: schemathesis.AuthContext) -> str | None:
            return profile.key_for(str(case.operation.definition.raw.get("operationId")), tokens)

        def set(
            self, case: schemathesis.Case[Any], key: str, ctx: schemathesis.AuthContext
        ) -> None:
            case.headers["Authorization"] = f"Bearer {key}"

    if tokens:
        schema.auth(refresh_interval=None)(RoleKeys)


def _progress_line(event: events.EngineEvent) -> str | None:
    if (
        isinstance(event, events.PhaseFinished)
        and event.phase.is_enabled
        and event.phase.name
        in (PhaseName.EXAMPLES, PhaseName.COVERAGE, PhaseName.FUZZING, PhaseName.STATEFUL_TESTING)
    ):
        return f"{event.phase.name.value} phase: {event.status.value}"
    return None
