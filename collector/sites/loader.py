"""Load a bindings YAML file; every problem is reported at once as ``FILE: path: message``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from collector.errors import ConfigError
from collector.sites.bindings import SiteBindings


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the bindings file ({err.strerror})") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from err


def load_bindings(path: Path) -> SiteBindings:
    """Validate a bindings file; ``ConfigError`` lists every problem with its field path."""
    raw = _read(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping (site_id, lanes, gates, …)")
    try:
        return SiteBindings.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(describe(path, err)) from err


def describe(path: Path, err: ValidationError) -> str:
    """One line per problem: ``FILE: lanes.0.sku: message``."""
    lines = []
    for problem in err.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        lines.append(f"{path}: {where}: {problem['msg']}")
    return f"{len(lines)} problem(s) in the site bindings:\n" + "\n".join(lines)


def load_all(paths: list[Path]) -> dict[str, SiteBindings]:
    """Bindings by site id from several files; a site bound twice is an error."""
    found: dict[str, SiteBindings] = {}
    origin: dict[str, Path] = {}
    problems = []
    for path in paths:
        try:
            bindings = load_bindings(path)
        except ConfigError as err:
            problems.append(str(err))
            continue
        if bindings.site_id in found:
            problems.append(
                f"{path}: site_id: {bindings.site_id!r} is already bound by "
                f"{origin[bindings.site_id]}"
            )
            continue
        found[bindings.site_id] = bindings
        origin[bindings.site_id] = path
    if problems:
        raise ConfigError("\n".join(problems))
    return found
