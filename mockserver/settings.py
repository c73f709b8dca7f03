"""Every knob in one place; built at the edge (CLI, tests) and passed to `create_app`.

The files the package ships (the default flavor's spec, scenarios, world and contract profile, the
JSON Schemas) are found through `importlib.resources` here and nowhere else, so an installed wheel
reads them from site-packages exactly as a checkout reads them from the source tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from mockserver.flavors import SHIPPED


def packaged(*parts: str) -> Path:
    """A file or folder shipped inside the package, as a path the loaders can open and list.
    Found from `mockserver` itself, so naming a file does not import its sub-package (the
    contract package pulls in schemathesis)."""
    resource = files("mockserver").joinpath(*parts)
    if not isinstance(resource, Path):  # a zipped install: nothing on disk to read or list
        raise RuntimeError(f"mockserver must be installed unzipped to read {resource}")
    return resource


# What `mockserver serve` serves with no --spec: the default flavor's own files (flavors.py).
DEFAULT_SPEC = packaged(SHIPPED, "openapi.json")
DEFAULT_SCENARIOS = packaged(SHIPPED, "scenarios")
DEFAULT_WORLD_FILE = DEFAULT_SCENARIOS / "worlds" / "default.yaml"
CONTRACT_PROFILE = packaged(SHIPPED, "contract.json")
SCENARIO_SCHEMA = packaged("schemas", "scenario.schema.json")
PROFILE_SCHEMA = packaged("schemas", "profile.schema.json")
MAX_BODY_BYTES = 1024 * 1024


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
    # hardening (docs/limits.md): who may steer the mock, and how much memory it may grow into
    admin_token: str | None = None  # required on every /__mock call when set
    cors_origins: tuple[str, ...] = ()  # trusted besides loopback origins
    namespace_ttl: float = 3600.0  # seconds idle before a namespace is forgotten; 0 = never
    max_namespaces: int = 10_000  # namespaces alive at once; more are refused (503)
    # beyond one process (docs/scale.md): where the worlds live, and how many processes serve them
    store: str = "memory"  # "memory" (this process only) or redis://HOST:PORT/DB (shared)
    store_timeout: float = 0.5  # seconds a store call may take before the call answers 503
    workers: int = 1  # processes serving one port; more than one needs a shared store
