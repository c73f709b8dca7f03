"""Who answers a call, and with what latency and fault: the precedence in one pure function.

    answer:  per-request override > runtime rule > scenario rule > world > spec default
             (a rule without `respond` passes the answer on to the next in line)
    latency: Prefer delay > runtime rule's > scenario rule's
    fault:   Prefer fault > runtime rule's > scenario rule's; `afterCommit` travels with its fault

A fault that destroys the answer (all but dribble) and is not after-commit means the call never
reached the server: the world is not asked. After-commit, the world applies the call first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockserver.faults import Fault
from mockserver.latency import Latency, fixed
from mockserver.prefer import Selection
from mockserver.rules import RuntimeRule
from mockserver.scenarios import Rule


@dataclass(frozen=True)
class Decision:
    decided_by: str | None  # "override", "rule" or "scenario"; None: the world or the default
    responder: Rule | None  # the rule whose `respond` is the answer
    latency: Latency | None
    fault: Fault | None
    after_commit: bool
    rule_id: str | None  # the runtime rule that matched, for the journal
    latency_by: str | None = None  # "override" (Prefer: delay), "rule" or "scenario"

    @property
    def skips_world(self) -> bool:
        """The connection breaks before the server would have done anything."""
        return self.fault is not None and not self.fault.keeps_answer and not self.after_commit

    def marks(self, waited_ms: float = 0.0) -> dict[str, Any] | None:
        """What the journal adds to the entry (None when nothing: the common case)."""
        out: dict[str, Any] = {}
        if self.rule_id is not None:
            out["rule"] = self.rule_id
        if self.fault is not None:
            out["fault"] = self.fault.describe()
            out["afterCommit"] = self.after_commit
        if waited_ms:
            out["latencyMs"] = round(waited_ms, 3)
            out["latencyBy"] = self.latency_by
        return out or None


NOTHING = Decision(None, None, None, None, False, None)


def decide(selection: Selection, runtime: RuntimeRule | None, scenario: Rule | None) -> Decision:
    """`runtime` is what `Rules.match` returned (one of its `times` already spent)."""
    if runtime is None and scenario is None and _plain(selection):
        return NOTHING  # the hot path: no rule, no Prefer words
    layers = [
        (name, r) for name, r in (("rule", runtime and runtime.rule), ("scenario", scenario)) if r
    ]
    decided_by, responder = next(((n, r) for n, r in layers if r.responds), (None, None))
    if selection.forced:
        decided_by, responder = "override", None
    latency_by: str | None
    latency: Latency | None
    if selection.delay_ms is not None:
        latency_by, latency = "override", fixed(selection.delay_ms)
    else:
        slow = next(((n, r.latency) for n, r in layers if r.latency is not None), None)
        latency_by, latency = slow if slow is not None else (None, None)
    fault_by: str | None
    fault: Fault | None
    if selection.fault is not None:
        fault_by, fault, after_commit = "override", selection.fault, selection.after_commit
    else:
        faulty = next(((n, r) for n, r in layers if r.fault is not None), None)
        fault_by, fault = (faulty[0], faulty[1].fault) if faulty else (None, None)
        after_commit = faulty[1].after_commit if faulty else False
    if fault is not None and not fault.keeps_answer and not after_commit:
        decided_by = fault_by  # the call never reached whoever would have answered
    return Decision(
        decided_by,
        responder,
        latency,
        fault,
        after_commit,
        runtime.id if runtime else None,
        latency_by,
    )


def _plain(selection: Selection) -> bool:
    return not selection.forced and selection.delay_ms is None and selection.fault is None
