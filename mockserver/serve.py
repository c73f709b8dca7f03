"""Running the mock with uvicorn: a banner that says how to use it, a clean Ctrl-C."""

from __future__ import annotations

import contextlib
import gc
import socket
import sys
from typing import Any

import uvicorn

from mockserver import http_limits
from mockserver.app import MockApp
from mockserver.errors import ConfigError
from mockserver.middleware.admin_guard import exposure_problem
from mockserver.settings import Settings

EXIT_USAGE = 2


def build(settings: Settings) -> MockApp | str:
    """The app, or one line saying which file is unusable and why (a real bug keeps its
    traceback)."""
    problem = startup_problem(settings)
    if problem is not None:
        return problem
    try:
        return MockApp(settings)
    except ConfigError as exc:
        return str(exc)


def startup_problem(settings: Settings) -> str | None:
    """A setting that must stop start-up, in one line: an admin API open to the network, or a
    scenarios folder that is not there (the mock would start silently without its world)."""
    folder = settings.scenarios_dir
    if folder is not None and not folder.is_dir():
        return f"{folder}: (top): --scenarios must be an existing folder"
    return exposure_problem(settings.host, settings.admin_token)


def banner(app: MockApp, *, watch: bool = False) -> str:
    s = app.settings
    base = f"http://{s.host}:{s.port}"
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
    app = build(settings)
    if isinstance(app, str):
        print(f"mockserver: {app}", file=sys.stderr)
        return EXIT_USAGE
    try:  # say so now, in one line, rather than after the banner in uvicorn's words
        with socket.create_server((settings.host, settings.port)):
            pass
    except OSError as exc:
        print(
            f"mockserver: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(banner(app, watch=watch), flush=True)
    served: Any = app
    if watch:  # the reloader starts its watcher from uvicorn's lifespan
        from mockserver.reload import Reloader

        served = Reloader(app)
    # Everything built so far lives as long as the process: keep it out of the collector's
    # scans, so a full collection under load does not walk the whole spec (a p99 spike).
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(
        served,
        host=settings.host,
        port=settings.port,
        access_log=False,  # the mock's own access log (--access-log) knows more
        log_level="warning",
        loop="auto",
        lifespan="on" if watch else "off",
        proxy_headers=False,
        **http_limits.uvicorn_options(),  # head size and time, keep-alive, concurrency
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn handles SIGINT; this is the fallback
        uvicorn.Server(config).run()
    return 0
