"""Load with wrk: a request mix becomes a Lua script, a run becomes a `Load` parsed from wrk's text.

wrk is a keep-alive HTTP/1.1 load generator in C (closed loop: each connection sends its next
request when the answer to the last one is in); it takes far less of the 2 cores than a Python
client would.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DONE = "bench:count-reached"
WRK_TIMEOUT_S = 10  # a slow answer counts in the latency, not as a socket error

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_DURATION = r"([\d.]+)(us|ms|s|m|h)"


@dataclass(frozen=True)
class Mix:
    """One kind of request, sent over and over."""

    key: str  # a, b, c
    title: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON-encoded when set

    def with_headers(self, extra: Mapping[str, str]) -> Mix:
        return replace(self, headers={**self.headers, **extra})

    def lua(self, stop_after: int | None = None) -> str:
        """A wrk script that sends this request; with `stop_after`, it prints DONE once that many
        responses have come back (run it with one thread)."""
        lines = [f"wrk.method = {_lua_str(self.method)}", f"wrk.path = {_lua_str(self.path)}"]
        for name, value in sorted(self.headers.items()):
            lines.append(f"wrk.headers[{_lua_str(name)}] = {_lua_str(value)}")
        if self.body is not None:
            lines.append('wrk.headers["Content-Type"] = "application/json"')
            lines.append(f"wrk.body = {_lua_str(json.dumps(self.body, separators=(',', ':')))}")
        if stop_after is not None:
            lines += [
                "local seen = 0",
                "function response(status, headers, body)",
                "  seen = seen + 1",
                f"  if seen == {int(stop_after)} then",
                f'    io.write("{DONE}\\n")',
                "    io.stdout:flush()",
                "    wrk.thread:stop()",
                "  end",
                "end",
            ]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_status: int  # non-2xx/3xx answers
    socket_errors: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "requests": self.requests,
            "bad_status": self.bad_status,
            "socket_errors": self.socket_errors,
        }


class LoadError(Exception):
    """wrk failed or printed something this parser does not understand."""


def _lua_str(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for our inputs


def parse(text: str, connections: int) -> Load:
    """Read wrk's `--latency` report."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    p50 = re.search(rf"^\s+50%\s+{_DURATION}", text, re.M)
    p99 = re.search(rf"^\s+99%\s+{_DURATION}", text, re.M)
    total = re.search(r"^\s+(\d+) requests in", text, re.M)
    if not (rps and p50 and p99 and total):
        raise LoadError(f"unreadable wrk output:\n{text}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    return Load(
        connections=connections,
        rps=float(rps.group(1)),
        p50_ms=float(p50.group(1)) * _UNIT_MS[p50.group(2)],
        p99_ms=float(p99.group(1)) * _UNIT_MS[p99.group(2)],
        requests=int(total.group(1)),
        bad_status=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def command(
    base_url: str, script: Path, connections: int, duration_s: float, threads: int | None = None
) -> list[str]:
    threads = threads or (1 if connections == 1 else 2)
    return [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={WRK_TIMEOUT_S}s",
        "--latency",
        "-s",
        str(script),
        base_url,
    ]


def run(
    base_url: str,
    mix: Mix,
    connections: int,
    duration_s: float,
    workdir: Path,
    log: Path | None = None,
) -> Load:
    """Send `mix` for `duration_s` seconds over `connections` keep-alive connections."""
    script = workdir / f"mix-{mix.key}.lua"
    script.write_text(mix.lua())
    text = _wrk(command(base_url, script, connections, duration_s), duration_s)
    if log is not None:
        with log.open("a") as out:
            out.write(f"### {mix.key} c{connections} {base_url}\n{text}\n")
    return parse(text, connections)


def send_count(
    base_url: str, mix: Mix, count: int, connections: int, workdir: Path, limit_s: float
) -> Load:
    """Send `count` requests (the other connections may each finish one more), then stop; never
    longer than `limit_s` seconds.

    wrk only knows durations: the script prints a line once it has its count, and we interrupt
    wrk then (on SIGINT it stops at once and still prints its report)."""
    script = workdir / f"count-{mix.key}.lua"
    script.write_text(mix.lua(stop_after=count))
    connections = max(1, min(connections, count))
    argv = command(base_url, script, connections, limit_s, threads=1)
    try:
        wrk = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError as exc:
        raise LoadError("wrk is not installed: run bench/setup.sh") from exc
    assert wrk.stdout is not None
    for line in wrk.stdout:  # ends when wrk exits by itself at `limit_s`
        if line.strip() == DONE:
            wrk.send_signal(signal.SIGINT)
            break
    try:
        out, err = wrk.communicate(timeout=WRK_TIMEOUT_S + 30)
    except subprocess.TimeoutExpired as exc:
        wrk.kill()
        raise LoadError(f"wrk did not stop: {' '.join(argv)}") from exc
    if wrk.returncode != 0:
        raise LoadError(f"wrk exited {wrk.returncode}: {err.strip()}")
    return parse(out, connections)


def _wrk(argv: list[str], duration_s: float) -> str:
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            timeout=duration_s + WRK_TIMEOUT_S + 30,
        )
    except FileNotFoundError as exc:
        raise LoadError("wrk is not installed: run bench/setup.sh") from exc
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"wrk did not stop: {' '.join(argv)}") from exc
    if done.returncode != 0:
        raise LoadError(f"wrk exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout
