"""What a contract run found, as data, and the text a person reads in a CI log.

A `Finding` is one broken rule on one operation: the check, what the contract expected, what came
back, and the curl lines that reproduce it. A `Tally` counts what each check judged on each
operation, so the end of the log (and JUnit) shows every check, not only the ones that failed.
Keys never appear in a curl line: the `Authorization` header names the environment variable the
report says to set, and nothing else in the line is rewritten.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

BODY_EXCERPT = 600
_NOISY_HEADERS = frozenset(
    {
        "user-agent",
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "x-schemathesis-testcaseid",
    }
)


@dataclass
class Finding:
    operation: str  # "GET /api/v1/health"
    operation_id: str | None
    check: str
    title: str
    expected: str  # the check's explanation of what the contract wants
    status: int | None  # what came back; None when no response arrived
    content_type: str | None
    body: str
    curl: tuple[str, ...]  # requests that reproduce it, oldest first
    phase: str
    identity: str = ""  # what makes two failures of one check the same (schemathesis's key)
    occurrences: int = 1

    @property
    def key(self) -> tuple[str, str, str]:
        return self.operation, self.check, self.identity


@dataclass
class Tally:
    """How one check fared on one operation over the whole run."""

    responses: int = 0  # responses it judged
    failed: int = 0  # of those, the ones it failed
    seconds: float = 0.0  # response time of the calls it judged

    def add(self, *, failed: bool, seconds: float) -> None:
        self.responses += 1
        self.failed += failed
        self.seconds += seconds


@dataclass(frozen=True)
class RunError:
    """Something kept the tool from testing (a network error, a schema it cannot use)."""

    label: str
    message: str


@dataclass
class ContractResult:
    seed: int
    base_url: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    operations: set[str] = field(default_factory=set)  # labels of the operations tested
    requests: int = 0
    elapsed: float = 0.0
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)  # (operation, check)
    requests_by_operation: Counter[str] = field(default_factory=Counter)
    accepted_by_operation: Counter[str] = field(default_factory=Counter)  # answers with an
    # accepted status (--accept-status, the mock's active scenario)
    accepting: str = ""  # what was accepted and why, for the log; empty: nothing
    key_variables: Mapping[str, str] = field(default_factory=dict)  # variable -> role

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def failed_checks(self) -> list[str]:
        return sorted({finding.check for finding in self.findings})

    def add(self, finding: Finding) -> None:
        """Record a finding; the same rule broken the same way again only counts."""
        for known in self.findings:
            if known.key == finding.key:
                known.occurrences += 1
                return
        self.findings.append(finding)

    def tally(self, operation: str, check: str) -> Tally:
        return self.tallies.setdefault((operation, check), Tally())

    def findings_for(self, operation: str, check: str) -> list[Finding]:
        return [f for f in self.findings if (f.operation, f.check) == (operation, check)]


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    secrets: Mapping[str, str],
) -> str:
    """A curl line for one request. A key is only ever where it was sent, the `Authorization`
    header, and shows there as its `$VARIABLE`; the URL, other headers and the body are the
    exact bytes sent, even where a short key happens to occur inside them."""
    parts = ["curl", "-X", method]
    for name, value in headers.items():
        if name.lower() in _NOISY_HEADERS:
            continue
        if name.lower() == "authorization" and value:
            parts += ["-H", _authorization(name, value, secrets)]
        else:
            # `Name;` is how curl sends an empty header; `Name: ` would drop it.
            parts += ["-H", shlex.quote(f"{name}: {value}" if value else f"{name};")]
    if body:
        parts += ["--data-raw", _data(body)]
    parts.append(shlex.quote(url))
    return " ".join(parts)


def _authorization(name: str, value: str, secrets: Mapping[str, str]) -> str:
    scheme, _, credentials = value.partition(" ")
    variable = secrets.get(credentials)
    if variable is None:  # not one of our keys (a probe with a made-up one): shown as sent
        return shlex.quote(f"{name}: {value}")
    for char in '\\"$`':  # inside double quotes only these keep a meaning
        scheme = scheme.replace(char, "\\" + char)
    return f'"{name}: {scheme} ${{{variable}}}"'


def _data(body: bytes) -> str:
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        return shlex.quote(text)
    # Bytes that are not printable text keep their exact value, on one line, as bash $'\xNN'.
    return (
        "$'"
        + "".join(chr(b) if 32 <= b < 127 and b not in b"'\\" else f"\\x{b:02x}" for b in body)
        + "'"
    )


def render_finding(finding: Finding) -> str:
    name = (
        f"{finding.operation} [{finding.operation_id}]"
        if finding.operation_id
        else finding.operation
    )
    received = (
        "no response"
        if finding.status is None
        else f"HTTP {finding.status} {finding.content_type or '(no content type)'}"
    )
    lines = [
        f"FAILED {name}",
        f"  check:     {finding.check}: {finding.title}",
        *_block("  expected:  ", finding.expected),
        f"  received:  {received}",
    ]
    if finding.body:
        lines += _block("             ", finding.body)
    lines += _block("  reproduce: ", "\n".join(finding.curl) or "(no request recorded)")
    seen = f", {finding.occurrences} times" if finding.occurrences > 1 else ""
    lines.append(f"  (found in the {finding.phase} phase{seen})")
    return "\n".join(lines)


def _block(head: str, text: str) -> list[str]:
    pad = " " * len(head)
    rows = [row for row in text.strip().splitlines() if row.strip()] or [""]
    return [head + rows[0], *(pad + row for row in rows[1:])]


def render_summary(result: ContractResult) -> str:
    ops = f"{len(result.operations)} operation{'s' * (len(result.operations) != 1)}"
    head = (
        f"contract {result.base_url}: {ops}, {result.requests} requests, seed {result.seed}, "
        f"{result.elapsed:.1f}s"
    )
    if result.findings:
        verdict = (
            f"FAILED: {len(result.findings)} failure{'s' * (len(result.findings) != 1)} "
            f"({', '.join(result.failed_checks)})"
        )
    else:
        verdict = "passed: 0 failures"
    tail = f"; {len(result.errors)} tool error(s)" if result.errors else ""
    return f"{head}: {verdict}{tail}"


def render_counts(result: ContractResult) -> str:
    """Per check and per operation, what was judged and what failed: a CI log's last screen."""
    by_check: dict[str, Tally] = {}
    for (_, check), tally in sorted(result.tallies.items()):
        total = by_check.setdefault(check, Tally())
        total.responses += tally.responses
        total.failed += tally.failed
    rows = [("checks", "responses", "failed")]
    rows += [(f"  {check}", str(t.responses), str(t.failed)) for check, t in by_check.items()]
    operations = sorted(result.operations | {f.operation for f in result.findings})
    rows.append(("operations", "requests", "failed checks"))
    rows += [
        (f"  {op}", str(result.requests_by_operation[op]), _failed_on(result, op))
        for op in operations
    ]
    width = max(len(row[0]) for row in rows) + 2
    return "\n".join(f"{a:<{width}}{b:>9}  {c}".rstrip() for a, b, c in rows)


