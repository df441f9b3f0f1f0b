"""The alert pages: the inbox's filters and table, the detail page's book, evidence, trace and
history, and role scoping (a client sees its owners' alerts only and reviews nothing)."""

from __future__ import annotations

import itertools
import re
import uuid
from decimal import Decimal

from collector.alerts import store
from collector.ledger.ingestor import SqlIngestor
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from edge_agent.wire import ShelfWeightChanged
from tests.collector.console.conftest import Console
from tests.collector.ledger.messages import wrap

D = Decimal
SEQS = itertools.count(1)
"""The shelf's event numbers (never reused: the ledger drops a repeated one)."""


def raise_alert(
    console: Console,
    *,
    sku: str = "SKU-1",
    location: str = "main/a1",
    owner: str = "client-a",
    type_: AlertType = AlertType.SHRINKAGE,
    severity: Severity = Severity.MINOR,
    site: str = "main",
    evidence: tuple[str, ...] = (),
) -> int:
    """An alert as the reconciler raises it (the alert store's own step)."""
    subject = "shelf-1" if type_ is AlertType.DEVICE_SILENT else ""
    finding = Finding(
        AlertKey(site, type_, location, sku if subject == "" else "", subject),
        f"{type_.value} at {location}", severity, owner=owner, expected=D(10), observed=D(8),
        value_at_risk=D(5), evidence=evidence,
    )  # fmt: skip
    with console.engine.begin() as conn:
        (alert_id,) = store.apply_verdicts(conn, [finding], now=console.clock.now())
    return alert_id


def shelf_events(
    console: Console, *changes: tuple[float, float], sku: str = "SKU-1", lane: str = "lane-1"
) -> list[str]:
    """Shelf weighings of a lane on shelf-1, through the real ingestor; their event ids."""
    ids = [uuid.uuid4() for _ in changes]
    messages = []
    for (before, after), event_id in zip(changes, ids, strict=True):
        data = ShelfWeightChanged(lane=lane, sku=sku, grams_before=before, grams_after=after,
                                  count_change=-2, confidence=0.99)  # fmt: skip
        messages.append(wrap(data, next(SEQS), device="shelf-1", event_id=event_id))
    SqlIngestor(console.engine, clock=console.clock).ingest(messages)
    return [str(i) for i in ids]


def row_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-alert-id="(\d+)"', page)]


def test_the_navigation_links_the_alerts_for_the_warehouse_only(console: Console) -> None:
    console.login("alice")
    assert 'href="/alerts"' in console.client.get("/stock").text
    console.login("carol")  # a client reads its goods; discrepancies are the warehouse's work
    assert 'href="/alerts"' not in console.client.get("/stock").text


def test_the_inbox_lists_newest_first_and_filters_like_the_api(console: Console) -> None:
    a1 = raise_alert(console)
    b1 = raise_alert(console, sku="SKU-2", location="main/b1", owner="client-b",
                     severity=Severity.MAJOR)  # fmt: skip
    north = raise_alert(console, sku="SKU-2", location="north/c1", owner="client-b",
                        type_=AlertType.UNMATCHED_ISSUE, site="north")  # fmt: skip
    console.login("alice")
    get = console.client.get
    assert row_ids(get("/alerts").text) == [north, b1, a1]
    assert row_ids(get("/alerts", params={"site": "north"}).text) == [north]
    assert row_ids(get("/alerts", params={"location": "main/b1"}).text) == [b1]
    assert row_ids(get("/alerts", params={"severity": "major"}).text) == [b1]
    assert row_ids(get("/alerts", params={"type": ["shrinkage"]}).text) == [b1, a1]
    assert row_ids(get("/alerts", params={"status": ["open", "resolved"]}).text) == [north, b1, a1]


def test_active_and_unacknowledged_leaves_out_the_acknowledged(console: Console) -> None:
    first, second = raise_alert(console), raise_alert(console, sku="SKU-2", owner="client-b")
    console.login("alice")
    csrf = console.csrf(f"/alerts/{second}")
    done = console.client.post(f"/alerts/{second}/acknowledge", data={"csrf": csrf})
    assert done.status_code == 200
    assert row_ids(console.client.get("/alerts", params={"unacknowledged": "1"}).text) == [first]
    assert row_ids(console.client.get("/alerts", params={"status": "acknowledged"}).text) == [
        second
    ]


def test_an_unknown_filter_value_is_named_on_the_page(console: Console) -> None:
    raise_alert(console)
    console.login("alice")
    page = console.client.get("/alerts", params={"status": "bogus"})
    assert page.status_code == 422
    assert "There is no status “bogus”" in page.text


