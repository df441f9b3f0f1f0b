"""Turning what sensors say into inventory events: pure decoders and rules per sensor family."""
