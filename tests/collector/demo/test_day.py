"""Pieces of the scripted day that need no running system."""

from __future__ import annotations

from collector.demo.catalog import BY_SKU
from collector.demo.day import FAULTS, sgtin96, the_day
from edge_agent.sensing.rfid.epc import decode_epc


def test_the_gate_tags_decode_to_the_items_gtin_and_serial() -> None:
    gtin = BY_SKU["SOAP-95"].gtin
    decoded = decode_epc(sgtin96(gtin or "", 2))
    assert (decoded.scheme, decoded.gtin, decoded.serial) == ("sgtin-96", gtin, "2")


def test_the_day_injects_three_faults_of_distinct_alert_types() -> None:
    assert len({fault.alert_type for fault in FAULTS}) == 3
    hours = [step.hour for step in the_day()]
    assert hours == sorted(hours)
