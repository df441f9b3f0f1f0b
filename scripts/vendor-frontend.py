#!/usr/bin/env python3
"""Vendor the console's front-end libraries from the npm registry, pinned and verified.

Each package is fetched with ``npm pack`` at a pinned version; the tarball's SHA-512 must
equal the pinned ``integrity`` (the registry's ``dist.integrity``), else nothing is
written. The files the console serves, each package's licence and a manifest go to
collector/console/static/vendor/, which is committed: the console needs no network.

Run: python3 scripts/vendor-frontend.py   (to upgrade, change a pin and its integrity)
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "collector" / "console" / "static" / "vendor"
PINS: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "htmx.org",
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        {"package/dist/htmx.min.js": "htmx.min.js", "package/LICENSE": "htmx.LICENSE.txt"},
    ),
    (
        "htmx-ext-sse",
        "2.2.4",
        "sha512-LJmxVhykyflBWgh5PvbRidcyuqMHlgfajmmzumvKctv9puvsufeH6OaejSMZTNTnEI8O2wXXn4ZZtBdpEMqmEQ==",
        {"package/dist/sse.js": "sse.js", "package/LICENSE": "htmx-ext-sse.LICENSE.txt"},
    ),
    (
        "axe-core",
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        {
            "package/axe.min.js": "axe.min.js",
            "package/LICENSE": "axe-core.LICENSE.txt",
            "package/LICENSE-3RD-PARTY.txt": "axe-core.LICENSE-3RD-PARTY.txt",
        },
    ),
]
"""(package, version, the registry's dist.integrity, {file in the tarball: vendored name})."""


def integrity_of(path: Path) -> str:
    """The Subresource-Integrity string (sha512-base64) of a file, as npm writes it."""
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def fetch(package: str, version: str, into: Path) -> Path:
    """The tarball of package@version, fetched with npm from the registry."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("error: npm is not installed (Debian: apt-get install npm)")
    result = subprocess.run(  # noqa: S603 - fixed arguments, pinned names
        [npm, "pack", f"{package}@{version}", "--json", "--pack-destination", str(into)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (packed,) = json.loads(result.stdout)
    return into / packed["filename"]


def extract(tarball: Path, files: dict[str, str]) -> dict[str, bytes]:
    """The named members of the tarball, by their vendored names."""
    found: dict[str, bytes] = {}
    with tarfile.open(tarball) as archive:
        for member, name in files.items():
            handle = archive.extractfile(member)
            if handle is None:
                raise SystemExit(f"error: {tarball.name} has no file {member}")
            found[name] = handle.read()
    return found


def main() -> int:
    """Fetch, verify, then write every file (all or nothing)."""
    staged: dict[str, bytes] = {}
    manifest: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for package, version, integrity, files in PINS:
            tarball = fetch(package, version, Path(tmp))
            actual = integrity_of(tarball)
            if actual != integrity:
                print(f"error: {package}@{version}: integrity {actual}, pinned {integrity}",
                      file=sys.stderr)  # fmt: skip
                return 1
            staged.update(extract(tarball, files))
            manifest.append(f"{package}@{version} {integrity} -> {', '.join(files.values())}")
    VENDOR.mkdir(parents=True, exist_ok=True)
    for name, content in staged.items():
        (VENDOR / name).write_bytes(content)
    (VENDOR / "VERSIONS.txt").write_text(
        "# Written by scripts/vendor-frontend.py: package@version, npm dist.integrity, files\n"
        + "\n".join(manifest)
        + "\n"
    )
    print(f"vendored {len(PINS)} packages into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
