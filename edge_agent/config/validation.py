"""Validating config files or whole folders for ``edge-agent validate``: results and a summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_agent.config.devices import (
    AgentConfig,
    RfidGateDevice,
    ScannerStationDevice,
    ShelfDevice,
)
from edge_agent.config.loader import SITE_FILE, load_config, load_site
from edge_agent.config.site import SiteSettings
from edge_agent.errors import ConfigError

COLLECTOR_FILES = frozenset({"bindings.yaml"})
"""Collector-side files that live beside device files; the collector validates them."""


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file's outcome: the validated config, or the error listing its problems."""

    path: Path
    config: AgentConfig | SiteSettings | None = None
    error: str | None = None


def validate_path(path: Path, *, check_files: bool = True) -> list[FileResult]:
    """Validate one file, or every ``*.yaml`` under a folder plus device ids across files.

    With ``check_files`` (the default) the files the configs name must exist and be
    readable here; without, only the configs themselves are checked.
    """
    if not path.exists():
        return [FileResult(path, error=f"{path}: no such file or folder")]
    found = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    files = [f for f in found if not (path.is_dir() and f.name in COLLECTOR_FILES)]
    if not files:
        return [FileResult(path, error=f"{path}: no *.yaml files in this folder")]
    results = [_validate_file(f, check_files=check_files) for f in files]
    return results + _duplicate_device_ids(results)


def _validate_file(path: Path, *, check_files: bool) -> FileResult:
    if path.name in COLLECTOR_FILES:
        return FileResult(path, error=f"{path}: a collector file; the collector validates it")
    try:
        if path.name == SITE_FILE:
            config: AgentConfig | SiteSettings = load_site(path, check_files=check_files)
        else:
            config = load_config(path, check_files=check_files)
    except ConfigError as err:
        return FileResult(path, error=str(err))
    return FileResult(path, config=config)


def _duplicate_device_ids(results: list[FileResult]) -> list[FileResult]:
    """Two files of one site must not claim the same device id: their topics would collide."""
    seen: dict[tuple[str, str], Path] = {}
    problems = []
    for result in results:
        if not isinstance(result.config, AgentConfig):
            continue
        key = (result.config.site.site_id, result.config.device.id)
        if key in seen:
            message = f"{result.path}: device.id: {key[1]!r} is already used by {seen[key]}"
            problems.append(FileResult(result.path, error=message))
        seen.setdefault(key, result.path)
    return problems


def _shelf(device: Any) -> str:
    pins = ",".join(str(lane.data_pin) for lane in device.lanes)
    return f"{len(device.lanes)} lanes; clock GPIO{device.clock_pin}, data GPIO {pins}"


def _gate(device: Any) -> str:
    ports = ", ".join(r.port for r in device.readers)
    sides = "in/out" if device.outside is not None else "presence only"
    return f"gate {device.gate_name}: {len(device.readers)} reader(s) on {ports}; {sides}"


def _station(device: Any) -> str:
    ports = ", ".join(s.port for s in device.scanners)
    return f"station {device.station_name}: scanner(s) on {ports}; starts in {device.initial_mode}"


_DETAILS: dict[type, Callable[[Any], str]] = {
    ShelfDevice: _shelf,
    RfidGateDevice: _gate,
    ScannerStationDevice: _station,
}


def summary_row(result: FileResult) -> tuple[str, str, str, str, str]:
    """(file, kind, id, site, details) of a valid file."""
    config = result.config
    if isinstance(config, SiteSettings):
        return (str(result.path), "site", "-", config.site_id, f"broker {config.mqtt_url}")
    assert isinstance(config, AgentConfig), "summary_row needs a valid result"
    device = config.device
    details = _DETAILS[type(device)](device)
    return (str(result.path), device.kind, device.id, config.site.site_id, details)
