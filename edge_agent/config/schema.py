"""JSON Schema of the config files, exported to ``docs/config-schema.json`` and kept current.

Regenerate with ``python -m edge_agent.config.schema > docs/config-schema.json``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from edge_agent.config.devices import AgentConfig

SCHEMA_FILE = "docs/config-schema.json"


def config_json_schema() -> dict[str, Any]:
    """JSON Schema of a device config after site.yaml is merged in."""
    schema = AgentConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["description"] = (
        "One edge agent's config: a device file from firmware_configs/ with the site.yaml "
        "beside it merged under its `site` key. Unknown keys are errors."
    )
    return schema


def render_config_schema() -> str:
    """The committed schema file's exact text."""
    return json.dumps(config_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover - developer tool
    sys.stdout.write(render_config_schema())
