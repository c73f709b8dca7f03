"""A string that matches a pattern: Python's regex parse tree, walked to emit one match."""

from __future__ import annotations

import functools
import random
import string
from typing import Any

_PRINTABLE = string.ascii_letters + string.digits + " -_.:"
_CATEGORIES = {  # regex class -> the characters we emit for it and a membership test
    "CATEGORY_DIGIT": (string.digits, str.isdigit),
    "CATEGORY_NOT_DIGIT": (string.ascii_letters, lambda c: not c.isdigit()),
    "CATEGORY_SPACE": (" ", str.isspace),
    "CATEGORY_NOT_SPACE": (string.ascii_letters + string.digits, lambda c: not c.isspace()),
    "CATEGORY_WORD": (
        string.ascii_letters + string.digits + "_",
        lambda c: c.isalnum() or c == "_",
    ),
    "CATEGORY_NOT_WORD": (" -.:", lambda c: not (c.isalnum() or c == "_")),
}


@functools.lru_cache(maxsize=256)
def parse(pattern: str) -> Any:
    from re import _parser  # type: ignore[attr-defined]

    return _parser.parse(pattern)


def emit(items: Any, rng: random.Random, groups: dict[int, str]) -> str:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif name == "ANY":
            out.append(rng.choice(string.ascii_letters))
        elif name == "IN":
            out.append(_emit_in(arg, rng))
        elif name == "BRANCH":
            out.append(emit(rng.choice(arg[1]), rng, groups))
        elif name == "SUBPATTERN":
            text = emit(arg[-1], rng, groups)
            if arg[0]:
                groups[arg[0]] = text
            out.append(text)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            out.extend(emit(sub, rng, groups) for _ in range(rng.randint(low, min(high, low + 3))))
        elif name == "ATOMIC_GROUP":
            out.append(emit(arg, rng, groups))
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
    return "".join(out)  # anchors and lookarounds emit nothing


def _emit_in(items: Any, rng: random.Random) -> str:
    if items and str(items[0][0]) == "NEGATE":
        allowed = [c for c in _PRINTABLE if not _in_set(c, items[1:])]
        return rng.choice(allowed or ["~"])
    op, arg = rng.choice(items)
    if str(op) == "RANGE":
        return chr(rng.randint(arg[0], arg[1]))
    if str(op) == "CATEGORY":
        return rng.choice(_CATEGORIES[str(arg)][0] if str(arg) in _CATEGORIES else "a")
    return chr(arg)


def _in_set(char: str, items: Any) -> bool:
    code = ord(char)
    for op, arg in items:
        kind = str(op)
        if (kind == "LITERAL" and code == arg) or (kind == "RANGE" and arg[0] <= code <= arg[1]):
            return True
        if kind == "CATEGORY" and str(arg) in _CATEGORIES and _CATEGORIES[str(arg)][1](char):
            return True
    return False
