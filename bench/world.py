"""The world the mock is benchmarked with: the default fixture, with the consumers' pools topped up.

Every `POST /sessions` holds `rate × maxDurationSeconds` of the consumer's pool; the default
fixture's 100 USDC covers about a hundred sessions, and a write benchmark makes thousands a second.
Everything else (workspaces, keys, sessions, timings, the scenario files) is the project's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TOP_UP_MICRO_USDC = 10**15  # a billion USDC: no benchmark here comes near it


def rich_copy(scenarios: Path, world: str, folder: Path) -> Path:
    """A scenarios folder in `folder`: the same scenario files, and `world` with richer pools."""
    folder.mkdir(parents=True, exist_ok=True)
    for scenario in scenarios.glob("*.y*ml"):
        (folder / scenario.name).symlink_to(scenario.resolve())
    document = yaml.safe_load((scenarios / "worlds" / f"{world}.yaml").read_text())
    (folder / "worlds").mkdir()
    (folder / "worlds" / f"{world}.yaml").write_text(yaml.safe_dump(topped_up(document)))
    return folder


def topped_up(document: dict[str, Any]) -> dict[str, Any]:
    for workspace in document.get("workspaces", []):
        if "CONSUMER" in workspace.get("roles", []):
            deposit = {"amountMicroUsdc": str(TOP_UP_MICRO_USDC), "agoSeconds": 3600}
            workspace["deposits"] = [*workspace.get("deposits", []), deposit]
    return document
