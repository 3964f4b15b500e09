"""Start-up of the light commands, as ratios measured side by side in one run.

Each command against ``python -c "import click, pydantic"`` (what any click + pydantic CLI
imports), run in turn (A B A B ...), the ratio taken pair by pair; wall time and CPU time (user +
system of the process) both:

- ``tokenecon --help`` (goal: at most 2x; `bench_cli.py` times the same pair);
- ``tokenecon validate scenarios/quickstart.yaml`` (neither pandas nor matplotlib is imported);
- ``tokenecon validate scenarios/azure_trace_replay.yaml`` (``start: trace``: validate reads every
  row's time of the trace with pandas' ISO 8601 parser, the run's, to print the run's start).

    python benchmarks/bench_start.py              # 10 pairs each
    python benchmarks/bench_start.py --pairs 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import console

ROOT = Path(__file__).resolve().parent.parent


def _run(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args()
    exe = console()
    base = [sys.executable, "-c", "import click, pydantic"]
    commands = {"tokenecon --help": [exe, "--help"],
                "tokenecon validate quickstart.yaml": [exe, "validate", "scenarios/quickstart.yaml"],
                "tokenecon validate azure_trace_replay.yaml": [exe, "validate", "scenarios/azure_trace_replay.yaml"]}
    load_before = os.getloadavg()[0]
    for argv in [base, *commands.values()]:
        _run(argv)  # warm the file cache
    header = 'command / python -c "import click, pydantic"'
    print(f"{header:<46}{'wall ratio':>12}{'CPU ratio':>11}{'wall s':>9}{'goal':>8}")
    for label, argv in commands.items():
        pairs = [(_run(argv), _run(base)) for _ in range(args.pairs)]
        wall = statistics.median(a[0] / b[0] for a, b in pairs)
        cpu = statistics.median(a[1] / b[1] for a, b in pairs)
        seconds = statistics.median(a[0] for a, _ in pairs)
        goal = "<= 2x" if label.endswith("--help") else ""
        print(f"{label:<46}{wall:>11.2f}x{cpu:>10.2f}x{seconds:>9.2f}{goal:>8}", flush=True)
    print(f"(medians of {args.pairs} pairs; 1-minute load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
