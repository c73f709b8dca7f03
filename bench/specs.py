"""Bigger specs built from a real one, to see how start-up and memory grow with the operations.

Copy k of every path goes under `/copy<k>` with `_copy<k>` on its operationIds, so the copies are
valid, routable and distinct; the original paths stay, so the usual probes still answer.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def count_operations(document: dict[str, Any]) -> int:
    return sum(
        1
        for item in document.get("paths", {}).values()
        for method in item
        if method in HTTP_METHODS
    )


def scaled(document: dict[str, Any], copies: int) -> dict[str, Any]:
    """`document` with its paths present `copies` times (1 gives the document back unchanged)."""
    out = copy.deepcopy(document)
    paths = out["paths"]
    for k in range(1, copies):
        for path, item in document["paths"].items():
            clone = copy.deepcopy(item)
            for method, operation in clone.items():
                if method in HTTP_METHODS and "operationId" in operation:
                    operation["operationId"] = f"{operation['operationId']}_copy{k}"
            paths[f"/copy{k}{path}"] = clone
    return out


def write_scaled(source: Path, operations: int, folder: Path) -> tuple[Path, int]:
    """Write a copy of `source` with about `operations` operations; return it and its real count."""
    document = json.loads(source.read_text())
    base = count_operations(document)
    copies = max(1, round(operations / base))
    if copies == 1:
        return source, base
    target = folder / f"openapi-{base * copies}.json"
    target.write_text(json.dumps(scaled(document, copies)))
    return target, base * copies
