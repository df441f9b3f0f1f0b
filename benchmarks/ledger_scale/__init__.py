"""The ledger at scale: hot reads and ``collector run`` ingest on generated ledgers vs empty ones.

``python -m benchmarks.ledger_scale --help``. The modules: ``lots`` (lot- and
serial-tracked traffic posted through the real ingestor, for the recall trace),
``reads`` (the product's own query functions, timed), ``ingest_runs`` (the shipped
``collector run`` through ``benchmarks.ingest_shipped``), ``databases`` (working copies
of the generated ledgers, sizes), ``report`` (the RESULTS.md section ``ledger-scale``).
"""
