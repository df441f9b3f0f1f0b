"""``edge-agent validate``: ok with a summary table, or every problem and exit code 1."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edge_agent.cli import app
from tests.edge_agent.config.conftest import shelf_yaml

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def test_committed_configs_are_ok_with_summary() -> None:
    result = runner.invoke(app, ["validate", "--no-files", str(ROOT / "firmware_configs")])
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


def _tls_site(folder: Path, **files: Path) -> None:
    """A site.yaml on mqtts:// naming a password file and the three TLS files."""
    tls = ", ".join(f"{k}: '{v}'" for k, v in files.items() if k != "mqtt_password_file")
    (folder / "site.yaml").write_text(
        "site_id: test-site\nmqtt_url: mqtts://broker:8883\noutbox_path: /tmp/{device_id}.db\n"
        f"mqtt_password_file: '{files['mqtt_password_file']}'\ntls: {{{tls}}}\n"
    )


def _site_files(folder: Path) -> dict[str, Path]:
    names = ("mqtt_password_file", "ca_file", "cert_file", "key_file")
    return {name: folder / "secrets" / name for name in names}


def test_every_missing_file_is_reported_at_its_field(tmp_path: Path) -> None:
    (tmp_path / "shelf.yaml").write_text(shelf_yaml([6]))
    _tls_site(tmp_path, **_site_files(tmp_path))
    result = runner.invoke(app, ["validate", str(tmp_path / "shelf.yaml")])
    assert result.exit_code == 1
    assert "ok" not in result.output.split()
    for field in ("mqtt_password_file", "tls.ca_file", "tls.cert_file", "tls.key_file"):
        assert f"site.yaml: site.{field}: no such file: put the file there" in result.output


def test_named_files_that_are_there_and_readable_are_ok(tmp_path: Path) -> None:
    (tmp_path / "shelf.yaml").write_text(shelf_yaml([6]))
    files = _site_files(tmp_path)
    (tmp_path / "secrets").mkdir()
    for path in files.values():
        path.write_text("secret\n")
    _tls_site(tmp_path, **files)
    result = runner.invoke(app, ["validate", str(tmp_path / "shelf.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "ok"


def test_a_folder_and_an_empty_password_file_are_problems(tmp_path: Path) -> None:
    (tmp_path / "shelf.yaml").write_text(shelf_yaml([6]))
    files = _site_files(tmp_path)
    (tmp_path / "secrets").mkdir()
    for path in files.values():
        path.write_text("PEM\n")
    files["mqtt_password_file"].write_text("\n")
    files["ca_file"] = tmp_path / "secrets"
    _tls_site(tmp_path, **files)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert "site.mqtt_password_file: holds no password on its first line" in result.output
    assert "site.tls.ca_file: is a folder, not a file" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_a_file_this_user_cannot_read_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "shelf.yaml").write_text(shelf_yaml([6]))
    files = _site_files(tmp_path)
    (tmp_path / "secrets").mkdir()
    for path in files.values():
        path.write_text("PEM\n")
    files["key_file"].chmod(0)
    _tls_site(tmp_path, **files)
    result = runner.invoke(app, ["validate", str(tmp_path / "shelf.yaml")])
    assert "site.tls.key_file: user " in result.output
    assert "cannot read it: make it readable by the user the agent runs as" in result.output


def test_no_files_checks_the_configs_alone(tmp_path: Path) -> None:
    (tmp_path / "shelf.yaml").write_text(shelf_yaml([6]))
    _tls_site(tmp_path, **_site_files(tmp_path))
    result = runner.invoke(app, ["validate", "--no-files", str(tmp_path / "shelf.yaml")])
    assert result.exit_code == 0, result.output
