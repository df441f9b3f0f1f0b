"""The running agent: composition root, sensor loops, heartbeat, and the simulated world."""
