"""`mockserver serve --store --store-timeout --workers` as a user runs it: a bad value is one line
and exit 2; N workers are N processes sharing the parent's one listening socket; Ctrl-C stops them
all. What the store shares between workers is tested with the store itself (issue 14)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import serve
from mockserver.settings import Settings
from tests.conftest import TESTS, free_port
from tests.test_cli import Serving

PYTHON = sys.executable


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "mockserver", "serve", "--port", str(free_port()), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--workers", "2"], "--workers 2 needs a shared store: with --store memory each worker"),
        (["--store", "redis://x:notaport"], "not a Redis URL: Port could not be cast"),
        (["--store", "mongodb://127.0.0.1:27017/mock"], "not 'memory' or a redis://HOST:PORT/DB"),
        (["--store", "redis://127.0.0.1:6379/zero"], "the database must be a number"),
        (["--store-timeout", "0"], "--store-timeout must be a number of seconds above 0"),
        (["--store-timeout", "soon"], "--store-timeout must be a number of seconds above 0"),
        (["--workers", "65"], "--workers must be a whole number from 1 to 64"),
        (["--workers", "two"], "--workers must be a whole number from 1 to 64"),
        (
            ["--workers", "2", "--store", "redis://127.0.0.1:6379/0", "--watch"],
            "--watch reloads one process only",
        ),
    ],
)
def test_a_bad_store_or_workers_value_is_one_line_and_exit_2(args: list[str], says: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], result.stderr
    assert result.stdout == ""  # refused before the banner: nothing was served


def test_the_workers_settings_travel_through_the_environment_unchanged(tmp_path: Path) -> None:
    settings = Settings(
        spec_path=tmp_path / "spec.json",
        scenarios_dir=None,
        seed=7,
        cors_origins=("http://localhost:3000", "https://app.example"),
        store="redis://127.0.0.1:6390/2",
        store_timeout=1.5,
        workers=4,
    )
    for each in (settings, Settings()):
        assert serve.settings_from_env(serve.settings_to_env(each)) == each


def test_a_worker_that_cannot_build_its_app_says_why_and_exits_as_a_startup_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """uvicorn's supervisor restarts a worker that dies, except one that exits with its
    STARTUP_FAILURE: a file that broke after the parent checked it would fail every restart."""
    missing = Settings(spec_path=tmp_path / "gone.json", store="redis://127.0.0.1:1/0", workers=2)
    monkeypatch.setenv(serve.SETTINGS_ENV, serve.settings_to_env(missing))
    with pytest.raises(SystemExit) as stopped:
        serve.worker_app()
    assert stopped.value.code == serve.STARTUP_FAILURE
    assert "gone.json" in capsys.readouterr().err


# -- real processes --------------------------------------------------------------------------------
class Workers(Serving):
    """`mockserver serve --workers N` in a session of its own, so that whatever happens its whole
    process tree is killed at the end."""

    def __init__(self, *args: str) -> None:
        super().__init__(*args, start_new_session=True)

    def get(self, path: str) -> httpx.Response:
        return self.wait_for(path, within=60.0)  # N workers start more slowly than one process

    def kill(self) -> None:
        """The parent and every worker (they share its process group), whatever state they are in."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.communicate(timeout=10)


@pytest.fixture
def workers() -> Iterator[list[Workers]]:
    started: list[Workers] = []
    yield started
    for each in started:
        each.kill()


def _children(parent: int) -> list[int]:
    """Processes whose parent is `parent`, from /proc/PID/stat (its 4th field)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rpartition(")")[2].split()[1]) == parent:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _worker_pids(parent: int) -> list[int]:
    """The parent's children that serve (uvicorn spawns them through multiprocessing's
    spawn_main; its resource tracker is a child too, and serves nothing)."""
    found = []
    for pid in _children(parent):
        with contextlib.suppress(OSError):  # gone meanwhile
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return found


def _listening_inode(port: int) -> str:
    """The inode of the socket listening on 127.0.0.1:`port` (/proc/net/tcp: state 0A)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":
            return fields[9]
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # closed meanwhile
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


def test_two_workers_share_one_port_serve_and_stop_on_ctrl_c(
    redis_url: str, workers: list[Workers]
) -> None:
    server = Workers("--workers", "2", "--store", redis_url)
    workers.append(server)
    assert server.get("/api/v1/health").status_code == 200
    pids = _worker_pids(server.process.pid)
    assert len(pids) == 2
    listening = _listening_inode(server.port)
    for pid in pids:  # each worker accepts on the parent's socket: one port, two processes
        assert listening in _socket_inodes(pid)
    for _ in range(10):
        assert server.get("/api/v1/health").status_code == 200
    out, err = server.stop()
    assert server.process.returncode == 0, err
    assert f"{redis_url}, 2 worker processes" in out and "35 operations" in out
    assert "Traceback" not in err and "Warning" not in err
    assert not [pid for pid in pids if _alive(pid)]


def test_sighup_restarts_the_workers_on_the_edited_spec(
    redis_url: str, workers: list[Workers], tmp_path: Path
) -> None:
    """What a user does instead of --watch: the parent (uvicorn's supervisor) replaces each
    worker by a new one, which reads the files again."""
    spec = tmp_path / "petstore.json"
    document = json.loads((TESTS / "specs" / "petstore.json").read_text(encoding="utf-8"))
    spec.write_text(json.dumps(document), encoding="utf-8")
    server = Workers("--spec", str(spec), "--workers", "2", "--store", redis_url)
    workers.append(server)
    assert server.get("/openapi.json").json()["info"]["title"] == "Petstore (not Luxxon)"
    before = set(_worker_pids(server.process.pid))
    document["info"]["title"] = "Petstore, edited"
    spec.write_text(json.dumps(document), encoding="utf-8")
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 60
    while (
        before & set(_worker_pids(server.process.pid)) or len(_worker_pids(server.process.pid)) != 2
    ):
        assert time.monotonic() < deadline, "the workers were not replaced"
        time.sleep(0.2)
    for _ in range(6):
        assert server.get("/openapi.json").json()["info"]["title"] == "Petstore, edited"
    _out, err = server.stop()
    assert server.process.returncode == 0, err


def test_workers_start_and_answer_while_their_store_is_down(workers: list[Workers]) -> None:
    """The parent checks the files without the store, so it starts whatever the store's state;
    each worker answers (the store's own 503 until Redis is up is the store's to test)."""
    nothing_there = free_port()
    server = Workers("--workers", "2", "--store", f"redis://127.0.0.1:{nothing_there}/0")
    workers.append(server)
    assert server.get("/api/v1/health").status_code in (200, 503)
    assert len(_worker_pids(server.process.pid)) == 2
    out, err = server.stop()
    assert server.process.returncode == 0, err
    assert "2 worker processes" in out and "Traceback" not in err
