"""Device and site configuration: pydantic models, YAML loading and the exported JSON Schema."""
