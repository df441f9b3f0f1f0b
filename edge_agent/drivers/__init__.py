"""Hardware adapters: the only code that touches ports and pins."""
