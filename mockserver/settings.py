"""Every knob in one place; built at the edge (CLI, tests) and passed to `create_app`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mockserver.flavors import DEFAULT_SCENARIOS, DEFAULT_SPEC

MAX_BODY_BYTES = 1024 * 1024

__all__ = ["DEFAULT_SCENARIOS", "DEFAULT_SPEC", "MAX_BODY_BYTES", "Settings"]


@dataclass(frozen=True)
class Settings:
    spec_path: Path = DEFAULT_SPEC
    scenarios_dir: Path | None = DEFAULT_SCENARIOS
    scenario: str | None = None  # applied to every request
    world: str | None = "default"  # fixture name in <scenarios_dir>/worlds/, None = stateless
    flavor: str | None = None  # None: the spec's `x-mock-flavor`, else generic
    seed: int | None = None
    validate_responses: bool = False  # check every response against the spec (on in tests)
    host: str = "127.0.0.1"
    port: int = 4010
    journal_size: int = 1000  # entries kept per namespace; 0: no journal
    access_log: bool = False  # one line per request on stdout
    log_format: str = "text"  # text | json