def _failed_on(result: ContractResult, operation: str) -> str:
    failed = [
        f"{check} ({tally.failed} of {tally.responses})"
        for (op, check), tally in sorted(result.tallies.items())
        if op == operation and tally.failed
    ]
    accepted = result.accepted_by_operation[operation]
    if accepted:
        failed.append(f"[{accepted} accepted]")
    return ", ".join(failed) or "-"


def render_keys(result: ContractResult) -> str | None:
    """How to set the variables the curl lines read the keys from (None: no line needs one)."""
    used = [
        variable
        for variable in result.key_variables
        if any(f"${{{variable}}}" in line for finding in result.findings for line in finding.curl)
    ]
    if not used:
        return None
    exports = " ".join(f"{v}=<{result.key_variables[v]} key>" for v in used)
    return f"The curl lines read the keys from the environment; first run: export {exports}"


def render(result: ContractResult) -> str:
    """The whole report: each failure, each tool error, how to run the curl lines, the counts,
    then the one-line summary."""
    parts = [render_finding(finding) for finding in result.findings]
    parts += [f"ERROR {error.label}: {error.message}" for error in result.errors]
    keys = render_keys(result)
    if keys:
        parts.append(keys)
    if result.tallies:
        parts.append(render_counts(result))
    if result.accepting:
        parts.append(f"accepted: {result.accepting}")
    parts.append(render_summary(result))
    return "\n\n".join(parts)


def excerpt(content: bytes, limit: int = BODY_EXCERPT) -> str:
    """The start of a body, safe to print: control characters show as escapes."""
    text = content.decode("utf-8", errors="replace")
    shown = "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text[:limit])
    return shown + (f"… ({len(content)} bytes)" if len(text) > limit else "")


def flatten(headers: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Recorded headers hold lists of values; a curl line wants one."""
    return {name: ", ".join(values) for name, values in headers.items()}
