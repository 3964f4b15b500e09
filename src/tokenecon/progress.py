"""Progress of a run on stderr, phase by phase: draw demand, simulate (with a bar over simulated
time), bill, measure, write. Silent unless asked (the CLI's `-q` and `--json` keep it silent)."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

__all__ = ["Phases", "PHASES"]

PHASES = ("drawing demand", "simulating", "billing", "measuring", "writing the report folder")


class Phases:
    """One status line per phase: ``quickstart [2/5] simulating`` when it starts, the time when done."""

    def __init__(self, name: str, enabled: bool = True, stream=None):
        self.name, self.enabled = name, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.began = time.perf_counter()

    @contextmanager
    def phase(self, label: str, note: str = ""):
        """`note` follows the label, e.g. ``simulating (surge pass 2 of up to 5)``."""
        if not self.enabled:
            yield
            return
        k = PHASES.index(label) + 1 if label in PHASES else 0
        step = f" [{k}/{len(PHASES)}]" if k else ""
        label = f"{label} {note}" if note else label
        self.stream.write(f"{self.name}{step} {label}...\n")
        self.stream.flush()
        started = time.perf_counter()
        yield
        self.stream.write(f"{self.name}{step} {label}: {time.perf_counter() - started:.1f} s\n")
        self.stream.flush()
