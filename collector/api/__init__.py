"""The HTTP API (``collector api``): transactions in, read models out, under ``/api/v1``."""
