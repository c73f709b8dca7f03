"""Report files for CI: JUnit XML and JSON of our findings, and schemathesis's own traffic
recordings (HAR, VCR cassette, NDJSON event stream) for replaying what was sent."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from schemathesis.config import OutputConfig
from schemathesis.engine import events
from schemathesis.reporting.har import HarWriter
from schemathesis.reporting.ndjson import NdjsonWriter
from schemathesis.reporting.vcr import VcrWriter

from mockserver.contract.errors import ToolError
from mockserver.contract.report import ContractResult, Finding, Tally, render_finding

RESULT_FORMATS = ("junit", "json")
TRAFFIC_FORMATS = ("har", "vcr", "ndjson")
FORMATS = RESULT_FORMATS + TRAFFIC_FORMATS


@dataclass(frozen=True)
class ReportFile:
    format: str
    path: Path


def parse_report(value: str) -> ReportFile:
    """`FORMAT:PATH`, e.g. `junit:reports/contract.xml`."""
    fmt, sep, path = value.partition(":")
    if not sep or not path or fmt not in FORMATS:
        raise ToolError(
            f"--report {value!r}: expected FORMAT:PATH with FORMAT one of {', '.join(FORMATS)}"
        )
    return ReportFile(fmt, Path(path))


class TrafficRecorder:
    """Feeds engine events to schemathesis's HAR, VCR and NDJSON writers (tokens sanitized)."""

    def __init__(self, files: list[ReportFile], *, seed: int, command: str) -> None:
        config = OutputConfig()
        self._scenarios: list[HarWriter | VcrWriter] = []  # written one finished scenario at a time
        self._events: list[NdjsonWriter] = []  # written one engine event at a time
        for report in files:
            if report.format == "har":
                har = HarWriter(_prepared(report.path), config)
                har.open(seed=seed)
                self._scenarios.append(har)
            elif report.format == "vcr":
                vcr = VcrWriter(_prepared(report.path), config)
                vcr.open(seed=seed, command=command)
                self._scenarios.append(vcr)
            elif report.format == "ndjson":
                ndjson = NdjsonWriter(_prepared(report.path), config.sanitization)
                ndjson.open(seed=seed, command=command)
                self._events.append(ndjson)

    def on_event(self, event: events.EngineEvent) -> None:
        for ndjson in self._events:
            ndjson.write_event(event)
        if isinstance(event, events.ScenarioFinished):
            for writer in self._scenarios:
                writer.write(event.recorder)

    def close(self) -> None:
        for writer in [*self._scenarios, *self._events]:
            writer.close()


def write_results(files: list[ReportFile], result: ContractResult) -> None:
    for report in files:
        if report.format == "junit":
            _prepared(report.path).write_text(junit_xml(result), encoding="utf-8")
        elif report.format == "json":
            _prepared(report.path).write_text(
                json.dumps(result_json(result), indent=2) + "\n", encoding="utf-8"
            )


def junit_xml(result: ContractResult) -> str:
    """One test case per operation × check, timed by the responses it judged; a case whose check
    failed holds one <failure> with every distinct finding, so `failures` counts both the failed
    cases and the <failure> elements (CI dashboards read either). A tool error is an <error>."""
    suites = ElementTree.Element("testsuites")
    suite = ElementTree.SubElement(suites, "testsuite", {"name": "mockserver contract"})
    pairs = set(result.tallies) | {(f.operation, f.check) for f in result.findings}
    for operation, check in sorted(pairs):
        tally = result.tallies.get((operation, check), Tally())
        case = ElementTree.SubElement(
            suite,
            "testcase",
            {"classname": operation, "name": check, "time": f"{tally.seconds:.3f}"},
        )
        findings = result.findings_for(operation, check)
        if findings:
            failure = ElementTree.SubElement(
                case, "failure", {"type": check, "message": _failure_message(findings, tally)}
            )
            failure.text = "\n\n".join(render_finding(finding) for finding in findings)
    for error in result.errors:
        case = ElementTree.SubElement(
            suite, "testcase", {"classname": "tool", "name": error.label, "time": "0.000"}
        )
        ElementTree.SubElement(case, "error", {"message": error.label}).text = error.message
    counts = {
        "tests": str(len(suite.findall("testcase"))),
        "failures": str(len(suite.findall("testcase/failure"))),
        "errors": str(len(suite.findall("testcase/error"))),
        "time": f"{result.elapsed:.3f}",
    }
    suites.attrib.update(counts)
    suite.attrib.update(counts)
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        suites, encoding="unicode"
    )


def _failure_message(findings: list[Finding], tally: Tally) -> str:
    titles = "; ".join(dict.fromkeys(finding.title for finding in findings))
    distinct = f"{len(findings)} distinct failures: " if len(findings) > 1 else ""
    judged = f" (failed {tally.failed} of {tally.responses} responses)" if tally.responses else ""
    return f"{findings[0].check}: {distinct}{titles}{judged}"


def result_json(result: ContractResult) -> dict[str, Any]:
    return {
        "passed": result.passed,
        "base_url": result.base_url,
        "seed": result.seed,
        "operations": sorted(result.operations),
        "requests": result.requests,
        "elapsed_s": round(result.elapsed, 3),
        "failed_checks": result.failed_checks,
        "accepted": result.accepting,
        "counts": [
            {
                "operation": operation,
                "check": check,
                "responses": tally.responses,
                "failed": tally.failed,
                "seconds": round(tally.seconds, 3),
            }
            for (operation, check), tally in sorted(result.tallies.items())
        ],
        "requests_by_operation": dict(sorted(result.requests_by_operation.items())),
        "findings": [asdict(finding) for finding in result.findings],
        "errors": [asdict(error) for error in result.errors],
    }


def _prepared(path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolError(
            f"cannot create report folder {path.parent}: {exc.strerror or exc}"
        ) from None
    return path
