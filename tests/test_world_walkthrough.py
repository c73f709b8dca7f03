"""docs/world.md, executed: the curl walkthroughs and every row of the error-code table run over
real HTTP against the world, command by command, with the world's clock moved instead of `sleep`.

The commands are read from the document itself, so the page cannot drift from what the mock
does. A small interpreter understands exactly the shell the document uses: variables, `$(…)`,
`curl` (-s -i -X -H -d -o -c -b), `| jq -r/-e` with a path or an equality, and
`sleep N` and `until …; do sleep N; done`.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.world_client import (
    SPEC,
    Lx,
    assert_documented,
    jpeg_markers,
    lx_fixture,  # noqa: F401 - provides the `lx` fixture
)

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "world.md").read_text(encoding="utf-8")
POLL_LIMIT = 60


def block(name: str) -> str:
    match = re.search(rf"```bash {name}\n(.*?)\n```", DOC, re.S)
    assert match, f"docs/world.md has no `bash {name}` block"
    return match.group(1)


def table_rows() -> list[tuple[str, int, list[str], bool]]:
    """(code, status, curl commands, run twice) for each row of the error-code table."""
    section = DOC.split("## Error codes without override headers", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 4 and cells[1].isdigit():
            commands = [c for c in re.findall(r"`([^`]+)`", cells[3]) if c.startswith("curl ")]
            rows.append((cells[0], int(cells[1]), commands, "the same again" in cells[3]))
    return rows


class Shell:
    """Runs the document's bash against one namespace of the world server."""

    def __init__(self, lx: Lx) -> None:
        self.lx = lx
        self.vars = {"LX": lx.server.url + "/api/v1"}
        self.printed: list[str] = []
        self.files: dict[str, bytes] = {}
        self.jars: dict[str, dict[str, str]] = {}
        self.last: httpx.Response | None = None

    def run(self, script: str) -> None:
        for statement in statements(script):
            self.statement(statement)

    def statement(self, text: str) -> None:
        loop = re.fullmatch(r"until (.+?) >/dev/null; do sleep (\d+); done", text)
        if loop:
            for _ in range(POLL_LIMIT):
                if self.pipeline(loop.group(1))[1]:
                    return
                self.lx.advance(int(loop.group(2)))
            raise AssertionError(f"never true: {loop.group(1)}")
        pause = re.fullmatch(r"sleep (\d+)", text)
        if pause:
            self.lx.advance(int(pause.group(1)))
            return
        assignment = re.fullmatch(r"(?:export )?(\w+)=(.*)", text)
        if assignment:
            name, value = assignment.groups()
            captured = re.fullmatch(r"\$\((.*)\)", value)
            result = self.pipeline(captured.group(1))[0] if captured else self.words(value)[0]
            self.vars.setdefault(name, result) if name == "LX" else self.vars.update({name: result})
            return
        quiet = text.endswith(">/dev/null")
        output = self.pipeline(text.removesuffix(">/dev/null").strip())[0]
        if not quiet and output:
            self.printed.append(output)

    def words(self, text: str) -> list[str]:
        return [
            re.sub(r"\$\{?(\w+)\}?", lambda m: self.vars[m.group(1)], word)
            for word in shlex.split(text)
        ]

    def pipeline(self, text: str) -> tuple[str, bool]:
        command, _, jq = text.partition(" | jq ")
        body = self.curl(self.words(command))
        return filtered(body, self.words(jq)) if jq else (body, True)

    def curl(self, words: list[str]) -> str:
        assert words[0] == "curl"
        method, url, data, out = None, "", None, None
        headers = {"X-Mock-Namespace": self.lx.namespace}
        save_jar = send_jar = None
        args = iter(words[1:])
        for word in args:
            if word in ("-s", "-S", "-i"):
                continue
            if word in ("-X", "-H", "-d", "-o", "-c", "-b"):
                value = next(args)
                if word == "-X":
                    method = value
                elif word == "-H":
                    name, _, header_value = value.partition(":")
                    assert name.lower() not in ("prefer", "x-mock-scenario"), "no overrides"
                    headers[name.strip()] = header_value.strip()
                elif word == "-d":
                    data = value
                elif word == "-o":
                    out = value
                elif word == "-c":
                    save_jar = value
                else:
                    send_jar = value
            else:
                url = word
        if send_jar is not None:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jars[send_jar].items())
        response = self.lx.http.request(
            method or ("POST" if data is not None else "GET"),
            url,
            headers=headers,
            content=data.encode() if data is not None else None,
        )
        assert_documented(response)
        self.last = response
        if save_jar is not None:
            jar = self.jars.setdefault(save_jar, {})
            for cookie in response.headers.get_list("set-cookie"):
                name, _, value = cookie.split(";")[0].partition("=")
                jar[name] = value
        if out is not None:
            self.files[out] = response.content
            return ""
        return response.text


