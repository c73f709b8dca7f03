"""The soak script runs end to end (a few seconds of it, at a low rate): it starts the mock, sends
its mix, samples RSS and writes its result. No timing or memory assertion here: `make bench` runs
the real soak and judges it."""

from __future__ import annotations

import json
from pathlib import Path

from bench import soak


def test_a_few_seconds_of_soak_write_a_result(tmp_path: Path) -> None:
    result = soak.run(minutes=0.05, rate=20, out=tmp_path)
    written = json.loads((tmp_path / "soak.json").read_text())
    assert written["sent"] == result["sent"] > 0
    assert result["new_namespaces"] >= 1 and len(result["rss"]) >= 2
    assert not [code for code in result["statuses"] if code.startswith("5")]
    assert set(result["verdict"]) >= {"rss_at_reference_mb", "worst_drift", "passed"}
    assert soak.summary_line(result).startswith("| 0.05 min |")
