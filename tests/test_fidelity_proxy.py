"""`mockserver proxy --fail-on-violation` in front of the mock finds nothing to say: the README's
walkthroughs, played with every demo key in the consumer's and the operator's seat, cross the
proxy with no request or response off the spec, and the proxy exits 0.

A key that cannot play a seat (the read-only key creating a session, the revoked key, a consumer
key accepting) gets the API's documented errors all the way through; those must be on the
contract as much as the happy path is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from tests.conftest import free_port
from tests.test_proxy import _wait_for_port
from tests.test_world_walkthrough import Shell, block
from tests.world_client import CONSUMER, MEDELLIN, OPERATOR, READONLY, REVOKED, Lx, world_server

DEMO_KEYS = [CONSUMER, OPERATOR, READONLY, REVOKED, MEDELLIN]
PATIENCE = (
    15  # polls of the walkthroughs' `until` loops before a seat that cannot get there gives up
)


@dataclass
class Behind:
    """The world server as seen through the proxy: requests go to `url`, the clock is the mock's."""

    url: str
    app: Any


class PatientShell(Shell):
    """The README's shell, where an `until` that never comes true ends the loop, not the test:
    with the wrong key in a seat, the state the walkthrough waits for never comes."""

    def statement(self, text: str) -> None:
        if text.startswith("until "):
            for _ in range(PATIENCE):
                if self.pipeline(text.removeprefix("until ").split(" >/dev/null;")[0])[1]:
                    return
                self.lx.advance(1)
            return
        super().statement(text)


def play(front: Behind, walkthrough: str, seat: str, key: str) -> None:
    lx = Lx(front, f"proxy-{uuid.uuid4().hex[:10]}")  # type: ignore[arg-type]
    lx.freeze()
    try:
        shell = PatientShell(lx)
        shell.vars[seat] = f"Authorization: Bearer {key}"
        script = block(walkthrough).replace(f"export {seat}=", f"{seat}_README=")  # not overwritten
        shell.run(script)
    finally:
        front.app.worlds.reset(lx.namespace)
        lx.close()


def test_the_readme_walkthroughs_with_every_demo_key_cross_the_proxy_without_a_violation() -> None:
    mock = world_server()
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "proxy", "--upstream", mock.url]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--fail-on-violation"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    try:
        _wait_for_port(port, process)
        front = Behind(f"http://127.0.0.1:{port}", mock.app)
        for key in DEMO_KEYS:
            play(front, "consumer-walkthrough", "CONSUMER", key)
            play(front, "operator-walkthrough", "OPERATOR", key)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)

    assert process.returncode == 0, err[-3000:]
    summary = out.splitlines()[0]
    assert summary.endswith(" 0 violations (0 request, 0 response)"), out
    assert int(summary.split()[1]) > 200  # exchanges: every seat really played
