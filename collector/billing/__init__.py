"""Storage and handling billing of 3PL clients: rate cards, monthly bills (docs/billing.md)."""
