"""The Grafana dashboard is valid JSON whose InfluxQL names only what the schema writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from collector.timeseries.schema import BY_NAME

GRAFANA = Path(__file__).parents[3] / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "inventory.json"

_MEASUREMENT = re.compile(r'FROM\s+"([^"]+)"')
_FIELD = re.compile(r'\w+\("([^"]+)"\)|AS\s+"([^"]+)"|"([^"]+)"\s*=\s*\d')
_TAG = re.compile(r'"([^"]+)"\s*=~|WITH KEY = "([^"]+)"')
_GROUP_BY = re.compile(r"GROUP BY ([^)]*?)(?:\s+fill\(|\)|$)")


def _dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def _queries() -> list[str]:
    dash = _dashboard()
    panel_queries = [t["query"] for p in dash["panels"] for t in p.get("targets", [])]
    return panel_queries + [v["query"] for v in dash["templating"]["list"]]


def _names(pattern: re.Pattern[str], query: str) -> set[str]:
    return {next(g for g in m.groups() if g) for m in pattern.finditer(query)}


def _group_by_tags(query: str) -> set[str]:
    tags: set[str] = set()
    for clause in _GROUP_BY.findall(re.sub(r"time\([^)]*\)", "time", query)):
        tags |= set(re.findall(r'"([^"]+)"', clause))
    return tags


@pytest.mark.parametrize("query", _queries())
def test_query_names_exist_in_the_schema(query):
    measurements = _names(_MEASUREMENT, query)
    assert measurements, f"no measurement in {query!r}"
    assert measurements <= set(BY_NAME), query
    specs = [BY_NAME[m] for m in measurements]
    fields = set().union(*(s.field_names for s in specs))
    tags = set().union(*(s.tag_names for s in specs))
    assert _names(_FIELD, query) <= fields, query
    assert _names(_TAG, query) | _group_by_tags(query) <= tags, query


def test_the_parser_sees_group_by_tags():
    query = 'SELECT last("x") FROM "m" GROUP BY time($__interval), "a", "b" fill(0)'
    assert _group_by_tags(query) == {"a", "b"}


def test_panels_cover_what_ops_staff_watch():
    used = {(m, f) for q in _queries() for m in _names(_MEASUREMENT, q) for f in _names(_FIELD, q)}
    for needed in [
        ("stock_level", "on_hand"),
        ("stock_level", "value"),
        ("shelf_weight", "grams"),
        ("discrepancy", "open"),
        ("device_health", "outbox_depth"),
        ("collector_outbox", "backlog_points"),
    ]:
        assert needed in used, needed


def test_every_query_is_raw_influxql_on_the_provisioned_source():
    source = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "influxdb.yaml").read_text()
    )
    [datasource] = source["datasources"]
    assert datasource["type"] == "influxdb"
    for panel in _dashboard()["panels"]:
        for target in panel.get("targets", []):
            assert target["rawQuery"] is True
            assert target["datasource"]["uid"] == datasource["uid"]


def test_panels_have_unique_ids_and_fit_the_grid():
    panels = _dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]


def test_dashboard_provider_points_at_a_folder():
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "inventory.yaml").read_text()
    )
    assert provider["providers"][0]["options"]["path"].startswith("/var/lib/grafana/dashboards")
