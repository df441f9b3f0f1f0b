"""Weight sensing: pure pipeline from raw load-cell counts to shelf lane count changes."""
