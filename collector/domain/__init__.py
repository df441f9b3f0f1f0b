"""Pure ledger logic: valuation, posting and sequencing. Imports no IO and no SQL."""
