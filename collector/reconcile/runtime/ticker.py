"""``ReconcileTicker.tick(now)``: the periodic pass that lets grace windows expire.

Runs the pure ``Reconciler`` over what the database holds for the bound sites
(lane readings against the book, pending gate exits, device liveness, sequence
gaps) and stores slots, matched exits and alerts in one short transaction.
A bound device never heard from is watched from the first tick that finds it
missing, so a mistyped device id or a device that never came up alerts too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from collector.alerts.store import apply_verdicts
from collector.domain.model import PositionKey
from collector.ledger.engine import WRITER_IDLE_TIMEOUT_S, lock_ledger
from collector.ledger.schema import device_progress
from collector.reconcile.devices import DeviceLiveness, SeqGaps, UnheardDevice
from collector.reconcile.gates import window_start
from collector.reconcile.reconciler import ExitGroup, Reconciler, SlotView, Snapshot
from collector.reconcile.runtime import slots, state
from collector.reconcile.runtime.presence import presence_slots
from collector.reconcile.runtime.schema import device_liveness
from collector.sites.bindings import SiteBindings, rules_lookup

GapId = tuple[str, str, int, int]
"""(site, device, epoch, first missing seq): one hole, however its set of neighbours changes."""
DeviceKey = tuple[str, str]
"""(site, device)."""


class ReconcileTicker:
    """Loads a snapshot, asks the reconciler, stores the result."""

    def __init__(self, engine: sa.Engine, *, bindings: Mapping[str, SiteBindings]) -> None:
        """``bindings`` by site id; sites without bindings are not reconciled."""
        self._engine = engine
        self._bindings = dict(bindings)
        self.rules_for = rules_lookup(self._bindings)
        self._reconciler = Reconciler(rules_for=self.rules_for)
        self._gaps_seen: dict[GapId, datetime] = {}
        self._unheard_since: dict[DeviceKey, datetime] = {}

    def tick(self, now: datetime) -> list[int]:
        """One pass at ``now``; returns the ids of alerts that changed."""
        with self._engine.begin() as conn:
            lock_ledger(conn, idle_timeout_s=WRITER_IDLE_TIMEOUT_S)
            self._recount_presence(conn, now)
            snapshot = self._snapshot(conn, now)
            result = self._reconciler.tick(snapshot, now)
            pairs = zip(snapshot.slots, result.slots, strict=True)
            slots.save_slots(conn, [after for before, after in pairs if after != before.slot])
            state.mark_matched(conn, result.matched_exits)
            return apply_verdicts(conn, result.verdicts, now=now)

    def _recount_presence(self, conn: sa.Connection, now: datetime) -> None:
        """Presence counts fall as tags age out of their window, with no event to say so."""
        for site_id, bound in self._bindings.items():
            for reader in bound.readers:
                slots.save_slots(conn, presence_slots(conn, site_id, reader, now))

    def _snapshot(self, conn: sa.Connection, now: datetime) -> Snapshot:
        sites = sorted(self._bindings)
        views = [
            SlotView(slot, book, cost) for slot, book, cost in state.slots_with_book(conn, sites)
        ]
        devices = self._devices(conn, sites)
        return Snapshot(
            slots=tuple(views),
            exits=tuple(self._exit_groups(conn, sites)),
            devices=tuple(devices),
            gaps=tuple(self._gaps(conn, sites, now)),
            unheard=tuple(self._unheard(devices, now)),
        )

    def _exit_groups(self, conn: sa.Connection, sites: list[str]) -> list[ExitGroup]:
        groups = []
        for (site, location, sku), exits in state.pending_exits(conn, sites).items():
            since = window_start(exits, self.rules_for(site, location))
            sent = state.outbound_units(conn, site, location, sku, since)
            _, cost = state.book_and_cost(conn, PositionKey(sku, location, "own"))
            groups.append(ExitGroup(tuple(exits), sent, cost))
        return groups

    def _devices(self, conn: sa.Connection, sites: list[str]) -> list[DeviceLiveness]:
        query = sa.select(device_liveness).where(device_liveness.c.site.in_(sites))
        found = []
        for row in conn.execute(query):
            bound = self._bindings[row.site]
            is_bound = row.device_id in bound.device_ids()
            interval_s = bound.heartbeat_interval_for(row.device_id) if is_bound else row.interval_s
            found.append(DeviceLiveness(row.site, row.device_id, row.last_seen_at, interval_s))
        return found

    def _unheard(self, heard: list[DeviceLiveness], now: datetime) -> list[UnheardDevice]:
        """Bound devices with no liveness row, each timed from the first tick that missed it.

        In memory on purpose: a restart watches afresh, and an alert raised before it stays
        open (``assess_unheard`` never clears) until the device is finally heard from.
        """
        known = {(device.site, device.device_id) for device in heard}
        since: dict[DeviceKey, datetime] = {}
        found = []
        for site_id, bound in sorted(self._bindings.items()):
            for device_id in sorted(bound.device_ids()):
                key = (site_id, device_id)
                if key in known:
                    continue
                since[key] = self._unheard_since.get(key, now)
                interval_s = bound.heartbeat_interval_for(device_id)
                found.append(UnheardDevice(site_id, device_id, since[key], interval_s))
        self._unheard_since = since
        return found

    def _gaps(self, conn: sa.Connection, sites: list[str], now: datetime) -> list[SeqGaps]:
        """Each stream's gaps, with when this ticker first saw the oldest of them.

        Timed per hole, so a new hole opening further on never restarts an old one's clock.
        """
        query = sa.select(device_progress).where(device_progress.c.site.in_(sites))
        streams: list[SeqGaps] = []
        seen: dict[GapId, datetime] = {}
        for row in conn.execute(query):
            gaps = tuple((int(low), int(high)) for low, high in json.loads(row.gaps))
            for low, _high in gaps:
                gap_id = (row.site, row.device_id, int(row.epoch), low)
                seen[gap_id] = self._gaps_seen.get(gap_id, now)
            firsts = [seen[(row.site, row.device_id, int(row.epoch), low)] for low, _ in gaps]
            streams.append(
                SeqGaps(row.site, row.device_id, row.epoch, gaps, min(firsts, default=None))
            )
        self._gaps_seen = seen
        return streams
