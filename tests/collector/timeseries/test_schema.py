"""The schema table: documented as generated, every tag's cardinality argued."""

from __future__ import annotations

from pathlib import Path

from collector.timeseries.schema import MEASUREMENTS, render_markdown

DOC = Path(__file__).parents[3] / "docs" / "timeseries.md"


def test_docs_show_the_schema_as_the_code_defines_it():
    text = DOC.read_text()
    documented = text.split("<!-- schema:start -->\n", 1)[1].split("<!-- schema:end -->", 1)[0]
    assert documented == render_markdown(), "run: python -m collector.timeseries.schema"


def test_every_tag_says_why_it_is_bounded():
    for measurement in MEASUREMENTS:
        for tag in measurement.tags:
            assert len(tag.bounded_by) > 20, (measurement.name, tag.name)


def test_names_are_unique_and_tags_never_shadow_fields():
    assert len({m.name for m in MEASUREMENTS}) == len(MEASUREMENTS)
    for m in MEASUREMENTS:
        assert len(m.field_names) == len(m.fields), m.name
        assert not m.tag_names & m.field_names, m.name
