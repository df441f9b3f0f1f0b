"""Time series in InfluxDB: schema, pure point builders, a durable outbox and its writer.

Points are recorded in the ledger database in the same transaction as the
movement or event that caused them (``observer``), and a writer thread drains
them to InfluxDB's v2 write API in gzip batches (``runner.start_writer``).
"""
