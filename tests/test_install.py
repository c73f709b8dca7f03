"""The wheel in a user's hands: built from this checkout, installed into a fresh virtualenv in a
temporary folder (nothing of the checkout on its path), then used from another folder: the
README's quickstart, `--version`, `mockserver init`, and a project whose only file is a test
using the `luxxon_mock` fixture, run with `pytest -n 2`.

One virtualenv for the whole run, whichever xdist worker gets there first builds it and the other
waits for it (a file lock, as pytest-xdist's docs suggest); with pip's cache that takes about 30 s.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import mockserver
from tests.conftest import LIVE_SESSION, OPERATOR_KEY, free_port

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
_EXAMPLE = (ROOT / "examples" / "pytest" / "test_luxxon_mock.py").read_text()
# one test per function, and one more per two-case parametrize (the example's only kind)
EXAMPLES = _EXAMPLE.count("\ndef test_") + _EXAMPLE.count("@pytest.mark.parametrize(")
EXAMPLE = ROOT / "examples" / "pytest" / "test_luxxon_mock.py"
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)
QUICKSTART = f"/api/v1/sessions/{LIVE_SESSION}/producer-token"


@dataclass(frozen=True)
class Installed:
    bin: Path  # the fresh virtualenv's bin/
    home: Path  # a folder that is not the checkout, to run commands from

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            cwd=cwd or self.home,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=180,
        )


def clean_env() -> dict[str, str]:
    """The environment of a user's shell: no trace of this pytest run or of the checkout's venv."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST_", "PYTHON", "VIRTUAL_ENV", "COV_"))
    }


def pip(*args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    # The workers of one run share the parent of their temporary folders and a run id.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = tmp_path_factory.getbasetemp()
    base = base.parent / f"install-{run}" if run else base / "install"
    base.mkdir(exist_ok=True)
    with (base / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / "home").is_dir():
            build_and_install(base)
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield Installed(base / "venv" / "bin", base / "home")


def build_and_install(base: Path) -> None:
    source = base / "source"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SOURCE)
    pip("wheel", "--no-deps", "--wheel-dir", str(base / "dist"), str(source))
    (wheel,) = (base / "dist").glob("mockserver-*.whl")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # This pip installs into the fresh environment (`--python`): no ensurepip run, same cache.
    pip("--python", str(venv / "bin" / "python"), "install", "--no-compile", str(wheel))
    pip("--python", str(venv / "bin" / "python"), "install", "--no-compile", "pytest-xdist")
    (base / "home").mkdir()  # last: its presence says the virtualenv is complete


@contextmanager
def serving(installed: Installed, *args: str, cwd: Path | None = None) -> Iterator[str]:
    """`mockserver serve` from the installed wheel; yields its origin once it answers."""
    port = free_port()
    command = [str(installed.bin / "mockserver"), "serve", "--port", str(port), *args]
    with subprocess.Popen(
        command, cwd=cwd or installed.home, env=clean_env(), stdout=subprocess.DEVNULL
    ) as process:
        origin = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(origin + "/__mock", timeout=1)
                    break
                except httpx.TransportError:
                    assert process.poll() is None, "mockserver serve stopped (its stderr is above)"
                    assert time.monotonic() < deadline, "mockserver serve did not answer in 60 s"
                    time.sleep(0.1)
            yield origin
        finally:
            process.terminate()


def assert_quickstart(origin: str) -> None:
    reply = httpx.get(
        origin + QUICKSTART, headers={"Authorization": f"Bearer {OPERATOR_KEY}"}, timeout=10
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert set(body) == {"statusCode", "message", "data", "timestamp"}
    assert body["data"] == {
        "videoBackendRef": "6a7aab6e273b40251e8ee72d7ca05719",
        "whipUrl": "https://customer-CODE.cloudflarestream.com/UID/webRTC",
    }


def test_installed_wheel_serves_the_quickstart_from_any_folder(installed: Installed) -> None:
    with serving(installed) as origin:
        assert_quickstart(origin)


def test_installed_version_is_the_package_version(installed: Installed) -> None:
    result = installed.run("mockserver", "--version")
    assert result.stdout.strip() == f"mockserver {mockserver.__version__}"
    metadata = installed.run(
        "python", "-c", "import importlib.metadata as m; print(m.version('mockserver'))"
    )
    assert metadata.stdout.strip() == mockserver.__version__


def test_init_writes_files_that_serve_as_printed(installed: Installed) -> None:
    result = installed.run("mockserver", "init", "luxxon")
    assert result.returncode == 0, result.stderr
    assert (installed.home / "luxxon" / "scenarios" / "worlds" / "default.yaml").is_file()
    printed = re.search(r"mockserver serve (--spec \S+ --scenarios \S+)", result.stdout)
    assert printed, result.stdout

    with serving(installed, *printed.group(1).split()) as origin:
        assert_quickstart(origin)
        scenario = httpx.get(origin + "/__mock", timeout=10).json()["data"]["scenarios"]
        assert "video-outage" in scenario


def test_a_fresh_project_runs_the_example_suite_in_parallel(installed: Installed) -> None:
    project = installed.home / "project"
    project.mkdir()
    shutil.copy(EXAMPLE, project)

    result = installed.run("pytest", "-n", "2", "-p", "no:cacheprovider", cwd=project)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(rf"\b{EXAMPLES} passed\b", result.stdout), result.stdout[-2000:]


def test_parallel_tests_on_one_shared_mock_stay_in_their_namespaces(installed: Installed) -> None:
    """Both xdist workers on one mock (`--luxxon-mock-url`): only the namespaces keep the two
    tests that end the same session apart, and the shared default world is left as it was."""
    project = installed.home / "shared"
    project.mkdir()
    shutil.copy(EXAMPLE, project)
    with serving(installed) as origin:
        result = installed.run(
            "pytest", "-n", "2", "-p", "no:cacheprovider", f"--luxxon-mock-url={origin}/api/v1",
            cwd=project,
        )  # fmt: skip

        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert re.search(rf"\b{EXAMPLES} passed\b", result.stdout), result.stdout[-2000:]
        assert_quickstart(origin)  # the default world's LIVE session is still LIVE
        namespaces = httpx.get(origin + "/__mock", timeout=10).json()["data"]["namespaces"]
        assert not [name for name in namespaces if name.startswith("pytest-")]


def test_installed_package_carries_its_data_files(installed: Installed) -> None:
    code = (
        "from mockserver import settings as s; from mockserver.luxxon.world import fixture as f; "
        "print('\\n'.join(str(p) for p in (s.DEFAULT_SPEC, s.DEFAULT_WORLD_FILE, f.SCHEMA_PATH, "
        "s.SCENARIO_SCHEMA, s.PROFILE_SCHEMA, s.CONTRACT_PROFILE) if p.is_file()))"
    )
    found = installed.run("python", "-c", code).stdout.split()

    assert len(found) == 6, found
    assert all("site-packages" in path and str(ROOT) not in path for path in found)
