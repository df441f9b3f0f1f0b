"""The alert forms: each review step through the API's route functions, the adjustment of a
count through the ledger, and refusals shown on the page (never a crash)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from collector.alerts.schema import alert_events, alerts
from collector.domain.model import PositionKey
from collector.ledger.schema import movements
from collector.reconcile.findings import AlertType
from tests.collector.console.conftest import Console
from tests.collector.console.test_alert_pages import raise_alert, row_ids
from tests.support.ledger import book_qty


def post(console: Console, path: str, **data: str | list[str]):
    """POST a form of the page ``path`` shows (with its CSRF token)."""
    page = "/alerts" if path == "/alerts/acknowledge" else path.rsplit("/", 1)[0]
    return console.client.post(path, data={"csrf": console.csrf(page), **data})


def history(console: Console, alert_id: int) -> list[tuple[str, str, str | None]]:
    e = alert_events.c
    query = sa.select(e.action, e.actor, e.reason).where(e.alert_id == alert_id).order_by(e.id)
    with console.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def status(console: Console, alert_id: int) -> tuple[str, str | None]:
    query = sa.select(alerts.c.status, alerts.c.resolution).where(alerts.c.id == alert_id)
    with console.engine.connect() as conn:
        row = conn.execute(query).one()
    return row.status, row.resolution


def test_acknowledge_assign_and_comment_are_recorded_with_the_user(console: Console) -> None:
    alert_id = raise_alert(console)
    console.login("alice")
    done = post(console, f"/alerts/{alert_id}/acknowledge", note="on my way")
    assert done.status_code == 200
    assert "Done: the alert is acknowledged." in done.text
    assert post(console, f"/alerts/{alert_id}/assign", assignee="bob").status_code == 200
    page = post(console, f"/alerts/{alert_id}/comment", text="counting aisle 1 now")
    assert "counting aisle 1 now" in page.text  # the history on the page after
    assert history(console, alert_id)[1:] == [
        ("acknowledged", "alice", "on my way"),
        ("assigned", "alice", "assigned to bob"),
        ("commented", "alice", "counting aisle 1 now"),
    ]


def test_resolve_with_a_count_posts_the_adjustment_and_shows_the_ledger_after(
    console: Console,
) -> None:
    alert_id = raise_alert(console)  # SKU-1 at main/a1 of client-a: 10 on the book
    console.login("alice")
    page = post(console, f"/alerts/{alert_id}/resolve", counted_qty="8")
    assert page.status_code == 200, page.text
    assert "The ledger after the resolution" in page.text
    assert 'data-on-hand="8"' in page.text
    assert book_qty(console.engine, PositionKey("SKU-1", "main/a1", "client-a")) == Decimal(8)
    assert status(console, alert_id) == ("resolved", "adjusted")
    with console.engine.connect() as conn:
        types = list(conn.execute(sa.select(movements.c.type).order_by(movements.c.id)).scalars())
    assert types[-1] == "adjustment"
    stock = console.client.get("/stock/items/SKU-1").text
    assert 'id="total-qty">8<' in stock


def test_a_second_resolution_is_refused_on_the_page(console: Console) -> None:
    alert_id = raise_alert(console)
    console.login("alice")
    post(console, f"/alerts/{alert_id}/resolve", counted_qty="8")
    again = post(console, f"/alerts/{alert_id}/resolve", counted_qty="5")
    assert again.status_code == 409
    assert "already resolved" in again.text
    assert 'role="alert"' in again.text
    assert book_qty(console.engine, PositionKey("SKU-1", "main/a1", "client-a")) == Decimal(8)


def test_a_bad_count_and_a_blank_reason_are_explained_and_change_nothing(console: Console) -> None:
    alert_id = raise_alert(console)
    console.login("alice")
    bad = post(console, f"/alerts/{alert_id}/resolve", counted_qty="-3")
    assert bad.status_code == 422
    assert "the count is the units on the shelf" in bad.text
    blank = post(console, f"/alerts/{alert_id}/dismiss", reason="   ")
    assert blank.status_code == 422
    assert "say why it is not a problem" in blank.text
    assert status(console, alert_id) == ("open", None)
    assert book_qty(console.engine, PositionKey("SKU-1", "main/a1", "client-a")) == Decimal(10)


def test_a_device_alert_cannot_be_resolved_with_a_count(console: Console) -> None:
    alert_id = raise_alert(console, type_=AlertType.DEVICE_SILENT)
    console.login("alice")
    refused = post(console, f"/alerts/{alert_id}/resolve", counted_qty="3")
    assert refused.status_code == 409
    assert "not about stock" in refused.text


def test_dismiss_with_a_reason_closes_without_touching_the_ledger(console: Console) -> None:
    alert_id = raise_alert(console)
    console.login("alice")
    page = post(console, f"/alerts/{alert_id}/dismiss", reason="test weights on the shelf")
    assert page.status_code == 200
    assert status(console, alert_id) == ("resolved", "dismissed")
    assert history(console, alert_id)[-1] == ("dismissed", "alice", "test weights on the shelf")
    assert book_qty(console.engine, PositionKey("SKU-1", "main/a1", "client-a")) == Decimal(10)
    assert f'action="/alerts/{alert_id}/dismiss"' not in page.text  # nothing more to dismiss


def test_a_form_without_its_csrf_token_is_refused(console: Console) -> None:
    alert_id = raise_alert(console)
    console.login("alice")
    response = console.client.post(f"/alerts/{alert_id}/acknowledge", data={"csrf": "forged"})
    assert response.status_code == 403
    assert status(console, alert_id) == ("open", None)


def test_a_missing_alert_answers_not_found(console: Console) -> None:
    console.login("alice")
    response = post(console, "/alerts/4242/acknowledge")
    assert response.status_code == 404


def test_bulk_acknowledge_names_what_became_of_each(console: Console) -> None:
    first = raise_alert(console)
    second = raise_alert(console, sku="SKU-2", owner="client-b")
    closed = raise_alert(console, sku="SKU-3")
    console.login("alice")
    post(console, f"/alerts/{closed}/dismiss", reason="no such shelf")
    page = post(console, "/alerts/acknowledge", ids=[str(first), str(second), str(closed)],
                back="status=open")  # fmt: skip
    assert page.status_code == 200
    assert f"Acknowledged 2: #{first}, #{second}." in page.text
    assert f"Not acknowledged: #{closed} (alert {closed} is resolved" in page.text
    assert row_ids(page.text) == []  # the inbox after keeps the filter it was sent from
    assert status(console, first) == ("acknowledged", None)


def test_bulk_acknowledge_without_a_ticked_box_says_so(console: Console) -> None:
    raise_alert(console)
    console.login("alice")
    page = post(console, "/alerts/acknowledge")
    assert page.status_code == 422
    assert "tick at least one alert" in page.text
