"""Server time of every console page on the generated 1,000,000-movement ledger (not a test)."""
