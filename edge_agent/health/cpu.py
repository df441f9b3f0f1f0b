"""CPU temperature from the Linux thermal zone, where the board exposes one."""

from __future__ import annotations

from pathlib import Path

THERMAL_ZONE = Path("/sys/class/thermal/thermal_zone0/temp")


def read_cpu_temp_c(path: Path = THERMAL_ZONE) -> float | None:
    """Degrees Celsius, or ``None`` when unreadable (not a Pi, a container, odd content)."""
    try:
        millidegrees = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return millidegrees / 1000
