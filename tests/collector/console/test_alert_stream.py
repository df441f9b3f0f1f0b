"""What the alerts stream sends: the changed alerts a reader may see, after the head it saw."""

from __future__ import annotations

import asyncio
import time

from collector.console.alert_stream import alert_head, changed_alerts
from collector.console.watch import JournalWatch
from collector.views.scope import Scope
from tests.collector.console.conftest import Console
from tests.collector.console.test_alert_pages import raise_alert


def test_a_raised_alert_moves_the_head_and_is_named_once(console: Console) -> None:
    with console.engine.connect() as conn:
        head = alert_head(conn)
    mine = raise_alert(console)
    theirs = raise_alert(console, sku="SKU-2", owner="client-b")
    with console.engine.connect() as conn:
        new_head = alert_head(conn)
        assert new_head == head + 2
        assert changed_alerts(conn, Scope.everyone(), head, new_head) == [mine, theirs]
        assert changed_alerts(conn, Scope.everyone(), new_head, new_head) == []


def test_a_client_never_hears_of_another_owners_alert(console: Console) -> None:
    with console.engine.connect() as conn:
        head = alert_head(conn)
    mine = raise_alert(console)
    raise_alert(console, sku="SKU-2", owner="client-b")
    with console.engine.connect() as conn:
        scope = Scope(frozenset({"client-a"}))
        assert changed_alerts(conn, scope, head, alert_head(conn)) == [mine]


def test_a_review_step_wakes_the_alert_watch(console: Console) -> None:
    alert_id = raise_alert(console)
    console.login("alice")
    csrf = console.csrf(f"/alerts/{alert_id}")
    watch = JournalWatch(console.engine, poll_s=0.05, head=alert_head)
    seen = watch.read_head()

    async def scenario() -> tuple[int | None, float]:
        waiting = asyncio.create_task(watch.wait_past(seen, timeout_s=10))
        await asyncio.sleep(0.1)
        await asyncio.to_thread(console.client.post, f"/alerts/{alert_id}/acknowledge",
                                data={"csrf": csrf})  # fmt: skip
        committed = time.monotonic()
        return await waiting, time.monotonic() - committed

    head, elapsed_s = asyncio.run(scenario())
    assert head == seen + 1
    assert elapsed_s < 1.0
