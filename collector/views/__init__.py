"""Read models over the ledger database, shared by the HTTP API, the console and the CLI.

Every function takes a ``Scope``: the owners whose records the reader may see. Scoping
happens in the SQL of each query, never afterwards in the presentation.
"""
