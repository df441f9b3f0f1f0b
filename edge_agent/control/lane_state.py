"""Lane changes made while running (tare, calibrate, set_lane), kept in a JSON file by the outbox.

The device config is usually read-only to the agent (``/etc``, a protected
system directory), so changes made by commands are written to
``{device_id}.lanes.json`` beside the outbox and laid over the config's lanes
at every start.  ``edge-agent calibrate`` writes into the config file instead;
a later command overrides it again.  The file is replaced atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import structlog
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from edge_agent.config.devices import ShelfDevice
from edge_agent.errors import ConfigError
from edge_agent.sensing.weight.settings import LaneCalibration
from edge_agent.wire import Sku

log = structlog.get_logger(__name__)


class LaneOverride(BaseModel):
    """What commands changed on one lane; unset fields keep the config's value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    calibration: LaneCalibration | None = None
    sku: Sku | None = None
    unit_grams: float | None = Field(default=None, gt=0)
    updated_at: AwareDatetime


class LaneStateDocument(BaseModel):
    """The whole state file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device_id: str
    lanes: dict[str, LaneOverride] = Field(default_factory=dict)


def lane_state_path(outbox_file: Path, device_id: str) -> Path:
    """Where a device's lane state lives: beside its outbox."""
    return outbox_file.with_name(f"{device_id}.lanes.json")


class LaneStateFile:
    """Loads and atomically saves a device's lane overrides."""

    def __init__(self, path: Path, *, device_id: str) -> None:
        """A state file at ``path`` (it need not exist yet)."""
        self.path = path
        self.device_id = device_id

    def load(self) -> dict[str, LaneOverride]:
        """Overrides by lane; empty without a file. A bad file is a ``ConfigError``."""
        if not self.path.exists():
            return {}
        try:
            doc = LaneStateDocument.model_validate_json(self.path.read_bytes())
        except (OSError, ValidationError) as err:
            raise ConfigError(
                f"lane state {self.path} is unreadable ({err}); move it aside to start from "
                "the config's calibration, then re-run tare/calibrate"
            ) from err
        if doc.device_id != self.device_id:
            raise ConfigError(
                f"lane state {self.path} belongs to device {doc.device_id!r}, not "
                f"{self.device_id!r}; point outbox_path elsewhere or fix the device id"
            )
        return dict(doc.lanes)

    def save(self, lanes: dict[str, LaneOverride]) -> None:
        """Write every override: temp file, fsync, rename, so a power cut leaves old or new."""
        doc = LaneStateDocument(device_id=self.device_id, lanes=lanes)
        text = json.dumps(doc.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)


def apply_lane_state(device: ShelfDevice, lanes: dict[str, LaneOverride]) -> ShelfDevice:
    """The shelf config with the overrides laid over its lanes, validated again."""
    unknown = sorted(set(lanes) - {lane.lane for lane in device.lanes})
    if unknown:
        log.warning("lane_state.unknown_lanes", device=device.id, lanes=unknown,
                    hint="lanes no longer in the config; their saved state is ignored")  # fmt: skip
    raw = device.model_dump(mode="python")
    for lane in raw["lanes"]:
        override = lanes.get(lane["lane"])
        if override is not None:
            lane.update(override_fields(override))
    try:
        return ShelfDevice.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"lane state does not fit the config of {device.id}: {err}") from err


def override_fields(override: LaneOverride) -> dict[str, object]:
    """The lane settings fields an override replaces."""
    fields: dict[str, object] = {}
    if override.calibration is not None:
        fields["calibration"] = override.calibration.model_dump()
    if override.sku is not None and override.unit_grams is not None:
        fields.update(sku=override.sku, unit_grams=override.unit_grams, mixed_skus=[])
    return fields
