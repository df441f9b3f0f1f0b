"""Files a config names for the broker link (TLS PEM files, the password file), checked on request.

Configs are checked for their shape everywhere (a laptop, CI); whether the files
they name are there only means something on the device. So the check runs only
when the validation context says ``{CHECK_FILES: True}`` (``edge-agent
validate`` does): a file that is missing, a folder, unreadable by this user or
(the password) empty is then a problem at its own field, reported together with
every other problem of the config.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

CHECK_FILES = "check_files"
"""Validation-context key: when true, named files must exist and be readable."""


def file_problem(path: Path, *, needs_text: bool = False) -> str | None:
    """What is wrong with ``path`` as a file the agent reads, or ``None`` when nothing is."""
    if path.is_dir():
        return "is a folder, not a file: give the file's path"
    try:
        with path.open("rb") as handle:
            start = handle.read(4096) if needs_text else b""
    except FileNotFoundError:
        return "no such file: put the file there or correct the path"
    except PermissionError:
        return (
            f"user {_user()} cannot read it: make it readable by the user the agent runs as "
            f"(e.g. chgrp edge-agent {path} && chmod 640 {path})"
        )
    except OSError as err:
        return f"cannot be read ({err.strerror}): check the path"
    return _text_problem(start) if needs_text else None


def _text_problem(start: bytes) -> str | None:
    """What is wrong with the start of a password file: not text, or no first line."""
    try:
        first_line = start.decode("utf-8").splitlines()[:1]
    except UnicodeDecodeError:
        return "is not UTF-8 text: write the broker password on its first line as plain text"
    if not (first_line and first_line[0].strip()):
        return "holds no password on its first line: write the broker password there"
    return None


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _checked(path: Path, info: ValidationInfo, *, needs_text: bool) -> Path:
    if not (info.context or {}).get(CHECK_FILES):
        return path
    problem = file_problem(path, needs_text=needs_text)
    if problem is not None:
        raise PydanticCustomError("file_unusable", "{problem}", {"problem": problem})
    return path


def _readable(path: Path, info: ValidationInfo) -> Path:
    return _checked(path, info, needs_text=False)


def _with_text(path: Path, info: ValidationInfo) -> Path:
    return _checked(path, info, needs_text=True)


ReadableFile = Annotated[Path, AfterValidator(_readable)]
"""A path to a file the agent reads; checked when the context asks for it."""
TextFile = Annotated[Path, AfterValidator(_with_text)]
"""A path to a file that must also hold some text (the password); checked likewise."""
