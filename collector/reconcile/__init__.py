"""Reconciliation, pure: book against shelf, gate and scanner; findings that become alerts.

Nothing here does IO or reads the clock: every function gets ``now`` and returns
new state and verdicts (raise or clear an alert); ``collector.alerts`` stores them.
"""
