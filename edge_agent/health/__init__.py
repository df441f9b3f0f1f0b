"""Device health: the 30-second heartbeat (sensors, outbox depth and age, CPU temperature)."""
