"""Site bindings: the ledger location and SKU each shelf lane, gate and scanner stands for."""