def statements(script: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", script)
    return [s.strip() for s in joined.splitlines() if s.strip() and not s.lstrip().startswith("#")]


def filtered(body: str, jq: list[str]) -> tuple[str, bool]:
    """`jq -r PATH` or `jq -e 'PATH == "VALUE"'`: the output and the exit status."""
    flags, program = jq[:-1], jq[-1]
    path, _, expected = program.partition(" == ")
    value: Any = json.loads(body)
    for part in path.strip().lstrip(".").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if expected:
        value = value == json.loads(expected)
    text = value if isinstance(value, str) and "-r" in flags else json.dumps(value)
    return text, value not in (None, False)


def test_consumer_walkthrough_reaches_live_and_settles_the_exact_charge(lx: Lx) -> None:
    shell = Shell(lx)
    shell.run(block("consumer-walkthrough"))
    assigned, whep_url, final_balance = shell.printed
    assert assigned == "ASSIGNED"
    assert whep_url.startswith("https://") and whep_url.endswith("/webRTC/play")
    markers = jpeg_markers(shell.files["frame.jpg"])
    assert 0xC0 in markers and 0xDA in markers
    charged = int(shell.vars["CHARGED"])
    assert charged == 10 * 1000  # the ten seconds watched
    assert int(final_balance) == int(shell.vars["POOL"]) - charged
    settlement = lx.ok("GET", f"/settlements/{shell.vars['SID']}")
    assert settlement["state"] == "CONFIRMED"


def test_operator_walkthrough_accepts_starts_goes_live_and_ends(lx: Lx) -> None:
    shell = Shell(lx)
    shell.run(block("operator-walkthrough"))
    accepted, start_whip, producer_whip, ended = shell.printed
    assert (accepted, ended) == ("ASSIGNED", "ENDED")
    assert start_whip.endswith("/webRTC/publish") and producer_whip == start_whip


@pytest.mark.parametrize(
    ("code", "status", "commands", "twice"), table_rows(), ids=[row[0] for row in table_rows()]
)
def test_error_table_row(lx: Lx, code: str, status: int, commands: list[str], twice: bool) -> None:
    shell = Shell(lx)
    shell.run(block("error-table-setup"))
    shell.run(block("error-table-setup-more"))
    for command in commands * (2 if twice else 1):
        shell.statement(command)
    assert shell.last is not None
    assert (shell.last.status_code, shell.last.json()["code"]) == (status, code), shell.last.text


def test_error_table_covers_every_documented_error_code() -> None:
    documented = {
        name
        for op in SPEC.operations.values()
        for status, response in op.responses.items()
        if status[0] in "45"
        for name in response.examples
    }
    in_table = {row[0] for row in table_rows()}
    assert in_table == documented


def test_the_walkthrough_is_plain_bash(tmp_path: Path) -> None:
    """The interpreter only accepts what bash would: every block parses as shell words."""
    for name in (
        "consumer-walkthrough",
        "operator-walkthrough",
        "error-table-setup",
        "error-table-setup-more",
    ):
        for statement in statements(block(name)):
            assert shlex.split(statement)
