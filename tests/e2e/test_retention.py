"""A prune while ``collector run`` runs, then the device replays its outbox: nothing twice.

The real ``collector run`` composition against the system Mosquitto and a SQLite ledger
(the resend tests' rig). The device posts a receipt, a sale and a heartbeat; a prune
(as if 100 days later) empties the two transactions' inbox rows and deletes the
heartbeat's; the device then publishes the sale and the heartbeat again, byte for byte, and one sale
more. The replayed two are duplicates (acknowledged, nothing posted or stored), the
new sale posts, and the ledger's invariants hold.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from benchmarks.ledger_gen.checks import check_ledger
from collector.ledger import schema
from collector.retention.policy import RetentionPolicy
from collector.retention.prune import PruneRun, prune
from edge_agent import wire
from tests.e2e.test_resend import EPOCH, Rig, collector_is_up, listener, publish, rig, wait_for

__all__ = ["rig"]

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(120)]


def _heartbeat(rig: Rig, seq: int) -> bytes:
    data = wire.DeviceHeartbeat(uptime_s=60, software_version="1.0", outbox_depth=0)
    event = wire.make_event(event_id=uuid.uuid4(), device_id=rig.device, epoch=EPOCH, seq=seq,
                            observed_at=datetime.now(UTC), data=data)  # fmt: skip
    return wire.dump_event(event)


def _payloads(rig: Rig) -> dict[int, str]:
    query = sa.select(schema.inbox.c.seq, schema.inbox.c.payload).where(
        schema.inbox.c.device_id == rig.device
    )
    with rig.engine.connect() as conn:
        return {int(seq): payload for seq, payload in conn.execute(query)}


def test_a_device_replaying_its_outbox_after_a_prune_changes_nothing(rig: Rig) -> None:
    with listener(rig.port, [rig.acks_topic]) as (client, inbox):
        collector_is_up(client, rig)  # seq 1: receipt of 5
        sent = [rig.payload(2, "sale", 2), _heartbeat(rig, 3)]
        publish(client, rig, sent)
        assert wait_for(lambda: rig.acked_seq(inbox) == 3), "seqs 1-3 were not acknowledged"
        done = prune(
            rig.engine, PruneRun(RetentionPolicy(), datetime.now(UTC) + timedelta(days=100))
        )
        assert (done.emptied["inbox"], done.deleted["inbox"]) == (2, 1)
        publish(client, rig, [*sent, rig.payload(4, "sale", 1)])
        assert wait_for(lambda: 4 in _payloads(rig)), "seq 4 never reached the ledger"
        assert wait_for(lambda: rig.acked_seq(inbox) == 4), "seq 4 was not acknowledged"
    payloads = _payloads(rig)
    assert (payloads[1], payloads[2], 3 in payloads, payloads[4] != "") == ("", "", False, True)
    assert rig.applied_in_posting_order() == [1, 2, 4]
    assert (rig.on_hand(), rig.dead_letters()) == (Decimal(2), 0)
    check_ledger(rig.engine, skip={"every inbox row is applied and posted movements"})
