"""Writing a lane's new calibration back into its YAML device file, keeping everything else.

PyYAML cannot round-trip comments (ruamel.yaml, which can, is not a dependency),
so the file is not re-dumped.  Instead the lane's ``calibration:`` value is
located with PyYAML's node positions and only that span of text is replaced by
a one-line flow mapping; comments, key order and formatting elsewhere stay as
they were.  The result is loaded again and must differ from the old config in
that lane's calibration only, else nothing is written.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from edge_agent.config.devices import AgentConfig, ShelfDevice
from edge_agent.config.loader import lacks_calibration, load_config, raw_lanes, read_yaml
from edge_agent.errors import ConfigError
from edge_agent.sensing.weight.calibration import NOMINAL_CALIBRATION
from edge_agent.sensing.weight.settings import LaneCalibration


def calibration_flow_text(calibration: LaneCalibration) -> str:
    """``{zero_raw_counts: …, counts_per_gram: …, calibration_id: "…"}`` for one line of YAML."""
    parts = [f"zero_raw_counts: {calibration.zero_raw_counts}",
             f"counts_per_gram: {calibration.counts_per_gram!r}"]  # fmt: skip
    if calibration.calibration_id:
        parts.append(f'calibration_id: "{calibration.calibration_id}"')
    return "{" + ", ".join(parts) + "}"


def uncalibrated_lanes(path: Path) -> list[str]:
    """Ids of the file's shelf lanes whose ``calibration:`` is missing or empty, in file order."""
    lanes = raw_lanes(read_yaml(path))
    return [str(lane.get("lane")) for lane in lanes if lacks_calibration(lane)]


def replace_lane_calibration(text: str, lane: str, calibration: LaneCalibration) -> str:
    """The file text with ``lane``'s calibration set; ``ConfigError`` if the lane is not there.

    A lane without ``calibration:`` gets the key after its last one, in the lane's style.
    """
    item = _lane_node(yaml.compose(text), lane)
    node = _value(item, "calibration")
    if node is None:
        return _insert_calibration(text, item, calibration)
    start = node.start_mark.index
    end = _end_index(node)
    if start == end:  # "calibration:" with nothing after the colon
        return f"{text[:start]} {calibration_flow_text(calibration)}{text[end:]}"
    if text[start] in "&*":
        raise ConfigError(
            f"lane {lane}'s calibration is a YAML anchor or alias shared with other lanes; "
            f"nothing written. Set it by hand: calibration: {calibration_flow_text(calibration)}"
        )
    return text[:start] + calibration_flow_text(calibration) + text[end:]


def write_lane_calibration(path: Path, lane: str, calibration: LaneCalibration) -> AgentConfig:
    """Rewrite ``path`` in place (atomically) and return the config it now loads as.

    Lanes still without a calibration load with the stand-in ``NOMINAL_CALIBRATION``.
    """
    before = load_config(path, uncalibrated_as=NOMINAL_CALIBRATION)
    text = replace_lane_calibration(path.read_text(encoding="utf-8"), lane, calibration)
    tmp = path.with_name(f".{path.name}.calibrate-tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        after = load_config(tmp, uncalibrated_as=NOMINAL_CALIBRATION)
        _check_only_lane_changed(before, after, lane, calibration)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return after


def _lane_node(root: yaml.Node | None, lane: str) -> yaml.MappingNode:
    device = _value(root, "device")
    for item in getattr(_value(device, "lanes"), "value", []) or []:
        lane_id = _value(item, "lane")
        if isinstance(lane_id, yaml.ScalarNode) and lane_id.value == lane:
            assert isinstance(item, yaml.MappingNode)
            return item
    raise ConfigError(f"no lane {lane!r} under device.lanes in the file")


def _insert_calibration(text: str, item: yaml.MappingNode, calibration: LaneCalibration) -> str:
    """The lane mapping ``item`` with a ``calibration:`` key added after its last one."""
    entry = f"calibration: {calibration_flow_text(calibration)}"
    last_end = _end_index(item.value[-1][1])
    if item.flow_style:
        return f"{text[:last_end]}, {entry}{text[last_end:]}"
    line_end = text.find("\n", last_end)
    at = len(text) if line_end < 0 else line_end
    indent = " " * item.value[0][0].start_mark.column
    return f"{text[:at]}\n{indent}{entry}{text[at:]}"


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key),
                None)  # fmt: skip


def _end_index(node: yaml.Node) -> int:
    """Where a node's own text ends: a block collection's end mark lies past trailing comments."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return int(node.end_mark.index)
    children = node.value if isinstance(node, yaml.SequenceNode) else [
        part for pair in node.value for part in pair]  # fmt: skip
    return max((_end_index(child) for child in children), default=int(node.start_mark.index))


def _check_only_lane_changed(
    before: AgentConfig, after: AgentConfig, lane: str, calibration: LaneCalibration
) -> None:
    assert isinstance(before.device, ShelfDevice)
    expected = before.model_copy(update={"device": before.device.model_copy(update={"lanes": [
        lane_cfg.model_copy(update={"calibration": calibration}) if lane_cfg.lane == lane
        else lane_cfg for lane_cfg in before.device.lanes]})})  # fmt: skip
    if after.model_dump() != expected.model_dump():
        raise ConfigError(
            f"rewriting lane {lane}'s calibration would change more than that lane (anchors or "
            f"aliases?); nothing was written. Set it by hand: calibration: "
            f"{calibration_flow_text(calibration)}"
        )
