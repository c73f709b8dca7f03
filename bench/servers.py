"""The servers under test: how to start each on a free loopback port, time it to its first 200,
read its memory, and stop it.

Every server is a child process in a session of its own, so stopping it ends exactly what we
started (Prism forks nothing by default, uvicorn runs one process, but the group is cheap safety).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import Mix

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PRISM_COMMAND = BENCH / ".prism" / "command"  # written by setup.sh: node binary, prism script
HOST = "127.0.0.1"


class ServerError(Exception):
    """A server did not start, or did not answer 200 in time."""


@dataclass(frozen=True)
class Server:
    """A way to start one server; `argv(port, spec)` builds its command line."""

    key: str  # mock, prism, prism-quiet, asgi, starlette
    title: str
    argv: Callable[[int, Path], list[str]]
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Running:
    server: Server
    port: int
    process: subprocess.Popen[bytes]
    startup_s: float

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def rss_kb(self) -> int:
        return tree_rss_kb(self.process.pid)


def mock_server(
    scenarios: Path | None = None,
    *,
    key: str = "mock",
    title: str = "this mock",
    store: str | None = None,
    workers: int = 1,
) -> Server:
    """The mock as users start it; `scenarios` replaces its scenarios folder (bench/world.py),
    `store` and `workers` are `--store` and `--workers` (bench/store.py)."""
    script = ROOT / ".venv" / "bin" / "mockserver"
    lead = [str(script)] if script.exists() else [sys.executable, "-m", "mockserver"]
    extra = ["--scenarios", str(scenarios)] if scenarios else []
    extra += ["--store", store] if store else []
    extra += ["--workers", str(workers)] if workers > 1 else []
    return Server(
        key,
        title,
        lambda port, spec: [
            *lead,
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--spec",
            str(spec),
            *extra,
        ],
    )


def prism_server(quiet: bool) -> Server:
    node, script = _prism_command()
    extra = ["-v", "silent"] if quiet else []
    return Server(
        "prism-quiet" if quiet else "prism",
        "Prism, logging silenced" if quiet else "Prism, default logging",
        lambda port, spec: [node, script, "mock", "-h", HOST, "-p", str(port), *extra, str(spec)],
        # NODE_ENV=production would turn on --multiprocess, which crashes in Prism 5.16.
        env={"NODE_ENV": "development"},
    )


def asgi_server() -> Server:
    return Server(
        "asgi", "bare ASGI (limit)", lambda port, spec: _uvicorn("bench.baseline:app", port)
    )


def starlette_server() -> Server:
    return Server(
        "starlette", "bare Starlette", lambda port, spec: _uvicorn("bench.starlette_app:app", port)
    )


def _uvicorn(app: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(ROOT),
        app,
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--lifespan",
        "off",
        "--log-level",
        "warning",
    ]


def _prism_command() -> tuple[str, str]:
    try:
        node, script = PRISM_COMMAND.read_text().split()
    except (OSError, ValueError) as exc:
        raise ServerError("Prism is not installed: run bash bench/setup.sh") from exc
    return node, script


def missing_tools(keys: tuple[str, ...]) -> str | None:
    """What `bench/setup.sh` should have installed and did not, if anything."""
    if shutil.which("wrk") is None:
        return "wrk is not installed"
    if any(key.startswith("prism") for key in keys) and not PRISM_COMMAND.exists():
        return "Prism is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def started(
    server: Server, spec: Path, probe: Mix, log: Path, timeout_s: float = 120.0
) -> Iterator[Running]:
    """Start `server`, wait for `probe` to answer 200, yield it, stop it."""
    port = free_port()
    with log.open("ab") as out:
        begin = time.perf_counter()
        process = subprocess.Popen(
            server.argv(port, spec),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env={**os.environ, **server.env},
            start_new_session=True,
        )
    try:
        _wait_for_200(process, port, probe, timeout_s, log)
        yield Running(server, port, process, time.perf_counter() - begin)
    finally:
        stop(process)


def _wait_for_200(
    process: subprocess.Popen[bytes], port: int, probe: Mix, timeout_s: float, log: Path
) -> None:
    deadline = time.perf_counter() + timeout_s
    status = None
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise ServerError(f"exited with {process.returncode} before answering:\n{tail}")
        status = request_status(port, probe)
        if status == 200:
            return
        time.sleep(0.005 if status is None else 0.05)
    raise ServerError(f"no 200 within {timeout_s:.0f}s (last status {status})")


def request_status(port: int, mix: Mix, timeout_s: float = 5.0) -> int | None:
    """The status `mix` gets once, or None while nothing listens."""
    return request(port, mix, timeout_s)[0]


def request(port: int, mix: Mix, timeout_s: float = 5.0) -> tuple[int | None, bytes]:
    """Send `mix` once: its status (None while nothing listens) and body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout_s)
    headers = dict(mix.headers)
    payload = None
    if mix.body is not None:
        payload = json.dumps(mix.body).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(mix.method, mix.path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    except (ConnectionError, OSError, http.client.HTTPException):
        return None, b""
    finally:
        connection.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def tree_rss_kb(pid: int) -> int:
    """VmRSS of a process and all its descendants, in KiB (0 once it has gone)."""
    return sum(_rss_kb(each) for each in tree(pid))


def tree_cpu_s(pid: int) -> float:
    """CPU time (user + system) a process and its live descendants have used, in seconds."""
    return sum(cpu_s(each) for each in tree(pid))


def cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# ---- Redis (bench/store.py) -------------------------------------------------------------------

REDIS_SERVER = Path("/usr/bin/redis-server")  # Debian's, as docs/scale.md runs it


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def cli(self, *args: str) -> str:
        """One `redis-cli` command's output."""
        argv = ["redis-cli", "-h", HOST, "-p", str(self.port), *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True).stdout


@contextmanager
def redis_server(log: Path) -> Iterator[RedisServer]:
    """A redis-server of our own on a free loopback port, in a temporary folder, keeping nothing
    on disk (`--save '' --appendonly no`, as docs/scale.md advises for a mock's Redis)."""
    if not REDIS_SERVER.is_file():
        raise ServerError(f"{REDIS_SERVER} is missing: run bash bench/setup.sh")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as folder, log.open("ab") as out:
        argv = [str(REDIS_SERVER), "--port", str(port), "--bind", HOST, "--dir", folder]
        process = subprocess.Popen(
            [*argv, "--save", "", "--appendonly", "no"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            running = RedisServer(port, process)
            deadline = time.perf_counter() + 20
            while not _pong(running):
                if process.poll() is not None or time.perf_counter() > deadline:
                    raise ServerError(f"redis-server did not answer PING (log: {log})")
                time.sleep(0.05)
            yield running
        finally:
            stop(process)


def _pong(running: RedisServer) -> bool:
    try:
        return running.cli("ping").strip() == "PONG"
    except (OSError, subprocess.SubprocessError):
        return False
