"""Progress on stderr: a run phase by phase (draw demand, simulate with a bar over simulated time,
bill, measure, write), and replications and sweeps run by run (`Tally`). On a terminal the counts
are a bar; in a pipe or a CI log, plain status lines. Silent unless asked (the CLI's `-q` and
`--json` keep it silent)."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager

__all__ = ["Phases", "PHASES", "Tally"]

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


class Tally:
    """Finished work out of a known total. On a terminal, a tqdm bar; elsewhere (a pipe, a CI log)
    a plain line such as ``sweep prices: point 3 of 16 done (2 re-billed)``, at most one per
    `every_s` seconds and per 5% of the total (the last one always)."""

    def __init__(self, desc: str, total: int, *, unit: str = "run", enabled: bool = True, stream=None,
                 every_s: float = 1.0):
        self.desc, self.total, self.unit, self.every_s = desc, total, unit, every_s
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and total > 0
        self.done = self.rebilled = self.shown = 0
        self.last = time.perf_counter()
        self.bar = None
        if self.enabled and _is_tty(self.stream):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, delay=1.0, leave=False, file=self.stream)

    def __enter__(self) -> Tally:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, n: int = 1, rebilled: int = 0) -> None:
        """`n` more done, `rebilled` of them billed from another's simulation."""
        self.done += n
        self.rebilled += rebilled
        if self.bar is not None:
            self.bar.update(n)
        elif self.enabled and self._due():
            note = f" ({self.rebilled} re-billed)" if self.rebilled else ""
            self.stream.write(f"{self.desc}: {self.unit} {self.done} of {self.total} done{note}\n")
            self.stream.flush()
            self.shown, self.last = self.done, time.perf_counter()

    def _due(self) -> bool:
        if self.done >= self.total:
            return True
        return (self.done - self.shown >= self.total / 20
                and time.perf_counter() - self.last >= self.every_s)


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
