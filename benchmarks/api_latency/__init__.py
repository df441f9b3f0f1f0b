"""HTTP API latency under MQTT ingest, measured open loop (``python -m benchmarks.api_latency``).

``openloop`` (the scheduled sender), ``workload`` (what is sent), ``services`` (ledger
copy, ``collector run``, ``collector api``, token), ``rounds`` (fleet + phases),
``report`` (the RESULTS.md section).
"""
