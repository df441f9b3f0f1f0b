"""Discrepancy alerts: storage, lifecycle (open → acknowledged → resolved), publishing, webhook."""
