"""Barcode scanners: scan parsing (AIM identifiers, GS1 element strings) and the station's modes."""
