"""The flavor registry: the one place in the core that names a flavor. A spec picks its flavor
with a top-level `x-mock-flavor`; `--flavor` overrides it; anything else is `generic`."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockserver.errors import ConfigError

if TYPE_CHECKING:
    from mockserver.flavor import Flavor
    from mockserver.spec import Spec

FLAVORS = {
    "generic": "mockserver.flavor:Flavor",
    "luxxon": "mockserver.luxxon.flavor:LuxxonFlavor",
}
EXTENSION = "x-mock-flavor"
DEFAULT = "luxxon"  # what `mockserver serve` serves with no --spec: this flavor's own files
SHIPPED = FLAVORS[DEFAULT].split(".")[1]  # the folder in the package that holds them


def name_for(document: dict[str, Any], override: str | None, source: Path | str) -> str:
    """The flavor a document asks for (or `override`), checked against the registry."""
    if override is not None:
        if override not in FLAVORS:
            raise ConfigError(
                "command line", "--flavor", f"unknown flavor {override!r}; known: {_known()}"
            )
        return override
    asked = document.get(EXTENSION, "generic")
    if asked not in FLAVORS:
        raise ConfigError(source, EXTENSION, f"unknown flavor {asked!r}; known: {_known()}")
    return str(asked)


def build(spec: Spec, override: str | None = None, seed: int | None = None) -> Flavor:
    """The flavor for a loaded spec, with a generator that knows its value rules."""
    from mockserver.fake import Generator

    cls = flavor_class(name_for(spec.document, override, spec.path))
    return cls(spec, Generator(seed, cls.value_rules()))


def flavor_class(name: str) -> type[Flavor]:
    module, _, attr = FLAVORS[name].partition(":")
    found: type[Flavor] = getattr(importlib.import_module(module), attr)
    return found


def _known() -> str:
    return ", ".join(sorted(FLAVORS))
