"""Loading device config files: YAML, site defaults merged in, every problem reported at once.

A device file holds ``device:`` and optionally ``site:`` overrides.  The
``site.yaml`` in the same folder supplies the site defaults; the device file's
``site:`` mapping is merged over it key by key.  Any problem in either file ends
up in one ``ConfigError`` whose lines read ``FILE: field.path: what is wrong``.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import yaml
from pydantic import ValidationError

from edge_agent.config.checks import format_loc
from edge_agent.config.devices import DEVICE_KINDS, AgentConfig
from edge_agent.config.site import SiteSettings
from edge_agent.errors import ConfigError
from edge_agent.link.files import CHECK_FILES
from edge_agent.sensing.weight.settings import LaneCalibration

SITE_FILE = "site.yaml"


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses a key given twice (PyYAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                line = key_node.start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (line {line})", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True, slots=True)
class _Sources:
    """Which file each part of the merged input came from, and that input."""

    device_file: Path
    site_file: Path | None
    site_overrides: dict[str, Any]
    merged: dict[str, Any] = field(default_factory=dict)


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file's top-level mapping; ``ConfigError`` naming the file and line otherwise."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except OSError as err:
        raise ConfigError(f"{path}: cannot read ({err.strerror})") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {_yaml_problem(err)}") from err
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys, not a list or value")
    return data


def load_config(
    path: Path, *, uncalibrated_as: LaneCalibration | None = None, check_files: bool = False
) -> AgentConfig:
    """Load and validate a device file with its folder's site defaults.

    A shelf lane without a calibration is a problem, unless ``uncalibrated_as`` is
    given: ``edge-agent calibrate`` loads a file whose lanes it has yet to calibrate
    with a stand-in there (in memory only). With ``check_files``, the files the config
    names (TLS, password) must exist and be readable, each problem at its field.
    """
    raw = read_yaml(path)
    site_path = path.parent / SITE_FILE
    site_defaults = read_yaml(site_path) if site_path.is_file() else {}
    site_raw = raw.get("site", {})
    overrides = site_raw if isinstance(site_raw, dict) else {}
    merged_site = deep_merge(site_defaults, overrides) if isinstance(site_raw, dict) else site_raw
    merged = {**raw, "site": merged_site}
    if uncalibrated_as is not None:
        merged = _calibrated_with(merged, uncalibrated_as)
    sources = _Sources(path, site_path if site_path.is_file() else None, overrides, merged)
    try:
        return AgentConfig.model_validate(merged, context={CHECK_FILES: check_files})
    except ValidationError as err:
        raise ConfigError(_report(err, sources)) from err


def raw_lanes(data: dict[str, Any]) -> list[Any]:
    """The ``device.lanes`` list of a device file's raw input; empty when it has none."""
    device = data.get("device")
    lanes = device.get("lanes") if isinstance(device, dict) else None
    return lanes if isinstance(lanes, list) else []


def lacks_calibration(lane: Any) -> TypeGuard[dict[str, Any]]:
    """True for a raw lane mapping whose ``calibration:`` is missing or empty."""
    return isinstance(lane, dict) and lane.get("calibration") is None


def _calibrated_with(data: dict[str, Any], calibration: LaneCalibration) -> dict[str, Any]:
    """``data`` with ``calibration`` on every lane that lacks one."""
    stand_in = calibration.model_dump(exclude_none=True)
    lanes = [{**lane, "calibration": stand_in} if lacks_calibration(lane) else lane
             for lane in raw_lanes(data)]  # fmt: skip
    if not lanes:
        return data
    return {**data, "device": {**data["device"], "lanes": lanes}}


def load_site(path: Path, *, check_files: bool = False) -> SiteSettings:
    """Load and validate a ``site.yaml`` on its own (``check_files``: as for ``load_config``)."""
    try:
        return SiteSettings.model_validate(read_yaml(path), context={CHECK_FILES: check_files})
    except ValidationError as err:
        raise ConfigError(_report(err, _Sources(path, None, {}), prefix=())) from err


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``, merging nested mappings key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _report(err: ValidationError, sources: _Sources, prefix: tuple[str, ...] = ()) -> str:
    """Every error of ``err`` as ``FILE: path: message`` lines under a one-line heading."""
    lines = sorted({_line(e, sources, prefix) for e in err.errors()})
    count = f"{len(lines)} problem{'s' if len(lines) != 1 else ''}"
    return f"{sources.device_file}: invalid config ({count}):\n" + "\n".join(lines)


def _line(error: Any, sources: _Sources, prefix: tuple[str, ...]) -> str:
    loc = _without_union_tag((*prefix, *error["loc"]))
    where = format_loc(loc) or "(top level)"
    uncalibrated = _uncalibrated_lane(loc, sources)
    if uncalibrated is not None:
        return f"  {sources.device_file}: {where}: {_calibrate_hint(uncalibrated, sources)}"
    shown = error.get("input")
    got = f" (got {shown!r})" if isinstance(shown, str | int | float | bool) else ""
    return f"  {_file_of(loc, sources)}: {where}: {error['msg']}{got}"


def _uncalibrated_lane(loc: tuple[Any, ...], sources: _Sources) -> str | None:
    """The lane id when ``loc`` is a shelf lane's calibration that is missing or empty."""
    if len(loc) != 4 or loc[:2] != ("device", "lanes") or loc[3] != "calibration":
        return None
    lanes = raw_lanes(sources.merged)
    lane = lanes[loc[2]] if isinstance(loc[2], int) and loc[2] < len(lanes) else None
    if not lacks_calibration(lane):
        return None
    return str(lane.get("lane") or f"lanes[{loc[2]}]")


def _calibrate_hint(lane: str, sources: _Sources) -> str:
    """What to do about a lane that has no calibration yet."""
    file = shlex.quote(str(sources.device_file))
    return (
        f"lane {lane} is not calibrated yet: run `edge-agent calibrate {file} --lane "
        f"{shlex.quote(lane)}` (empty lane, then a known weight; it writes the calibration "
        "into the file)"
    )


def _without_union_tag(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Pydantic puts the union tag in the path (``device.shelf.lanes``); readers expect none."""
    if len(loc) > 1 and loc[0] == "device" and loc[1] in DEVICE_KINDS:
        return (loc[0], *loc[2:])
    return loc


def _file_of(loc: tuple[Any, ...], sources: _Sources) -> Path:
    """The file a ``site.*`` value came from: the device file if it overrides it, else site.yaml."""
    if not loc or loc[0] != "site" or sources.site_file is None:
        return sources.device_file
    node: Any = sources.site_overrides
    for part in loc[1:]:
        if not isinstance(node, dict) or part not in node:
            return sources.site_file
        node = node[part]
    return sources.device_file


def _yaml_problem(err: yaml.YAMLError) -> str:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem
