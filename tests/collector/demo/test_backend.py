"""The demo's bindings: the shipped ones with short grace windows, still valid."""

from __future__ import annotations

from pathlib import Path

from collector.demo.backend import GRACE_S, fresh_var_dir, write_bindings
from collector.sites.loader import load_bindings

DEMO = Path(__file__).parents[3] / "firmware_configs" / "demo"


def test_every_grace_window_is_shortened_and_the_file_still_validates(tmp_path: Path) -> None:
    paths = fresh_var_dir(tmp_path / "demo")
    bindings = load_bindings(write_bindings(paths, DEMO))
    assert bindings.site_id == "demo"
    assert bindings.rules_for("demo/aisle-1/shelf-1").grace_s == GRACE_S
    assert bindings.rules_for("demo/aisle-1/shelf-2").grace_s == GRACE_S  # 120 in the shipped file


def test_a_fresh_var_dir_forgets_the_previous_run(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "ledger.db").write_text("old")
    paths = fresh_var_dir(tmp_path / "demo")
    assert not paths.ledger.exists()
    assert paths.db_url == f"sqlite:///{tmp_path / 'demo' / 'ledger.db'}"
