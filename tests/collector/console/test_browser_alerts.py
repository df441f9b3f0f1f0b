"""The alert pages in a real headless Chromium: axe, the keyboard, the live table (ticked boxes
kept), and the stream coming back after a server restart. The theft through the real broker
is tests/e2e/test_console_alerts.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from collector.alerts import store
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from tests.collector.console import test_browser
from tests.collector.console.test_browser import Served, log_in, serious_violations

served = test_browser.served
page = test_browser.page
"""The browser tests' fixtures: the console on a free port, a Chromium tab."""


def raise_alert(served: Served, sku: str, *, type_: AlertType = AlertType.SHRINKAGE) -> int:
    """An alert as the reconciler raises it, committed now."""
    finding = Finding(
        AlertKey("main", type_, "main/a1", sku), f"{sku}: 2 units gone", Severity.MAJOR,
        expected=Decimal(10), observed=Decimal(8), value_at_risk=Decimal(5),
    )  # fmt: skip
    with served.context.engine.begin() as conn:
        (alert_id,) = store.apply_verdicts(conn, [finding], now=served.context.clock.now())
    return alert_id


def open_inbox(tab: Any, served: Served) -> None:
    log_in(tab, served)
    tab.goto(f"{served.url}/alerts")
    tab.wait_for_function("window.sseOpens >= 1")


def test_the_alert_pages_pass_axe_and_bulk_acknowledge_works_by_keyboard(
    served: Served, page
) -> None:
    tab, errors = page
    first, second = raise_alert(served, "SKU-1"), raise_alert(served, "SKU-2")
    open_inbox(tab, served)
    assert serious_violations(tab) == []
    for alert_id in (first, second):
        tab.focus(f"#pick-{alert_id}")
        tab.keyboard.press("Space")
    tab.focus("#bulk-note")
    tab.keyboard.type("both on the way")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#form-notice")
    assert f"Acknowledged 2: #{second}, #{first}." in tab.inner_text("#form-notice")
    assert serious_violations(tab) == []
    tab.goto(f"{served.url}/alerts/{first}")
    assert serious_violations(tab) == []
    tab.goto(f"{served.url}/alerts?status=acknowledged&type=shrinkage&unacknowledged=1")
    assert serious_violations(tab) == []
    assert errors == []


def test_a_ticked_box_stays_ticked_when_a_new_alert_arrives(served: Served, page) -> None:
    tab, errors = page
    first = raise_alert(served, "SKU-1")
    open_inbox(tab, served)
    tab.check(f"#pick-{first}")
    second = raise_alert(served, "SKU-2")
    tab.wait_for_selector(f"tr[data-alert-id='{second}']", timeout=5_000)
    assert tab.is_checked(f"#pick-{first}")
    assert not tab.is_checked(f"#pick-{second}")
    assert errors == []


def test_the_open_detail_page_follows_a_change_of_its_alert(served: Served, page) -> None:
    tab, errors = page
    alert_id = raise_alert(served, "SKU-1")
    log_in(tab, served)
    tab.goto(f"{served.url}/alerts/{alert_id}")
    tab.wait_for_function("window.sseOpens >= 1")
    with served.context.engine.begin() as conn:
        store.comment(conn, alert_id, text="seen from the floor", by="bob",
                      now=served.context.clock.now())  # fmt: skip
    tab.wait_for_function(
        "document.getElementById('history').textContent.includes('seen from the floor')",
        timeout=5_000,
    )
    assert errors == []


def test_the_open_inbox_reconnects_after_a_server_restart(served: Served, page) -> None:
    tab, _ = page
    open_inbox(tab, served)
    served.restart()
    alert_id = raise_alert(served, "SKU-1")
    tab.wait_for_selector(f"tr[data-alert-id='{alert_id}']", timeout=15_000)
    assert tab.evaluate("window.sseOpens") >= 2
