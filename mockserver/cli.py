"""`mockserver serve | contract | proxy | scenarios | init`: parse arguments, call the library,
map the result to an exit code (0 ok, 1 failures, 2 bad input or tool error)."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mockserver import __version__
from mockserver.flavors import FLAVORS
from mockserver.settings import DEFAULT_SCENARIOS, DEFAULT_SPEC, Settings

EXIT_USAGE = 2

# connexion imports starlette's TestClient at import time, which warns on every start-up under
# starlette 1.x; it is not ours to fix and says nothing a user can act on.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


LIGHT_COMMANDS = ("serve", "scenarios", "init", "--version")
CONTRACT_COMMANDS = ("contract", "proxy")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="mockserver", description=__doc__)
    parser.add_argument("--version", action="version", version=f"mockserver {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_serve(commands)
    _add_scenarios(commands)
    _add_replay(commands)
    _add_init(commands)
    # The contract commands pull in schemathesis and hypothesis (≈0.3 s and ≈30 MB): a plain
    # `serve` does without them.
    if not argv or argv[0] not in LIGHT_COMMANDS:
        try:
            from mockserver.contract.cli import (  # type: ignore[import-not-found]
                add_contract_parser,
                add_proxy_parser,
            )
        except ImportError as exc:  # contract extras not installed: say how to get them
            if argv and argv[0] in CONTRACT_COMMANDS:
                print(_missing_extra(argv[0], exc), file=sys.stderr)
                return EXIT_USAGE
            for name in CONTRACT_COMMANDS:
                commands.add_parser(name, help=_missing_extra(name, exc))
        else:
            add_contract_parser(commands)
            add_proxy_parser(commands)
    args = parser.parse_args(argv)
    return int(args.func(args))


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="serve the mock")
    serve.add_argument("--host", type=_host, default=Settings.host)
    serve.add_argument("--port", type=_port, default=Settings.port)
    serve.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI 3.0 document")
    serve.add_argument(
        "--scenarios",
        type=Path,
        help="folder of scenario YAML files, worlds in its worlds/ sub-folder (default: the "
        "project's scenarios/ with the project's spec, none with another spec)",
    )
    serve.add_argument("--scenario", help="apply this scenario to every request")
    serve.add_argument(
        "--world",
        default="default",
        help="world fixture name in <scenarios>/worlds/ ('none': stateless)",
    )
    serve.add_argument(
        "--flavor",
        metavar="NAME",
        help=f"how errors, envelopes and credentials look: {', '.join(sorted(FLAVORS))} "
        "(default: the spec's x-mock-flavor, else generic)",
    )
    serve.add_argument("--seed", type=int, help="same seed, same generated bodies")
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against the spec (slower)",
    )
    serve.add_argument(
        "--journal-size",
        type=_count,
        default=Settings.journal_size,
        help="journal entries kept per namespace for GET /__mock/requests (0: no journal)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="print one line per request: time, namespace, method, path, operationId, status, "
        "what decided the answer, duration",
    )
    serve.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=Settings.log_format,
        help="access log lines as text or as one JSON object each",
    )
    serve.add_argument(
        "--watch",
        action="store_true",
        help="reload the spec, the files it $refs, the scenarios and the world fixture when "
        "they change, keeping every namespace's world (an invalid edit keeps the last good one)",
    )
    _add_hardening(serve)
    _add_scale(serve)
    serve.set_defaults(func=_serve)


def _host(text: str) -> str:
    """An IPv6 address may be written as in a URL, `[::1]`: the brackets are not part of it."""
    return text[1:-1] if text.startswith("[") and text.endswith("]") else text


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (1-65535)")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit() or int(text) > 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 0 to 1000000")
    return int(text)


def _settings(args: argparse.Namespace) -> Settings:
    # The shipped scenarios and world belong to the shipped spec: another spec starts without them.
    scenarios = args.scenarios
    if scenarios is None and args.spec.resolve() == DEFAULT_SPEC.resolve():
        scenarios = DEFAULT_SCENARIOS
    return Settings(
        spec_path=args.spec,
        scenarios_dir=scenarios,
        scenario=args.scenario,
        world=None if args.world == "none" else args.world,
        flavor=args.flavor,
        seed=args.seed,
        validate_responses=args.validate_responses,
        host=args.host,
        port=args.port,
        journal_size=args.journal_size,
        access_log=args.access_log,
        log_format=args.log_format,
        store=args.store,
        store_timeout=args.store_timeout,
        workers=args.workers,
        **_hardening(args),
    )


# -- hardening flags (docs/limits.md) ------------------------------------------------------------
def _add_hardening(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--admin-token",
        help="every /__mock call must send it as X-Mock-Admin-Token (required off loopback)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="trust this web origin too (credentials, admin API); loopback ones always are",
    )
    serve.add_argument(
        "--namespace-ttl",
        type=_non_negative(float),
        default=Settings.namespace_ttl,
        metavar="SECONDS",
        help="forget a namespace idle this long (default 3600; 0: never)",
    )
    serve.add_argument(
        "--max-namespaces",
        type=_non_negative(int),
        default=Settings.max_namespaces,
        metavar="N",
        help="namespaces alive at once; new ones beyond are refused with 503 (default 10000)",
    )


def _non_negative(kind: type[float] | type[int]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = -1
        if not 0 <= value < float("inf"):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number >= 0")
        return value

    return parse


def _hardening(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "admin_token": args.admin_token,
        "cors_origins": tuple(args.cors_origin),
        "namespace_ttl": args.namespace_ttl,
        "max_namespaces": args.max_namespaces,
    }


# -- beyond one process (docs/scale.md) -----------------------------------------------------------
def _add_scale(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--store",
        default=Settings.store,
        metavar="URL",
        help="where the worlds live: memory (this process; the default) or redis://HOST:PORT/DB, "
        "one world shared by every worker and host",
    )
    serve.add_argument(
        "--store-timeout",
        type=_lenient(float),
        default=Settings.store_timeout,
        metavar="SECONDS",
        help="a call whose store does not answer within this answers 503 (default 0.5; at most 60)",
    )
    serve.add_argument(
        "--workers",
        type=_lenient(int),
        default=Settings.workers,
        metavar="N",
        help="processes serving the one port (default 1; at most 64); more need --store redis://",
    )


def _lenient(kind: type[float] | type[int]) -> Callable[[str], Any]:
    """A number, or -1 for text that is none: `serve` then refuses it in one line (argparse would
    print its whole usage first)."""

    def parse(text: str) -> Any:
        try:
            return kind(text)
        except ValueError:
            return -1

    return parse


def _serve(args: argparse.Namespace) -> int:
    from mockserver.serve import serve

    return serve(_settings(args), watch=args.watch)


def _add_replay(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = commands.add_parser(
        "replay",
        help="re-send a bug-report bundle's journal to a server and report what answers differ",
        description="Re-send the journal of a bundle (GET /__mock/bundle) in order; report each "
        "answer that differs in status, error code or shape, with a curl for it. Exit 0: all "
        "the same, 1: differences, 2: tool error.",
    )
    replay.add_argument("bundle", type=Path, help="the bundle file (JSON)")
    replay.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:4010")
    replay.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="OpenAPI 3.0 document")
    replay.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="[ROLE=]KEY",
        help="the keys the journal cut (as `contract` takes them; default: the profile's "
        "environment variables)",
    )
    replay.add_argument(
        "--header", action="append", default=[], metavar="'NAME: VALUE'", help="add to every call"
    )
    replay.add_argument("--namespace", help="against the mock: replay in this namespace")
    replay.add_argument(
        "--no-load",
        dest="load",
        action="store_false",
        help="against the mock: do not load the bundle's start into the namespace first",
    )
    replay.set_defaults(func=_replay)


def _replay(args: argparse.Namespace) -> int:
    try:
        from mockserver.replay import run_replay
    except ImportError as exc:
        print(_missing_extra("replay", exc), file=sys.stderr)
        return EXIT_USAGE
    return run_replay(args)


def _add_scenarios(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scenarios = commands.add_parser("scenarios", help="check and list the scenario files")
    scenarios.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    scenarios.add_argument("--scenarios", type=Path, default=DEFAULT_SCENARIOS)
    scenarios.set_defaults(func=_list_scenarios)


def _list_scenarios(args: argparse.Namespace) -> int:
    from mockserver import scenarios, spec
    from mockserver.errors import ConfigError

    try:
        loaded = scenarios.load_dir(args.scenarios, spec.load(args.spec))
    except ConfigError as exc:
        print(f"mockserver: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for scenario in loaded.values():
        operations = sorted({op for rule in scenario.rules for op in rule.operation_ids})
        print(f"{scenario.name}: {scenario.description}")
        print(f"    {len(scenario.rules)} rule(s) on {len(operations)} operation(s)")
    return 0


def _missing_extra(command: str, error: ImportError) -> str:
    return (
        f"mockserver: '{command}' needs the contract extra ({error.name or error} is missing): "
        "pip install 'mockserver[contract]'"
    )


def _add_init(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init", help="write the spec, scenarios and world into a folder, for editing"
    )
    init.add_argument("dir", type=Path, help="the folder (created if missing)")
    init.add_argument("--force", action="store_true", help="overwrite files already there")
    init.set_defaults(func=_init)


def _init(args: argparse.Namespace) -> int:
    from mockserver.scaffold import ScaffoldError, init

    try:
        written = init(args.dir, force=args.force)
    except ScaffoldError as exc:
        print(f"mockserver init: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"mockserver init: wrote {len(written.files)} files into {args.dir}:")
    for path in written.files:
        print(f"  {path}")
    print(f"Edit them, then serve them with:\n  {written.serve_command()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
