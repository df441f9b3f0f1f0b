"""``edge-agent validate``: ok with a summary table, or every problem and exit code 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from edge_agent.cli import app
from tests.edge_agent.config.conftest import shelf_yaml

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def test_committed_configs_are_ok_with_summary() -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "firmware_configs")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "ok"
    assert lines[1].split() == ["file", "kind", "id", "site", "details"]
    assert any("shelf-a1" in line and "4 lanes" in line for line in lines)
    assert any("gate-dock-1" in line and "in/out" in line for line in lines)


def test_single_file_ok(config_dir: Callable[[str, str], Path]) -> None:
    path = config_dir("shelf.yaml", shelf_yaml([6]))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "shelf-t" in result.output


def test_broken_file_lists_every_problem_and_exits_1(
    config_dir: Callable[[str, str], Path],
) -> None:
    path = config_dir("shelf.yaml", shelf_yaml([6, 6], extra="  colour: red\n"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "device.colour" in result.output
    assert "device.lanes[1].data_pin" in result.output
    assert "ok" not in result.output.split()


def test_duplicate_device_id_across_files(config_dir: Callable[[str, str], Path]) -> None:
    path = config_dir("a.yaml", shelf_yaml([6]))
    (path.parent / "b.yaml").write_text(shelf_yaml([13]))
    result = runner.invoke(app, ["validate", str(path.parent)])
    assert result.exit_code == 1
    assert "'shelf-t' is already used by" in result.output


def test_missing_path_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no such file" in result.output


def test_collector_bindings_file_in_the_folder_is_left_to_the_collector(
    config_dir: Callable[[str, str], Path],
) -> None:
    path = config_dir("a.yaml", shelf_yaml([6]))
    (path.parent / "bindings.yaml").write_text("site: test-site\nbindings: []\n")
    result = runner.invoke(app, ["validate", str(path.parent)])
    assert result.exit_code == 0, result.output
    assert "bindings.yaml" not in result.output


def test_bindings_file_given_alone_is_pointed_to_the_collector(tmp_path: Path) -> None:
    path = tmp_path / "bindings.yaml"
    path.write_text("site_id: x\n")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "collector" in result.output


def test_an_uncalibrated_lane_is_a_problem_naming_the_calibrate_command(
    config_dir: Callable[[str, str], Path],
) -> None:
    path = config_dir("shelf.yaml", shelf_yaml([6]).replace(
        ", calibration: {zero_raw_counts: 0, counts_per_gram: 420}", ""))  # fmt: skip
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert f"run `edge-agent calibrate {path} --lane l0`" in result.output
