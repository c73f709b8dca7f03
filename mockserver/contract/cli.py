"""`mockserver contract` and `mockserver proxy`: parse, call the library, map to an exit code.

Exit codes: 0 passed, 1 contract failures (or proxy violations of the kind --fail-on names),
2 tool error (one line on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mockserver.errors import MockserverError
from mockserver.settings import DEFAULT_SPEC

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_OK, EXIT_FAILURES, EXIT_TOOL_ERROR = 0, 1, 2
FAIL_ON = ("response", "request", "any")


def add_contract_parser(subparsers: Subparsers) -> None:
    from mockserver.contract.runner import DEFAULT_MAX_EXAMPLES
    from mockserver.contract.writers import FORMATS

    contract = subparsers.add_parser(
        "contract",
        help="fuzz an implementation against the spec (schemathesis)",
        description="Fuzz a running implementation with the spec and fail on any contract "
        "violation. Keys: --token, or the environment variables the profile names.",
    )
    contract.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:4010")
    contract.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI 3.0 document")
    contract.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="[ROLE=]KEY",
        help="bearer key; repeat with operator=KEY to reach operator-only steps",
    )
    contract.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header on every call. Against the mock a run uses a fresh namespace and "
        "resets it at the end; 'X-Mock-Namespace: ci-$JOB' names it instead (and keeps it)",
    )
    contract.add_argument("--seed", type=int, help="same seed, same requests")
    contract.add_argument(
        "--max-examples",
        type=int,
        default=DEFAULT_MAX_EXAMPLES,
        help=f"generated requests per operation and phase (default {DEFAULT_MAX_EXAMPLES})",
    )
    contract.add_argument(
        "--operations",
        action="append",
        default=[],
        metavar="ID_OR_TAG",
        help="only these operationIds or tags (repeat, or comma-separate)",
    )
    contract.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT:PATH",
        help=f"write a report; FORMAT is one of {', '.join(FORMATS)}",
    )
    contract.add_argument(
        "--accept-status",
        action="append",
        default=[],
        metavar="STATUS",
        help="an answer, not a failure, from any operation (repeat); against the mock, the "
        "statuses its active scenario makes operations answer are accepted on their own",
    )
    contract.add_argument(
        "--scenarios",
        type=Path,
        metavar="DIR",
        help="the mock's scenario folder, to read its active scenario (default: the shipped "
        "scenarios with the shipped spec)",
    )
    contract.add_argument("--workers", type=int, default=1, help="concurrent workers")
    contract.add_argument("--request-timeout", type=float, default=10.0, metavar="SECONDS")
    contract.set_defaults(func=run_contract)


def run_contract(args: argparse.Namespace) -> int:
    from mockserver.contract import ContractOptions, load_profile, parse_report, run
    from mockserver.contract.report import render

    try:
        profile = load_profile()
        options = ContractOptions(
            base_url=args.base_url,
            spec_path=args.spec,
            tokens=profile.parse_tokens(
                args.token or _tokens_from_env(profile.token_env, os.environ)
            ),
            headers=_headers(args.header),
            seed=args.seed,
            max_examples=args.max_examples,
            operations=[
                item.strip()
                for value in args.operations
                for item in value.split(",")
                if item.strip()
            ],
            reports=[parse_report(value) for value in args.report],
            workers=args.workers,
            request_timeout=args.request_timeout,
            profile=profile,
            accept_statuses=args.accept_status,
            scenarios_dir=args.scenarios,
        )
        result = run(options, progress=lambda line: print(line, file=sys.stderr))
    except MockserverError as exc:  # a tool error or an unusable file (spec, profile)
        print(f"mockserver contract: error: {exc}", file=sys.stderr)
        return EXIT_TOOL_ERROR
    print(render(result))
    if result.findings:
        return EXIT_FAILURES
    return EXIT_TOOL_ERROR if result.errors else EXIT_OK


def _headers(values: list[str]) -> dict[str, str]:
    from mockserver.contract.errors import ToolError

    headers = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise ToolError(f"--header {value!r}: write it as 'Name: value'")
        headers[name.strip()] = content.strip()
    return headers


def _tokens_from_env(names: Mapping[str, str], environ: Mapping[str, str]) -> list[str]:
    return [f"{role}={environ[name]}" for role, name in names.items() if environ.get(name)]


def add_proxy_parser(subparsers: Subparsers) -> None:
    proxy = subparsers.add_parser(
        "proxy",
        help="forward to an upstream and check every exchange against the spec",
        description="Forward every request to --upstream unchanged and report each request or "
        "response that breaks the spec (openapi-core); a summary prints on exit.",
    )
    proxy.add_argument("--upstream", required=True, help="e.g. https://staging.example.com")
    proxy.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI 3.0 document")
    proxy.add_argument("--host", default="127.0.0.1")
    proxy.add_argument("--port", type=int, default=4011)
    proxy.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="when stopped, exit 1 if a violation of this kind was seen (for CI): a response that "
        "breaks the spec (the server's fault), a request (the client's), or any",
    )
    proxy.add_argument(
        "--fail-on-violation",
        dest="fail_on",
        action="store_const",
        const="any",
        help="the same as --fail-on any",
    )
    proxy.set_defaults(func=run_proxy)


def run_proxy(args: argparse.Namespace) -> int:
    from mockserver.contract.proxy import ProxyOptions, serve

    try:
        log = serve(
            ProxyOptions(
                upstream=args.upstream, spec_path=args.spec, host=args.host, port=args.port
            ),
            out=lambda line: print(line, file=sys.stderr, flush=True),
        )
    except MockserverError as exc:  # a tool error or an unusable file (spec, profile)
        print(f"mockserver proxy: error: {exc}", file=sys.stderr)
        return EXIT_TOOL_ERROR
    print(log.summary())
    return EXIT_FAILURES if args.fail_on and log.violations_of(args.fail_on) else EXIT_OK
