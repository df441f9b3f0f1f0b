"""Per device and epoch seq order before the ledger: reorder window, resend commands, gaps."""
