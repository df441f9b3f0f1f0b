"""The check of the files a config names: only when asked, and saying what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from edge_agent.link.files import CHECK_FILES, ReadableFile, file_problem


class _Named(BaseModel):
    path: ReadableFile


def test_a_missing_file_is_fine_unless_the_check_is_asked_for(tmp_path: Path) -> None:
    missing = tmp_path / "ca.pem"
    assert _Named(path=missing).path == missing
    with pytest.raises(ValidationError, match="no such file: put the file there"):
        _Named.model_validate({"path": missing}, context={CHECK_FILES: True})


def test_an_unreadable_file_names_the_user_and_the_fix(tmp_path: Path, monkeypatch) -> None:
    key = tmp_path / "device.key"
    key.write_text("PEM")

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    problem = file_problem(key)
    assert problem is not None
    assert "cannot read it: make it readable by the user the agent runs as" in problem
    assert f"chmod 640 {key}" in problem


def test_a_password_file_that_is_not_text_is_a_problem(tmp_path: Path) -> None:
    secret = tmp_path / "mqtt-password"
    secret.write_bytes(b"\xff\xfe\n")
    assert file_problem(secret, needs_text=True) == (
        "is not UTF-8 text: write the broker password on its first line as plain text"
    )
