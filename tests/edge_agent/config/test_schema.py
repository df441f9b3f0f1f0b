"""The committed JSON Schema matches the models, and every setting is described."""

from __future__ import annotations

import json
from pathlib import Path

from edge_agent.config.schema import SCHEMA_FILE, config_json_schema, render_config_schema

ROOT = Path(__file__).resolve().parents[3]


def test_committed_schema_matches_models() -> None:
    committed = (ROOT / SCHEMA_FILE).read_text()
    assert committed == render_config_schema(), (
        "regenerate: python -m edge_agent.config.schema > docs/config-schema.json"
    )


def test_every_setting_has_a_description() -> None:
    schema = config_json_schema()
    models = {"AgentConfig": schema, **schema["$defs"]}
    undocumented = [
        f"{name}.{prop}"
        for name, model in models.items()
        for prop, spec in model.get("properties", {}).items()
        if not spec.get("description")
    ]
    assert undocumented == []


def test_schema_is_json_with_the_three_device_kinds() -> None:
    schema = json.loads(render_config_schema())
    kinds = set(schema["properties"]["device"]["discriminator"]["mapping"])
    assert kinds == {"shelf", "rfid_gate", "scanner_station"}
