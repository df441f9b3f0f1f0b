"""Retention: what the inbox, dead letters, time-series outbox and other growing tables keep.

``policy`` turns the ``COLLECTOR_RETAIN_*`` settings into cut-offs (pure), ``inbox`` and
``tables`` say per table what a prune removes, ``report`` what each table holds, ``prune``
deletes in bounded batches beside a running collector, ``runner`` does so periodically
inside ``collector run``. Exactly-once after a prune: docs/retention.md.
"""
