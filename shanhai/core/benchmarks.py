"""What every benchmark command shares: the machine's description and docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.db import connection

DOC = Path("docs/benchmarks.md")


def cpu() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def environment() -> dict[str, str]:
    """The database, versions and machine a figure was measured on."""
    return {
        "database": f"{connection.vendor} {connection.get_database_version()}",
        "python / django": f"{platform.python_version()} / {django.get_version()}",
        "machine": f"{platform.machine()}, {cpu()}, {os.cpu_count()} cores",
        # Other work on the same cores slows every figure: say how busy the machine was.
        "load average (1, 5, 15 min) when written": ", ".join(
            f"{load:.1f}" for load in os.getloadavg()
        ),
    }


def replace_section(section: str, path: Path = DOC) -> None:
    """Replace the section with the same heading in *path*, or append it."""
    heading = section.splitlines()[0]
    text = path.read_text() if path.exists() else "# Benchmarks\n\nMeasured, not estimated.\n"
    parts = text.split("\n## ")
    kept = [parts[0]] + [p for p in parts[1:] if not heading.endswith(p.splitlines()[0])]
    path.write_text("\n## ".join(kept).rstrip() + "\n\n" + section)


def percentile(values: list[float], share: float) -> float:
    """The value below which *share* of *values* fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Timing:
    """Repeated runs of one thing, in seconds; the figures in milliseconds."""

    name: str
    runs: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.runs) * 1000

    @property
    def p95(self) -> float:
        return percentile(self.runs, 0.95) * 1000

    @property
    def p99(self) -> float:
        return percentile(self.runs, 0.99) * 1000


def timed(name: str, run: Callable[[], object], repeat: int, *, warm: bool = True) -> Timing:
    """Run *run* *repeat* times (once more first, untimed, to warm caches when *warm*)."""
    if warm:
        run()
    timing = Timing(name)
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timing.runs.append(time.perf_counter() - started)
    return timing
