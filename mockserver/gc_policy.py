"""Garbage collection for a server whose long-lived data holds no reference cycles.

The world (sessions, ledgers, keys, the timeline) and the journal are trees of dicts, lists and
small objects: reference counting frees them, and the cycle collector only ever finds them alive.
Yet each of CPython's full collections walks every tracked object, so as a write-heavy run grows
a world to tens of thousands of sessions, a full collection stops the server for tens of
milliseconds: the slowest answers (p99) are the ones that waited for it.

So what exists when the server starts is frozen (`gc.freeze`: kept out of every collection), and
so is whatever survives each later full collection; the next ones walk only what is newer.
Frozen objects are still freed by reference counting as usual: only a reference cycle among them
would never be collected. The mock's data makes none (tests/test_gc_policy.py writes a world and
resets it: no cyclic garbage); uvicorn's connections do (its protocol and each request's cycle
point at each other), so every `THAW_S` the frozen set is thawed and the next full collection
walks it all once.
"""

from __future__ import annotations

import gc
import time
from typing import Any

THAW_S = 600.0  # a full walk of everything at most this often


class FreezeSurvivors:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self.clock = clock
        self.thawed_at = clock()
        self.freezes = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        """A `gc.callbacks` hook: after a full collection (the lists are consistent again)."""
        if phase != "stop" or info.get("generation") != 2:
            return
        now = self.clock()
        if now - self.thawed_at >= THAW_S:
            self.thawed_at = now
            gc.unfreeze()  # the next full collection walks everything once
        else:
            gc.freeze()
            self.freezes += 1


def install() -> FreezeSurvivors:
    """Freeze what start-up built, then every full collection's survivors (once per process)."""
    gc.collect()
    gc.freeze()
    for hook in gc.callbacks:
        if isinstance(hook, FreezeSurvivors):
            return hook
    hook = FreezeSurvivors()
    gc.callbacks.append(hook)
    return hook
