"""Hot reload (`serve --watch`): edit the spec, a file it `$ref`s, a scenario or the world fixture
while the mock runs, and the next call is answered by the edited version, with every namespace's
world, the journal, runtime rules and active scenarios kept (`MockApp(settings, carry=old)`).

`Reloader` is the ASGI app uvicorn serves: it holds the current `MockApp` and hands each request
to it. A watcher task (started by uvicorn's lifespan, watchfiles underneath) builds a new app in
a worker thread when a watched file changes, then swaps it in on the event loop with one
assignment: a request is answered wholly by the old app or wholly by the new one. An edit that
does not load (a `ConfigError`) keeps the last good app serving, is logged once as
`file: key.path: reason`, and shows in `GET /__mock` as `reloadError` until an edit loads again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from mockserver.app import MockApp
from mockserver.errors import ConfigError

STEP_MS = 50  # a burst of writes (an editor's save) is one change when quiet this long


class Reloader:
    def __init__(self, app: MockApp, log: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.error: ConfigError | None = None
        self.reloads = 0  # successful ones, for tests and the log
        self._stop: asyncio.Event | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self.app(scope, receive, send)

    # -- what is watched -------------------------------------------------------------------------
    def watched(self) -> tuple[set[Path], set[Path]]:
        """(files, folders): the spec and its local file `$ref`s; the scenarios folder, whose
        `worlds/` sub-folder holds the world fixture. Paths resolved: an editor that saves by
        renaming replaces the file, so the folders are watched and changes filtered."""
        settings = self.app.settings
        spec = settings.spec_path.resolve()
        files = {spec, *_file_refs(self.app.spec.document, spec.parent)}
        folders = {settings.scenarios_dir.resolve()} if settings.scenarios_dir else set()
        return files, folders

    def relevant(self, changed: Iterable[str]) -> list[Path]:
        files, folders = self.watched()
        out = []
        for raw in changed:
            path = Path(raw).resolve()
            if path in files or (
                path.suffix in (".yaml", ".yml") and any(f in path.parents for f in folders)
            ):
                out.append(path)
        return out

    # -- reloading -------------------------------------------------------------------------------
    def reload(self, changed: list[Path]) -> bool:
        """Build the app again and swap it in when it loads (tests call this; the watcher builds
        in a worker thread and swaps on the event loop, between requests)."""
        new = self.build()
        if new is not None:
            self.swap(new, changed)
        return new is not None

    def build(self) -> MockApp | None:
        """The app built again from the same settings, carrying the running one's state; None
        when the edit does not load (said once, and shown in `GET /__mock` until fixed)."""
        old = self.app
        try:
            return MockApp(old.settings, carry=old)
        except Exception as exc:  # a ConfigError names the file; anything else is a bug
            if not isinstance(exc, ConfigError):
                logging.getLogger(__name__).exception("reload failed")
                exc = ConfigError("-", "", f"{type(exc).__name__}: {exc}")
            if self.error is None or str(exc) != str(self.error):
                self.log(f"mockserver: reload failed, still serving the last good version: {exc}")
            self.error = exc
            old.admin.reload_error = {
                "file": exc.file,
                "keyPath": exc.key_path,
                "reason": exc.reason,
                "message": str(exc),
            }
            return None

    def swap(self, new: MockApp, changed: list[Path]) -> None:
        """One assignment, read once per request: a request is the old app's or the new one's.
        The scenario choices are taken again here, so one switched during the build is kept."""
        new.carry_choices(self.app)
        self.app = new
        self.error = None
        self.reloads += 1
        names = ", ".join(sorted({p.name for p in changed})) or "files"
        self.log(
            f"mockserver: reloaded ({names}): {len(new.spec.operations)} operations, "
            f"scenarios: {', '.join(sorted(new.scenarios)) or 'none'}"
        )

    async def watch(self) -> None:
        try:
            await self._watch()
        except Exception as exc:  # no inotify, a folder gone: say so, keep serving
            self.log(f"mockserver: --watch stopped: {type(exc).__name__}: {exc}")

    async def _watch(self) -> None:
        import watchfiles

        assert self._stop is not None
        files, folders = self.watched()
        dirs = folders | {p.parent for p in files}
        roots = sorted(str(d) for d in dirs if not any(o in d.parents for o in dirs))
        async for changes in watchfiles.awatch(
            *roots, stop_event=self._stop, step=STEP_MS, debounce=400, recursive=True
        ):
            changed = self.relevant(path for _, path in changes)
            if changed:
                new = await asyncio.to_thread(self.build)  # a fraction of a second, off the loop
                if new is not None:
                    self.swap(new, changed)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        task: asyncio.Task[Any] | None = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._stop = asyncio.Event()
                task = asyncio.create_task(self.watch())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if task is not None and self._stop is not None:
                    self._stop.set()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await asyncio.wait_for(task, timeout=2)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _file_refs(node: Any, base: Path) -> set[Path]:
    """Every local file a `$ref` names (`other.yaml#/Pet`, `./schemas/pet.json`)."""
    found: set[Path] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#") and "://" not in ref:
                target = ref.split("#", 1)[0]
                if target:
                    found.add((base / target).resolve())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
