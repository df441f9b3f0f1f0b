"""Remote commands: validated, applied to lanes or the outbox, each answered with a reply."""
