"""Running the mock with uvicorn: a banner that says how to use it, a clean Ctrl-C, and
`--workers N`: N processes on one port, each building its own app over the one shared store
(docs/scale.md)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import sys
import traceback
import typing
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from mockserver import gc_policy, http_accept, http_limits
from mockserver.errors import ConfigError
from mockserver.middleware.admin_guard import exposure_problem
from mockserver.settings import Settings

if TYPE_CHECKING:  # imported when built: connexion warns on import, and a worker silences it first
    from mockserver.app import MockApp

EXIT_USAGE = 2
MAX_WORKERS = 64
MAX_STORE_TIMEOUT_S = 60.0
STORE_SCHEMES = ("redis", "rediss", "unix")
# How each worker gets the parent's Settings: uvicorn spawns workers and imports their app by name.
SETTINGS_ENV = "MOCKSERVER_WORKER_SETTINGS"
WORKER_APP = "mockserver.serve:worker_app"


def build(settings: Settings) -> MockApp | str:
    """The app, or one line saying which file is unusable and why (a real bug keeps its
    traceback)."""
    from mockserver.app import MockApp

    problem = startup_problem(settings)
    if problem is not None:
        return problem
    try:
        return MockApp(settings)
    except ConfigError as exc:
        return str(exc)


def authority(host: str, port: int) -> str:
    """host:port as a URL writes it: an IPv6 address in brackets, every interface ("") as
    0.0.0.0."""
    host = host or "0.0.0.0"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen_problem(host: str, port: int) -> str | None:
    """Why the mock cannot listen on host:port (None: it can), in one line and before anything
    is built, rather than after the banner in uvicorn's words. It binds as the server will
    (`http_accept.listening_sockets`): a name that does not resolve, an address in use or not
    on this host, an IPv6 address."""
    try:
        for sock in http_accept.listening_sockets(host, port, 1):
            sock.close()
    except OSError as exc:
        return f"cannot listen on {authority(host, port)}: {exc.strerror or exc}"
    return None


def startup_problem(settings: Settings, *, watch: bool = False) -> str | None:
    """A setting that must stop start-up, in one line: an admin API open to the network, a
    scenarios folder that is not there (the mock would start silently without its world), or a
    store and workers that cannot serve one world."""
    folder = settings.scenarios_dir
    if folder is not None and not folder.is_dir():
        return f"{folder}: (top): --scenarios must be an existing folder"
    return exposure_problem(settings.host, settings.admin_token) or scale_problem(
        settings, watch=watch
    )


def scale_problem(settings: Settings, *, watch: bool = False) -> str | None:
    """Why --store, --store-timeout and --workers cannot work as given (None: they can)."""
    workers = settings.workers
    if not 1 <= workers <= MAX_WORKERS:
        return f"--workers must be a whole number from 1 to {MAX_WORKERS}"
    if not 0 < settings.store_timeout <= MAX_STORE_TIMEOUT_S:
        return (
            f"--store-timeout must be a number of seconds above 0, at most {MAX_STORE_TIMEOUT_S:g}"
        )
    problem = store_problem(settings.store)
    if problem is not None:
        return f"--store {settings.store!r}: {problem}"
    if workers > 1 and settings.store == "memory":
        return (
            f"--workers {workers} needs a shared store: with --store memory each worker holds its "
            "own world, so a session created on one is 404 on another; use --store redis://HOST:PORT/DB"
        )
    if workers > 1 and watch:
        return (
            "--watch reloads one process only: with --workers, kill -HUP the parent to restart "
            "the workers one by one on the edited files"
        )
    return None


def store_problem(store: str) -> str | None:
    """Why `store` is neither `memory` nor a URL redis-py connects with (None: it is one). redis-py
    silently drops a database that is not a number, and a host or port it cannot use surfaces only
    on the first call, so those are checked here."""
    if store == "memory":
        return None
    scheme = store.partition("://")[0]
    if scheme not in STORE_SCHEMES:
        return "not 'memory' or a redis://HOST:PORT/DB, rediss:// or unix:///PATH?db=N URL"
    from redis.connection import parse_url

    try:
        parsed = parse_url(store)  # type: ignore[no-untyped-call]  # redis-py has no hints here
        port = urlsplit(store).port
    except ValueError as exc:
        return f"not a Redis URL: {exc}"
    if scheme == "unix":
        return None if parsed.get("path") else "a unix:// URL needs the socket's path"
    if not parsed.get("host"):
        return "the URL needs a host, as in redis://127.0.0.1:6379/0"
    if port == 0:
        return "the port must be from 1 to 65535"
    if not re.fullmatch(r"/?\d*", urlsplit(store).path):
        return "the database must be a number, as in redis://127.0.0.1:6379/0"
    return None


def store_label(store: str) -> str:
    """The store as the banner shows it: a password in the URL is not printed."""
    password = urlsplit(store).password
    return store if password is None else store.replace(f":{password}@", ":***@", 1)


def banner(app: MockApp, *, watch: bool = False, served: Settings | None = None) -> str:
    """`served`: the settings the workers serve, when `app` is the parent's stand-in."""
    s = served or app.settings
    base = f"http://{authority(s.host, s.port)}"
    world = f"world '{s.world}'" if app.worlds is not None else "no world (stateless)"
    scenarios = ", ".join(sorted(app.scenarios)) or "none"
    lines = [
        f"mockserver: {app.spec.title} on {base}  ({len(app.spec.operations)} operations, {world}, "
        f"{app.flavor.name} flavor)",
        f"  spec      {base}/openapi.json    Swagger UI {base}/ui/",
        "  choose    Prefer: code=409 | example=NAME | dynamic=true  (or ?__code= &__example= &__dynamic=)",
        f"  scenarios X-Mock-Scenario: NAME (or ?__scenario=NAME); known: {scenarios}",
        f"  admin     {base}/__mock  (scenarios on/off, reset, clock; X-Mock-Namespace: NAME)",
        f"  journal   {base}/__mock/requests  (rules: {base}/__mock/rules)"
        if s.journal_size
        else "  journal   off (--journal-size 0)",
    ]
    if s.store != "memory" or s.workers > 1:
        lines.append(
            f"  store     {store_label(s.store)}, {s.workers} worker process"
            f"{'es' if s.workers > 1 else ''} (docs/scale.md)"
        )
    if s.scenario:
        lines.append(f"  active    scenario '{s.scenario}' applies to every request")
    if s.seed is not None:
        lines.append(f"  seed      {s.seed}")
    if watch:
        lines.append(
            "  watching  the spec, its $refs, the scenarios and the world fixture (--watch)"
        )
    lines.append("  Ctrl-C stops it.")
    return "\n".join(lines)


