"""Near-misses: for a request that matches no operation, the operations it probably meant.

The distance is an edit distance over path segments: inserting or dropping a segment costs 1,
swapping one costs how different the two words are (0 for equal words, and a templated segment
such as `{id}` matches anything), and a different method adds 1. `GET /api/v1/sesions` is about 0.07
from `GET /api/v1/sessions`, `DELETE /api/v1/sessions` is 1 from it. Generic: it takes
(method, path template, operationId) triples, so it knows no spec format.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

NEAREST = 3


class NearMisses:
    def __init__(self, operations: Iterable[tuple[str, str, str]]) -> None:
        self._operations = [
            (method.upper(), _segments(template), template, op_id)
            for method, template, op_id in operations
        ]
        self.nearest = lru_cache(maxsize=1024)(self._nearest)  # one bad URL is retried often

    def _nearest(self, method: str, path: str, n: int = NEAREST) -> list[dict[str, Any]]:
        """The `n` nearest operations, nearest first (ties: by path, then method)."""
        method, segments = method.upper(), _segments(path)
        costs: dict[tuple[str, str], float] = {}
        scored = sorted(
            (
                _distance(segments, template_segments, costs) + (method != op_method),
                template,
                op_method,
                op_id,
            )
            for op_method, template_segments, template, op_id in self._operations
        )
        return [
            {"operationId": op_id, "method": m, "path": t, "distance": round(d, 2)}
            for d, t, m, op_id in scored[:n]
        ]


def _segments(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _distance(
    path: tuple[str, ...], template: tuple[str, ...], costs: dict[tuple[str, str], float]
) -> float:
    """Levenshtein over segments, one row at a time."""
    previous = [float(j) for j in range(len(template) + 1)]
    for i, word in enumerate(path, 1):
        current = [float(i)]
        for j, pattern in enumerate(template, 1):
            key = (word, pattern)
            swap = costs.get(key)
            if swap is None:
                swap = costs[key] = _swap_cost(word, pattern)
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + swap))
        previous = current
    return previous[-1]


def _swap_cost(word: str, pattern: str) -> float:
    if word == pattern or (pattern.startswith("{") and pattern.endswith("}")):
        return 0.0
    return 1.0 - SequenceMatcher(None, word.lower(), pattern.lower()).ratio()
