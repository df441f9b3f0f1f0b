"""Start the ``collector`` command after saying on stderr which checkout it imports.

The ingest benchmark starts ``collector run`` (and ``collector items import``) through
this script, with the Python and ``PYTHONPATH`` of the checkout it measures, and
reads the first line back to make sure that checkout's ``collector`` really is the
one running. Otherwise it is the console script: ``collector.cli:main`` with the same
arguments. It imports nothing of the benchmark, so it runs under any checkout.
"""

import os
import sys

MARK = "bench.collector_file="


def main() -> None:
    """Drop this folder from the import path, report ``collector.__file__``, run the CLI."""
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]  # benchmarks/ must not shadow anything the collector imports
    import collector  # noqa: PLC0415 - from wherever this interpreter's path finds it
    from collector.cli import main as collector_main  # noqa: PLC0415

    print(f"{MARK}{collector.__file__}", file=sys.stderr, flush=True)
    sys.argv[0] = "collector"
    collector_main()  # typer's app exits with the command's status


if __name__ == "__main__":
    main()
