"""Every page of the console, walked from its routes, in a real headless Chromium: each
renders for an ops user with no console error and no serious or critical axe violation.

The list is the console's own (``collector.console.sitemap``), so a new page is walked
without adding it here; a new path parameter needs a sample in ``samples`` below.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from collector.api.access import Role
from collector.api.app import create_app
from collector.api.tokens import create_token
from collector.console.sitemap import page_routes
from tests.collector.console import test_browser as base
from tests.collector.console.test_browser import Served, log_in, serious_violations
from tests.collector.console.test_browser_alerts import raise_alert
from tests.collector.console.test_browser_ops import add_device, refuse_a_receipt

pytestmark = [pytest.mark.timeout(180)]
TABLET = {"width": 800, "height": 1280}
"""A 10-inch tablet upright, in CSS pixels."""
_chromium = base._chromium
served = base.served
page = base.page


def _admin(served: Served) -> dict[str, str]:
    with served.context.engine.begin() as conn:
        token = create_token(conn, name=f"walk-{uuid.uuid4().hex[:6]}", role=Role.ADMIN,
                             owners=[], now=served.context.clock.now())  # fmt: skip
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}


def _call(served: Served, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.request(method, f"{served.url}/api/v1{path}", json=body,
                             headers=_admin(served))  # fmt: skip
    assert response.is_success, response.text
    found: dict[str, Any] = response.json()
    return found


def samples(served: Served) -> dict[str, str]:
    """A record of every kind a page shows one of, made through the API where it can be."""
    add_device(served, "shop-1", "pi-1")
    sale = {"type": "sale", "sku": "SKU-1", "qty": "1", "location": "main/a1", "owner": "own",
            "effective_at": (served.context.clock.now() - timedelta(days=2)).isoformat(),
            }  # fmt: skip
    headers = {"Authorization": f"Bearer {served.token}", "Idempotency-Key": str(uuid.uuid4())}
    assert httpx.post(f"{served.url}/api/v1/transactions", json=sale, headers=headers).is_success
    refuse_a_receipt(served)
    count = _call(served, "POST", "/counts", {"location": "main"})
    _call(served, "POST", "/suppliers", {"code": "acme", "name": "Acme"})
    line = {"sku": "SKU-1", "location": "main/a1", "qty": "6"}
    order = _call(served, "POST", "/purchase-orders", {"supplier": "acme", "lines": [line]})
    alert_id = raise_alert(served, "SKU-1")
    _call(served, "POST", "/items", {"sku": "TEA", "name": "Tea", "tracking": "lot"})
    _call(served, "POST", "/items", {"sku": "PHONE", "name": "Phone", "tracking": "serial"})
    for code, sku, field in (("L-1", "TEA", "lot"), ("SN-1", "PHONE", "serial")):
        _call(served, "POST", "/transactions", {"type": "receipt", "sku": sku, "qty": "1",
              "location": "main/a1", "unit_cost": "2", field: code})  # fmt: skip
    today = served.context.clock.now()
    _call(served, "POST", "/billing/cards", {"owner": "own", "unit_days": "0.05", "picks": "0.35",
          "effective_from": today.date().replace(day=1).isoformat()})  # fmt: skip
    return {"sku": "SKU-1", "alert_id": str(alert_id), "count_id": str(count["id"]),
            "device_id": "pi-1", "po_id": str(order["id"]), "lot_sku": "TEA", "lot": "L-1",
            "serial": "SN-1", "owner": "own", "month": today.strftime("%Y-%m")}  # fmt: skip


def test_every_page_renders_and_passes_axe_without_console_errors(
    served: Served, page: tuple[Any, list[str]]
) -> None:
    tab, errors = page
    values = samples(served)
    routes = page_routes(create_app(served.context).state.console)
    log_in(tab, served)
    walked = []
    for path, route in routes:
        url = path
        for param in route.dependant.path_params:
            assert param.name in values, f"{path}: add a sample for {param.name!r} here"
            url = url.replace("{" + param.name + "}", values[param.name])
        answer = tab.goto(f"{served.url}{url}")
        assert answer is not None
        assert answer.status == 200, (url, answer.status)
        assert serious_violations(tab) == [], url
        walked.append(url)
    assert errors == []
    assert len(walked) >= 10, walked
    tab.set_viewport_size(TABLET)
    too_wide = []
    for url in walked:  # readable on a 10-inch tablet: nothing wider than the screen
        tab.goto(f"{served.url}{url}")
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            too_wide.append((url, overflow))
    assert too_wide == []
