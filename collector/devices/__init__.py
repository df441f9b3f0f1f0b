"""Device state: what the birth, last-will and heartbeat messages say about each edge agent."""
