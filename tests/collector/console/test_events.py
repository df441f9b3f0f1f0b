"""What the live stream sends: changed SKUs within the reader's scope, in SSE framing."""

from __future__ import annotations

from collector.console.events import changed_skus, positions_html
from collector.console.streaming import sse_message
from collector.console.watch import journal_head
from collector.views.scope import Scope
from tests.collector.console.conftest import Console, receive


def test_a_change_is_found_by_its_sku_after_the_head_it_moved(console: Console) -> None:
    with console.engine.connect() as conn:
        head = journal_head(conn)
    receive(console.client, console.token, ("SKU-2", "main/b1", "client-b", "1"))
    with console.engine.connect() as conn:
        new_head = journal_head(conn)
        assert new_head > head
        assert changed_skus(conn, Scope.everyone(), head, new_head) == {"SKU-2"}


def test_a_client_never_hears_of_another_owners_change(console: Console) -> None:
    with console.engine.connect() as conn:
        head = journal_head(conn)
    receive(console.client, console.token, ("SKU-2", "main/b1", "client-b", "1"))
    with console.engine.connect() as conn:
        scope = Scope(frozenset({"client-a"}))
        assert changed_skus(conn, scope, head, journal_head(conn)) == set()


def test_the_positions_fragment_is_scoped(console: Console) -> None:
    with console.engine.connect() as conn:
        theirs = positions_html(conn, Scope(frozenset({"client-a"})), "SKU-2")
        everyone = positions_html(conn, Scope.everyone(), "SKU-2")
    assert "main/b1" not in theirs
    assert "main/b1" in everyone


def test_each_line_of_the_data_is_its_own_field() -> None:
    assert (
        sse_message("positions", "<tr>\n</tr>") == "event: positions\ndata: <tr>\ndata: </tr>\n\n"
    )
