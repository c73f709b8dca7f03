"""The command line as a user runs it: one clear line and exit 2 on bad input, Ctrl-C stops."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port

PYTHON = sys.executable


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60
    )


def test_missing_spec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run("serve", "--spec", str(tmp_path / "nope.json"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.json" in lines[0]


def test_invalid_spec_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"swagger": "2.0", "paths": {}}), encoding="utf-8")
    result = run("serve", "--spec", str(bad))
    assert result.returncode == 2
    assert "not an OpenAPI 3" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_bad_scenario_file_stops_start_up_with_file_key_and_reason(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(
        "name: broken\nrules:\n  - operations: [LxHealthController_check]\n    respond: {status: 503}\n",
        encoding="utf-8",
    )
    result = run("serve", "--scenarios", str(tmp_path), "--world", "none")
    assert result.returncode == 2
    assert "broken.yaml: rules.0.respond: " in result.stderr
    assert "does not document status 503" in result.stderr


def test_unknown_serve_scenario_is_exit_2_naming_known_ones() -> None:
    result = run("serve", "--scenario", "nope")
    assert result.returncode == 2
    assert "video-outage" in result.stderr


def test_scenarios_command_lists_the_shipped_ones() -> None:
    result = run("scenarios")
    assert result.returncode == 0
    assert "video-outage" in result.stdout and "expired-credentials" in result.stdout


class Serving:
    """`mockserver serve` as a user runs it, in a process of its own, on a free port."""

    def __init__(self, *args: str, start_new_session: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [PYTHON, "-m", "mockserver", "serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=start_new_session,
        )

    def wait_for(self, path: str, within: float = 30.0) -> httpx.Response:
        deadline = time.monotonic() + within
        while True:
            try:
                return httpx.get(self.url + path, timeout=1)
            except httpx.TransportError:
                assert time.monotonic() < deadline and self.process.poll() is None, "no server"
                time.sleep(0.1)

    def stop(self) -> tuple[str, str]:
        """Ctrl-C, then what it printed."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.communicate(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def test_serve_prints_how_to_use_it_and_stops_on_ctrl_c() -> None:
    server = Serving()
    assert server.wait_for("/api/v1/health").status_code == 200
    out, err = server.stop()
    assert server.process.returncode == 0, err
    assert server.url in out
    assert "35 operations" in out
    assert "Prefer: code=" in out and "X-Mock-Scenario" in out
    assert "Traceback" not in err


def test_spec_that_breaks_openapi_names_where(tmp_path: Path) -> None:
    document = json.loads((Path(__file__).parent.parent / "openapi.json").read_text())
    document["paths"]["/api/v1/health"]["get"]["responses"]["200"] = {"content": {}}
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(document), encoding="utf-8")
    result = run("serve", "--spec", str(bad))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "paths./api/v1/health.get.responses.200" in line and "not valid OpenAPI 3.0" in line


def test_an_unknown_world_is_exit_2_naming_the_known_ones() -> None:
    result = run("serve", "--world", "bogus")
    assert result.returncode == 2
    assert "no such world" in result.stderr and "default" in result.stderr


def test_a_port_out_of_range_is_refused_by_the_parser() -> None:
    result = run("serve", "--port", "99999")
    assert result.returncode == 2 and "not a TCP port" in result.stderr


def test_a_busy_port_is_one_line_and_exit_2() -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "mockserver: Luxxon" not in result.stdout


def test_another_spec_serves_without_the_luxxon_scenarios_and_world() -> None:
    server = Serving("--spec", str(Path(__file__).parent / "specs" / "petstore.json"))
    try:
        pets = server.wait_for("/v2/pets/p-1")
        assert pets.json() == {"id": "p-1", "name": "Rex", "tag": "dog"}
    finally:
        server.stop()


def test_an_unknown_flavor_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run("serve", "--flavor", "nope")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mockserver: command line: --flavor: unknown flavor 'nope'; known: generic, luxxon"
    ]
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx-mock-flavor: nope\n"
    )
    result = run("serve", "--spec", str(spec))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"mockserver: {spec}: x-mock-flavor: unknown flavor 'nope'; known: generic, luxxon"
    ]


def test_contract_without_its_extra_says_which_install_brings_it() -> None:
    script = (
        "import sys; sys.modules['mockserver.contract.cli'] = None; "
        "from mockserver.cli import main; sys.exit(main(['contract', '--base-url', 'x']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "pip install 'mockserver[contract]'" in result.stderr
