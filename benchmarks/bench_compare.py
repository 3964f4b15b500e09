"""Comparisons and price sweeps, whole commands, as ratios measured side by side in one run.

The scenario is the quickstart with ten price lists (``p0`` ... ``p9``, the premium list scaled
from 0.55x to 1.45x); price-only variants share one simulation and are re-billed.

- compare: ``tokenecon compare`` of ten price-only policies over the same command with two
  (run in turn: ten, two, ten, two, ...; the ratio pair by pair). Goal: at most 1.5x.
- sweep: ``tokenecon sweep`` of 16 price points over a sweep of one point (in turn, pair by pair).

Each ratio is given on wall time and on CPU time (user + system of the command's processes);
on a shared machine the CPU ratio is the steadier one. The load average is printed per command.

    python benchmarks/bench_compare.py            # 2 pairs each, 24-hour quickstart
    python benchmarks/bench_compare.py --pairs 1 --duration 6h
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchlib import console

ROOT = Path(__file__).resolve().parent.parent
FACTORS = [0.55 + 0.1 * k for k in range(10)]


def write_inputs(folder: Path, duration: str) -> tuple[Path, Path, Path]:
    """The ten-price scenario, a 16-point price sweep over it, and a one-point sweep."""
    data = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text())
    data["duration"] = duration
    premium = data["pricing"]["premium"]
    for k, factor in enumerate(FACTORS):
        data["pricing"][f"p{k}"] = {key: round(value * factor, 4) if isinstance(value, float) else value
                                    for key, value in premium.items()}
    scenario = folder / "quickstart_prices.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    sweeps = []
    for name, values in (("sweep16", [round(6 + 0.5 * k, 2) for k in range(16)]), ("sweep1", [10.0])):
        path = folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"name": name, "base": scenario.name, "replications": 1,
                                        "grid": {"pricing.premium.output": values},
                                        "metrics": ["revenue", "utilization"]}))
        sweeps.append(path)
    return scenario, sweeps[0], sweeps[1]


def _run(argv: list[str], label: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command's processes) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    path = next((line.strip() for line in done.stdout.splitlines() if "simulat" in line), "")
    print(f"  {label:<22}{wall:>8.2f} s wall {cpu:>7.2f} s CPU  load {os.getloadavg()[0]:>4.1f}  {path}", flush=True)
    return wall, cpu


def _ratios(pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> tuple[float, float]:
    """Median wall ratio and median CPU ratio, pair by pair."""
    return (statistics.median(a[0] / b[0] for a, b in pairs), statistics.median(a[1] / b[1] for a, b in pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--duration", default="24h", help="scenario duration (the quickstart's is 24h)")
    args = parser.parse_args()
    exe = console()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario, sweep16, sweep1 = write_inputs(folder, args.duration)

        def compare(n: int) -> tuple[float, float]:
            argv = [exe, "compare", str(scenario), "--out", str(folder / f"compare{n}"), "--force"]
            for k in range(n):
                argv += ["--policy", f"p{k}"]
            return _run(argv, f"compare, {n} policies")

        def sweep(path: Path, label: str) -> tuple[float, float]:
            return _run([exe, "sweep", str(path), "--out", str(folder / path.stem), "--force"], label)

        compares = [(compare(10), compare(2)) for _ in range(args.pairs)]
        sweeps = [(sweep(sweep16, "sweep, 16 points"), sweep(sweep1, "sweep, 1 point")) for _ in range(args.pairs)]
    print()
    print(f"{'measure (' + args.duration + ' quickstart, figures on)':<46}{'wall ratio':>12}{'CPU ratio':>11}"
          f"{'goal':>9}")
    for label, pairs, goal in (("compare of 10 price-only policies / of 2", compares, "<= 1.5x"),
                               ("sweep of 16 price points / of 1 point", sweeps, "")):
        wall, cpu = _ratios(pairs)
        print(f"{label:<46}{wall:>11.2f}x{cpu:>10.2f}x{goal:>9}")
    print(f"(medians of {args.pairs} pairs; 1-minute load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
