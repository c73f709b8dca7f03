"""`mockserver init DIR`: the shipped spec, scenarios and world copied out for editing.

A user who wants another world or another scenario edits copies in their own folder, never the
files inside site-packages (an upgrade would overwrite them, a second project would share them).
The copies are served with `--spec DIR/openapi.json --scenarios DIR/scenarios`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from mockserver.settings import DEFAULT_SCENARIOS, DEFAULT_SPEC


class ScaffoldError(Exception):
    """The folder cannot take the copies; `str()` says which file and why."""


@dataclass(frozen=True)
class Scaffold:
    """Where the copies went, and the command that serves them."""

    spec: Path
    scenarios: Path
    files: tuple[Path, ...]

    def serve_command(self) -> str:
        return f"mockserver serve --spec {self.spec} --scenarios {self.scenarios}"


def shipped_files() -> list[tuple[Path, Path]]:
    """(source, path relative to DIR) for every file `init` writes, the spec first."""
    pairs = [(DEFAULT_SPEC, Path("openapi.json"))]
    for source in sorted(DEFAULT_SCENARIOS.rglob("*.yaml")):
        pairs.append((source, Path("scenarios") / source.relative_to(DEFAULT_SCENARIOS)))
    return pairs


def init(target: Path, *, force: bool = False) -> Scaffold:
    """Copy the shipped files into `target`; an existing file is kept unless `force`, and then
    nothing is written at all, so a half-overwritten folder never happens."""
    pairs = [(source, target / relative) for source, relative in shipped_files()]
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target}: exists and is not a folder")
    existing = [dest for _, dest in pairs if dest.exists()]
    if existing and not force:
        raise ScaffoldError(
            f"{existing[0]}: already exists ({len(existing)} of the {len(pairs)} files do); "
            "--force overwrites them"
        )
    try:
        for source, dest in pairs:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
    except OSError as exc:
        raise ScaffoldError(f"{exc.filename or target}: {exc.strerror or exc}") from None
    return Scaffold(
        spec=target / "openapi.json",
        scenarios=target / "scenarios",
        files=tuple(dest for _, dest in pairs),
    )
