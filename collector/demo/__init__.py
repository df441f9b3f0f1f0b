"""``collector demo``: an embedded broker, the collector and simulated devices, end to end."""
