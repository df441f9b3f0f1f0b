"""The collector runtime: broker deliveries batched into ledger commits, then acknowledged."""
