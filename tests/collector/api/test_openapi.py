"""The OpenAPI document: committed as docs/openapi.json, and every operation fully described."""

from __future__ import annotations

import json
from pathlib import Path

from collector.api.app import openapi_document

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = openapi_document()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
]


def test_the_committed_document_is_the_served_one() -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == DOCUMENT, "run `make schemas` and commit docs/openapi.json"


def test_it_is_openapi_3_1() -> None:
    assert DOCUMENT["openapi"].startswith("3.1.")


def test_every_operation_has_a_summary_and_a_typed_success() -> None:
    for method, path, operation in OPERATIONS:
        assert operation.get("summary"), f"{method} {path}: no summary"
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert success, f"{method} {path}: no success response"
        for status in success:
            content = operation["responses"][status].get("content", {})
            for media, body in content.items():
                assert body["schema"] not in ({}, {"type": "object"}), f"{method} {path} {media}"


def test_every_error_is_documented_as_a_problem() -> None:
    for method, path, operation in OPERATIONS:
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        if path.endswith(("/health", "/problems", "/openapi.json")):
            continue
        assert "401" in errors, f"{method} {path}: 401 not documented"
        for status, response in errors.items():
            assert list(response["content"]) == ["application/problem+json"], (method, path, status)
