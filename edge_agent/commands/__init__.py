"""``edge-agent`` sub-commands, one module each; ``edge_agent.cli`` registers them."""