def serve(settings: Settings, *, watch: bool = False) -> int:
    # The parent of N workers serves nothing: it checks the files over the memory store, so
    # starting never waits for the shared one (a worker answers 503 until the store is up).
    local = (
        settings
        if settings.workers == 1
        else dataclasses.replace(settings, store="memory", workers=1)
    )
    app = (
        listen_problem(settings.host, settings.port)
        or startup_problem(settings, watch=watch)
        or build(local)
    )
    if isinstance(app, str):
        print(f"mockserver: {app}", file=sys.stderr)
        return EXIT_USAGE
    print(banner(app, watch=watch, served=settings), flush=True)
    if settings.workers > 1:
        del app
        return serve_workers(settings)
    served: Any = app
    if watch:  # the reloader starts its watcher from uvicorn's lifespan
        from mockserver.reload import Reloader

        served = Reloader(app)
    gc_policy.install()  # the spec, the app and, later, long-lived data out of full collections
    config = uvicorn.Config(served, **uvicorn_options(settings, watch=watch))
    http_limits.quiet_over_limit_warnings()
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn handles SIGINT; this is the fallback
        uvicorn.Server(config).run()
    return 0


def uvicorn_options(settings: Settings, *, watch: bool = False) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "access_log": False,  # the mock's own access log (--access-log) knows more
        "log_level": "warning",
        # uvloop's loop, accepting as asyncio's does: every waiting connection at once (libuv
        # accepts one per turn of its loop)
        "loop": "mockserver.http_accept:new_event_loop",
        "lifespan": "on" if watch else "off",
        "proxy_headers": False,
        **http_limits.uvicorn_options(),  # head size and time, keep-alive, concurrency
    }


# -- N workers on one port -------------------------------------------------------------------------
def serve_workers(settings: Settings) -> int:
    """uvicorn's own supervisor, as `uvicorn --workers N` runs it (uvicorn/main.py `run`): the
    parent binds the socket and spawns N processes that share it; each imports `worker_app`. The
    parent restarts a worker that dies, stops them all on Ctrl-C, and stops when one cannot
    start (it would fail the same way again)."""
    os.environ[SETTINGS_ENV] = settings_to_env(settings)  # spawned workers inherit it
    config = uvicorn.Config(WORKER_APP, factory=True, **uvicorn_options(settings))
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.run()
    if any(worker.exitcode == STARTUP_FAILURE for worker in supervisor.processes):
        print("mockserver: a worker could not start (why is above); stopped", file=sys.stderr)
        return EXIT_USAGE
    return 0


def worker_app() -> MockApp:
    """The app one worker serves, built from the parent's Settings. A worker that cannot build
    it says why and exits with uvicorn's STARTUP_FAILURE, which stops the parent rather than
    restarting the worker for ever."""
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    try:
        app = build(settings_from_env(os.environ[SETTINGS_ENV]))
    except Exception:
        traceback.print_exc()
        sys.exit(STARTUP_FAILURE)
    if isinstance(app, str):
        print(f"mockserver: {app}", file=sys.stderr, flush=True)
        sys.exit(STARTUP_FAILURE)
    gc_policy.install()  # the spec, the app and, later, long-lived data out of full collections
    http_limits.quiet_over_limit_warnings()
    return app


def settings_to_env(settings: Settings) -> str:
    """Settings as JSON: paths as strings, tuples as lists."""
    return json.dumps(dataclasses.asdict(settings), default=str)


def settings_from_env(text: str) -> Settings:
    """`settings_to_env` read back, each value to its field's type."""
    hints = typing.get_type_hints(Settings)
    values = json.loads(text)
    for name, value in values.items():
        hint = hints[name]
        if value is not None and Path in (hint, *typing.get_args(hint)):
            values[name] = Path(value)
        elif typing.get_origin(hint) is tuple:
            values[name] = tuple(value)
    return Settings(**values)
