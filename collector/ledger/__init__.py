"""The stock ledger's storage: SQL tables, migrations, the batch ingestor and queries."""