def test_the_live_rows_keep_the_filters_and_the_ticked_boxes(console: Console) -> None:
    a1 = raise_alert(console)
    b1 = raise_alert(console, sku="SKU-2", location="main/b1", owner="client-b")
    console.login("alice")
    page = console.client.get("/alerts", params={"location": "main/b1"}).text
    assert 'hx-get="/alerts/rows?location=main%2Fb1"' in page
    assert 'sse-connect="/events/alerts"' in page
    rows = console.client.get("/alerts/rows", params={"ids": [str(b1)]}).text
    assert row_ids(rows) == [b1, a1]
    assert re.search(rf'value="{b1}" id="pick-{b1}" aria-label="Select alert {b1}" checked', rows)
    assert not re.search(rf'id="pick-{a1}"[^>]*checked', rows)


def test_a_client_opens_no_alert_page_not_even_of_its_own_stock(console: Console) -> None:
    mine = raise_alert(console)
    theirs = raise_alert(console, sku="SKU-2", location="main/b1", owner="client-b")
    console.login("carol")
    for path in ("/alerts", "/alerts/rows", f"/alerts/{mine}", f"/alerts/{theirs}",
                 f"/alerts/{mine}/history"):  # fmt: skip
        response = console.client.get(path)
        assert response.status_code == 403, path
        assert "main/b1" not in response.text


def test_a_client_may_not_post_a_review_step(console: Console) -> None:
    mine = raise_alert(console)
    console.login("carol")
    csrf = console.csrf("/stock")
    response = console.client.post(f"/alerts/{mine}/acknowledge", data={"csrf": csrf})
    assert response.status_code == 403
    assert "may not review alerts" in response.text
    bulk = console.client.post("/alerts/acknowledge", data={"csrf": csrf, "ids": [str(mine)]})
    assert bulk.status_code == 403


def test_the_detail_shows_book_shelf_evidence_trace_and_history(console: Console) -> None:
    evidence = shelf_events(console, (1050.0, 840.0))
    alert_id = raise_alert(console, evidence=(*evidence, "not-a-uuid"))
    console.login("alice")
    page = console.client.get(f"/alerts/{alert_id}").text
    assert 'id="book">10<' in page
    assert 'id="shelf">8<' in page
    assert "Weight trace of lane-1 on shelf-1" in page
    assert "<polyline" in page
    assert "<circle" in page  # the evidence weighing is marked
    assert "1050.0" in page
    assert "840.0" in page
    assert "not in the ledger" in page  # the id the inbox does not hold
    assert "opened" in page
    assert "reconciler" in page
    for form in ("acknowledge", "assign", "resolve", "dismiss", "comment"):
        assert f'action="/alerts/{alert_id}/{form}"' in page


def test_the_trace_reaches_the_lanes_other_weighings_around_the_change(console: Console) -> None:
    _, second = shelf_events(console, (1260.0, 1050.0), (1050.0, 840.0))
    alert_id = raise_alert(console, evidence=(second,))
    console.login("alice")
    page = console.client.get(f"/alerts/{alert_id}").text
    assert "2 settled changes" in page
    assert page.count("<circle") == 1


def test_the_trace_leaves_out_the_devices_other_lanes(console: Console) -> None:
    shelf_events(console, (500.0, 250.0), lane="lane-2")
    (mine,) = shelf_events(console, (1050.0, 840.0))
    alert_id = raise_alert(console, evidence=(mine,))
    console.login("alice")
    page = console.client.get(f"/alerts/{alert_id}").text
    assert "1 settled change," in page
    assert "500.0" not in page


def test_the_trace_counts_every_owners_weighings_on_the_lane_for_ops(console: Console) -> None:
    shelf_events(console, (1260.0, 1050.0), sku="SKU-2")
    (mine,) = shelf_events(console, (1050.0, 840.0))
    alert_id = raise_alert(console, evidence=(mine,))
    console.login("alice")
    assert "2 settled changes" in console.client.get(f"/alerts/{alert_id}").text


def test_a_device_alert_has_no_book_nor_trace(console: Console) -> None:
    alert_id = raise_alert(console, type_=AlertType.DEVICE_SILENT)
    console.login("alice")
    page = console.client.get(f"/alerts/{alert_id}").text
    assert "No weight trace" in page
    assert f'action="/alerts/{alert_id}/resolve"' not in page  # not a count: dismiss it
    assert f'action="/alerts/{alert_id}/dismiss"' in page


def test_a_low_stock_alert_names_its_figures_projected_and_reorder_point(console: Console) -> None:
    alert_id = raise_alert(console, type_=AlertType.LOW_STOCK)
    console.login("alice")
    page = console.client.get(f"/alerts/{alert_id}").text
    assert "Projected against the reorder point" in page
    assert "Reorder point (units)" in page
    assert "Book against shelf" not in page
    assert "Shelf (units)" not in page


def test_a_shrinkage_alert_keeps_book_against_shelf(console: Console) -> None:
    alert_id = raise_alert(console, type_=AlertType.SHRINKAGE)
    console.login("alice")
    page = console.client.get(f"/alerts/{alert_id}").text
    assert "Book against shelf" in page
    assert "Shelf minus book" in page
