"""A real Redis for the tests that share one world between mock processes (issue 14).

Debian's `redis-server` on a free loopback port, with a temporary directory and an append-only
file fsynced on every write, so what Redis acknowledged survives `stop()` and `start()` on the
same port and directory, as it would survive a restart in production. `pause()` freezes it
(SIGSTOP) to play a Redis that accepts connections and never answers. It is always killed when
the `with` block, or the pytest fixture (tests/conftest.py), ends.
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.conftest import free_port

REDIS_SERVER = "/usr/bin/redis-server"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class RedisServer:
    """One redis-server process; `.url` names its database 0."""

    def __init__(self, binary: str = REDIS_SERVER) -> None:
        self.binary = binary
        self.port = free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="mock-redis-")
        self.dir = Path(self._tmp.name)
        self.log = self.dir / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def client(self, timeout: float = 1.0) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def start(self) -> RedisServer:
        """Start it (again: same port, same directory, so the append-only file is reloaded) and
        return once it answers PING."""
        if self.running:
            return self
        command = [
            self.binary,
            *("--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir)),
            *("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
            *("--daemonize", "no", "--logfile", ""),
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.paused = False
        self._wait_until_it_answers()
        return self

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        with self.client(timeout=0.5) as client:
            while True:
                try:
                    if client.ping():
                        return
                except redis.RedisError:
                    pass
                if not self.running or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"redis-server did not start:\n{self.log_tail()}")
                time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM, as an operator stops it (Redis finishes its append-only file), and wait."""
        if self.process is None:
            return
        self.resume()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)
        self.process = None
        self.paused = False

    def pause(self) -> None:
        """Redis still accepts connections (the kernel does) but answers nothing: a hung store."""
        if self.running and not self.paused:
            assert self.process is not None
            self.process.send_signal(signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.running and self.paused:
            assert self.process is not None
            self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def flush(self) -> None:
        with self.client() as client:
            client.flushall()

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def close(self) -> None:
        """Stop it for good and remove its directory."""
        try:
            self.stop()
        finally:
            self.kill()
            self._tmp.cleanup()

    def __enter__(self) -> RedisServer:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *_: object) -> None:
        self.close()
