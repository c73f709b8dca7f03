"""`mockserver init DIR`: the shipped files copied out for editing, never half-overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.app import create_app
from mockserver.cli import main
from mockserver.settings import DEFAULT_SPEC, Settings


def test_init_copies_spec_scenarios_and_world_and_says_how_to_serve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "lx")]) == 0

    out = capsys.readouterr().out
    spec, scenarios = tmp_path / "lx" / "openapi.json", tmp_path / "lx" / "scenarios"
    assert f"mockserver serve --spec {spec} --scenarios {scenarios}" in out
    assert spec.read_bytes() == DEFAULT_SPEC.read_bytes()
    app = create_app(Settings(spec_path=spec, scenarios_dir=scenarios))
    assert "video-outage" in app.scenarios and app.worlds is not None


def test_init_keeps_existing_files_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = tmp_path / "scenarios" / "worlds" / "default.yaml"
    world.parent.mkdir(parents=True)
    world.write_text("# mine\n", encoding="utf-8")

    assert main(["init", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert world.read_text(encoding="utf-8") == "# mine\n"
    assert not (tmp_path / "openapi.json").exists()  # nothing written at all

    assert main(["init", str(tmp_path), "--force"]) == 0
    assert world.read_text(encoding="utf-8") != "# mine\n"


def test_init_into_a_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken"
    target.write_text("", encoding="utf-8")

    assert main(["init", str(target)]) == 2
    assert capsys.readouterr().err.strip().endswith("exists and is not a folder")


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    import mockserver

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"mockserver {mockserver.__version__}"
