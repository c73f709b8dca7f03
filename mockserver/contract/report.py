"""What a contract run found, as data, and the text a person reads in a CI log.

A `Finding` is one broken rule on one operation: the check, what the contract expected, what came
back, and the curl lines that reproduce it. Tokens never appear in a curl line: each is replaced
by the environment variable the CLI reads it from, so the line can be pasted as is.
"""

from __future__ import annotations

import shlex
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


def curl_command(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    secrets: Mapping[str, str],
) -> str:
    """A curl line for one request; each secret value shows as its `$VARIABLE`."""
    parts = ["curl", "-X", method]
    for name, value in headers.items():
        if name.lower() not in _NOISY_HEADERS:
            # `Name;` is how curl sends an empty header; `Name: ` would drop it.
            parts += ["-H", _quote(f"{name}: {value}" if value else f"{name};", secrets)]
    if body:
        parts += ["--data-raw", _data(body, secrets)]
    parts.append(_quote(url, secrets))
    return " ".join(parts)


def _data(body: bytes, secrets: Mapping[str, str]) -> str:
    try:
        text: str | None = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        return _quote(text, secrets)
    # Bytes that are not printable text keep their exact value, on one line, as bash $'\xNN'.
    return (
        "$'"
        + "".join(chr(b) if 32 <= b < 127 and b not in b"'\\" else f"\\x{b:02x}" for b in body)
        + "'"
    )


def _quote(text: str, secrets: Mapping[str, str]) -> str:
    hidden = [(value, name) for value, name in secrets.items() if value and value in text]
    if not hidden:
        return shlex.quote(text)
    for char in '\\"$`':  # inside double quotes only these keep a meaning
        text = text.replace(char, "\\" + char)
    for value, name in hidden:
        text = text.replace(value, "${" + name + "}")
    return f'"{text}"'


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


def render(result: ContractResult) -> str:
    """The whole report: each failure, each tool error, then the one-line summary."""
    parts = [render_finding(finding) for finding in result.findings]
    parts += [f"ERROR {error.label}: {error.message}" for error in result.errors]
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
