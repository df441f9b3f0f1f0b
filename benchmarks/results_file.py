"""``RESULTS.md``: one section per benchmark between its own markers; a run rewrites its own."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def replace_section(current: str, block: str, *, start: str, end: str) -> str:
    """``current`` with the text from ``start`` to ``end`` replaced by ``block`` (or it appended).

    ``block`` is the whole section, markers included.
    """
    block = block.rstrip("\n") + "\n"
    if start in current and end in current:
        head, _, rest = current.partition(start)
        tail = rest.partition(end)[2].lstrip("\n")
        return head + block + ("\n" + tail if tail else "")  # one blank line between sections
    return current.rstrip("\n") + "\n\n" + block


def write_section(block: str, *, start: str, end: str, path: Path = RESULTS) -> None:
    """Replace one benchmark's marked section of ``path``, leaving the others alone."""
    current = path.read_text() if path.exists() else "# Benchmark results\n"
    path.write_text(replace_section(current, block, start=start, end=end))
