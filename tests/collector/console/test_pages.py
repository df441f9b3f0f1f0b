"""The overview and stock pages: navigation by role, and a client sees only its owners."""

from __future__ import annotations

import re
import uuid

from collector.views.layers import open_layers
from collector.views.scope import Scope
from tests.collector.console.conftest import Console, receive


def nav(html: str) -> str:
    return html.split('<nav aria-label="Main">')[1].split("</nav>", maxsplit=1)[0]


def test_an_ops_user_sees_overview_and_stock_in_the_navigation(console: Console) -> None:
    console.login("alice")
    links = nav(console.client.get("/").text)
    assert 'href="/"' in links
    assert 'href="/stock"' in links


def test_a_client_user_sees_only_its_stock_and_lands_there(console: Console) -> None:
    assert console.login("carol").headers["location"] == "/stock"
    links = nav(console.client.get("/stock").text)
    assert 'href="/stock"' in links
    assert 'href="/"' not in links


def test_a_client_user_may_not_open_the_overview(console: Console) -> None:
    console.login("carol")
    response = console.client.get("/")
    assert response.status_code == 403
    assert "may not read devices" in response.text


def test_the_overview_shows_each_sites_stock_value(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/").text
    assert ">main</a>" in page
    assert ">north</a>" in page
    assert "42.50" in page  # main: 10 + 7 at 2.50
    assert "7.50" in page  # north: 3 at 2.50
    assert "50.00" in page  # every site


def test_the_item_page_shows_positions_movements_and_a_chart(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/stock/items/SKU-2").text
    assert "main/b1" in page
    assert "north/c1" in page
    assert 'id="total-qty">10<' in page
    assert "receipt" in page
    assert "<polyline" in page
    assert 'sse-connect="/events?sku=SKU-2"' in page


def test_a_client_cannot_open_another_owners_item_by_url(console: Console) -> None:
    console.login("carol")
    mine = console.client.get("/stock/items/SKU-1")
    theirs = console.client.get("/stock/items/SKU-2")
    missing = console.client.get("/stock/items/NOPE")
    assert mine.status_code == 200
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert "client-b" not in theirs.text
    assert "main/b1" not in theirs.text


def test_a_clients_search_and_tree_show_only_its_owners(console: Console) -> None:
    console.login("carol")
    page = console.client.get("/stock", params={"q": "SKU"}).text
    assert "/stock/items/SKU-1" in page
    assert "SKU-2" not in page
    assert "north" not in page  # only client-b holds stock there
    assert "main/b1" not in page
    assert "25.00" in page  # main's total is client-a's alone


def test_an_ops_search_finds_by_name(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/stock", params={"q": "gadg"}).text
    assert "/stock/items/SKU-2" in page
    assert "/stock/items/SKU-1" not in page


def test_the_search_text_is_escaped(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/stock", params={"q": "<script>x</script>"}).text
    assert "<script>x" not in page
    assert "&lt;script&gt;x" in page


def test_an_unknown_page_is_an_html_404_and_an_unknown_api_path_a_problem(
    console: Console,
) -> None:
    assert console.client.get("/nowhere").headers["content-type"].startswith("text/html")
    api = console.client.get("/api/v1/nowhere")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_the_tree_fragment_is_scoped(console: Console) -> None:
    console.login("carol")
    fragment = console.client.get("/stock/tree").text
    assert "main/a1" in fragment
    assert "north" not in fragment
    assert "<html" not in fragment


def test_the_api_keeps_its_own_redirect_of_a_trailing_slash(console: Console) -> None:
    response = console.client.get("/api/v1/health/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith("/api/v1/health")


def test_the_events_stream_needs_a_session(console: Console) -> None:
    response = console.client.get("/events", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_a_location_lists_the_stock_under_it(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/stock", params={"location": "main"}).text
    assert "Stock under main" in page
    assert "main/a1" in page
    assert "main/b1" in page
    assert "north/c1" not in page.split("<h2>Locations</h2>")[0]


def test_a_client_cannot_see_another_owners_stock_under_a_location(console: Console) -> None:
    console.login("carol")
    page = console.client.get("/stock", params={"location": "main/b1"}).text
    assert "No stock here." in page
    assert "SKU-2" not in page
    assert "client-b" not in page


def test_the_overview_counts_unresolved_alerts_per_site_and_severity(console: Console) -> None:
    add_alert(console, status="open", severity="high")
    add_alert(console, status="acknowledged", severity="high")
    add_alert(console, status="resolved", severity="low")
    console.login("alice")
    page = console.client.get("/").text.split("Unresolved alerts")[1]
    assert '<td>main</td><td>high</td><td class="num">2</td>' in page
    assert "low" not in page


def add_alert(console: Console, *, status: str, severity: str) -> None:
    """An alert row as the reconciler stores it (only the columns the count reads matter)."""
    import sqlalchemy as sa  # noqa: PLC0415

    from collector.alerts.schema import alerts  # noqa: PLC0415

    now = console.clock.now()
    with console.engine.begin() as conn:
        conn.execute(
            sa.insert(alerts).values(
                site="main", type="shrinkage", status=status, location="main/a1", sku="SKU-1",
                subject="lane-1", owner="client-a", severity=severity, message="m",
                evidence="[]", first_seen_at=now, last_seen_at=now,
            )
        )  # fmt: skip


def layer_rows(page: str) -> list[tuple[str, str]]:
    """(left, value left) of each row of the layers table."""
    table = page.split('id="layers"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td class="num">([\d.]+)</td><td class="num">([\d.]+)</td></tr>', table)


def test_the_item_page_shows_the_open_fifo_layers_as_sales_consume_them(
    console: Console,
) -> None:
    receive(console.client, console.token, ("SKU-1", "main/a1", "client-a", "5"))
    sale = {"type": "sale", "sku": "SKU-1", "qty": "12", "location": "main/a1",
            "owner": "client-a"}  # fmt: skip
    headers = {"Authorization": f"Bearer {console.token}", "Idempotency-Key": str(uuid.uuid4())}
    assert console.client.post("/api/v1/transactions", json=sale, headers=headers).is_success
    console.login("alice")
    page = console.client.get("/stock/items/SKU-1").text
    assert layer_rows(page) == [("3", "7.50")]  # 10 + 5 received, 12 sold: 3 of the second left
    assert "Valued at moving average" in console.client.get("/stock/items/SKU-2").text


def test_a_client_sees_no_layers_of_another_owner(console: Console) -> None:
    with console.engine.connect() as conn:
        assert open_layers(conn, Scope(frozenset({"client-b"})), "SKU-1", limit=10) == []
        assert len(open_layers(conn, Scope(frozenset({"client-a"})), "SKU-1", limit=10)) == 1
