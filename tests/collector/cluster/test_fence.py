"""The fence in the posting transaction: a collector whose lease was taken cannot commit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collector.cluster.fence import LeaseFence
from collector.cluster.partitions import partition_of
from collector.ingest.ports import Disposition, InboundMessage
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import device_progress, inbox, movements
from tests.collector.cluster.conftest import PARTITIONS, in_thread, lapse, store
from tests.collector.ledger.messages import tx_message
from tests.support.clock import FakeClock

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

DEVICE = "pos-1"
PARTITION = partition_of(DEVICE, PARTITIONS)


def ingestor(engine: sa.Engine, member: str) -> SqlIngestor:
    fence = LeaseFence(member_id=member, partitions=PARTITIONS)
    return SqlIngestor(engine, clock=FakeClock(), fence=fence)


def leased(message: InboundMessage, token: int | None) -> InboundMessage:
    return InboundMessage(message.topic, message.payload, message.received_at, token)


def counts(engine: sa.Engine) -> tuple[int, int, int]:
    """Inbox rows, journal lines, contiguous seq of the device."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one()
        lines = conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar_one()
        seq = conn.execute(sa.select(device_progress.c.contiguous_seq)).scalar_one_or_none()
    return rows, lines, seq or 0


def test_a_collector_whose_lease_was_taken_cannot_commit(pg_engine: sa.Engine) -> None:
    a, b = store(pg_engine, "a"), store(pg_engine, "b")
    token_a = a.claim(PARTITION)
    assert token_a == 1
    first = ingestor(pg_engine, "a").ingest([leased(tx_message(1, device=DEVICE), token_a)])
    assert [o.disposition for o in first.outcomes] == [Disposition.APPLIED]
    assert [p.contiguous_seq for p in first.progress] == [1]

    lapse(pg_engine, PARTITION)  # a stopped renewing (cut off, or paused)
    token_b = b.claim(PARTITION)
    assert token_b == token_a + 1
    stale = ingestor(pg_engine, "a").ingest([leased(tx_message(2, device=DEVICE), token_a)])
    assert [o.disposition for o in stale.outcomes] == [Disposition.FENCED]
    assert stale.progress == []  # no device ack may be sent for it
    assert counts(pg_engine) == (1, 1, 1)  # nothing of it was written

    owner = ingestor(pg_engine, "b").ingest([leased(tx_message(2, device=DEVICE), token_b)])
    assert [o.disposition for o in owner.outcomes] == [Disposition.APPLIED]
    assert counts(pg_engine) == (2, 2, 2)


def test_a_lease_reclaimed_by_the_same_member_fences_what_came_under_the_old_token(
    pg_engine: sa.Engine,
) -> None:
    a = store(pg_engine, "a")
    old = a.claim(PARTITION)
    lapse(pg_engine, PARTITION)
    new = a.claim(PARTITION)
    assert old is not None
    assert new == old + 1
    batch = [leased(tx_message(1, device=DEVICE), old), leased(tx_message(2, device=DEVICE), new)]
    result = ingestor(pg_engine, "a").ingest(batch)
    assert [o.disposition for o in result.outcomes] == [Disposition.FENCED, Disposition.APPLIED]
    assert [o.seq for o in result.outcomes] == [1, 2]


def test_a_message_without_a_lease_or_of_an_expired_one_is_fenced(pg_engine: sa.Engine) -> None:
    a = store(pg_engine, "a")
    token = a.claim(PARTITION)
    untagged = ingestor(pg_engine, "a").ingest([tx_message(1, device=DEVICE)])
    assert [o.disposition for o in untagged.outcomes] == [Disposition.FENCED]
    lapse(pg_engine, PARTITION)  # expired, though nobody took it yet
    expired = ingestor(pg_engine, "a").ingest([leased(tx_message(1, device=DEVICE), token)])
    assert [o.disposition for o in expired.outcomes] == [Disposition.FENCED]
    assert counts(pg_engine) == (0, 0, 0)


def test_only_the_fenced_messages_of_a_mixed_batch_are_left_out(pg_engine: sa.Engine) -> None:
    other = next(d for d in (f"pos-{n}" for n in range(2, 50)) if partition_of(d, PARTITIONS)
                 != PARTITION)  # fmt: skip
    a = store(pg_engine, "a")
    token = a.claim(PARTITION)
    batch = [
        leased(tx_message(1, device=DEVICE), token),
        leased(tx_message(1, device=other), token),  # a partition a does not hold
        leased(tx_message(2, device=DEVICE), token),
    ]
    result = ingestor(pg_engine, "a").ingest(batch)
    assert [(o.device_id, o.disposition) for o in result.outcomes] == [
        (DEVICE, Disposition.APPLIED),
        (other, Disposition.FENCED),
        (DEVICE, Disposition.APPLIED),
    ]
    assert [(p.device_id, p.contiguous_seq) for p in result.progress] == [(DEVICE, 2)]


def test_no_claim_takes_a_partition_while_a_posting_transaction_admitted_it(
    pg_engine: sa.Engine,
) -> None:
    a, b = store(pg_engine, "a"), store(pg_engine, "b")
    token = a.claim(PARTITION)
    assert token is not None
    fence = LeaseFence(member_id="a", partitions=PARTITIONS)
    with pg_engine.begin() as conn:
        assert fence.admit(conn, [leased(tx_message(1, device=DEVICE), token)]) == [True]
        released, _took_s = in_thread(lambda: a.release(PARTITION, token), timeout_s=5)
        assert released, "the release waited for the posting transaction"
        assert b.claim(PARTITION) is None, "the lease changed hands under a posting transaction"
    assert b.claim(PARTITION) == token + 1  # once it committed


def test_a_renewal_does_not_wait_for_the_posting_transaction(pg_engine: sa.Engine) -> None:
    a = store(pg_engine, "a")
    token = a.claim(PARTITION)
    assert token is not None
    fence = LeaseFence(member_id="a", partitions=PARTITIONS)
    renewed: list[set[int]] = []
    with pg_engine.begin() as conn:
        assert fence.admit(conn, [leased(tx_message(1, device=DEVICE), token)]) == [True]
        work = lambda: renewed.append(a.renew({PARTITION: token}, {}))  # noqa: E731
        finished, _took_s = in_thread(work, timeout_s=2)
        # under load a member renewing behind each of its own commits let its leases lapse
        assert finished, "the renewal queued behind the posting transaction"
    assert renewed == [{PARTITION}]
