"""Store-and-forward: the durable outbox and the pacing of its delivery to the collector."""
