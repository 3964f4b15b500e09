"""Whole-command speed of the CLI, as ratios measured side by side in one run.

- quickstart: ``tokenecon run scenarios/quickstart.yaml`` (every table and figure), its wall time
  over the time its own process spends in the simulation phase (the SimPy event loop,
  ``tokenecon.sim.simulate``), measured in that same process: the cost of everything around
  the simulation (imports, demand, billing, measuring, writing). Goal: at most 1.5x.
- help: ``tokenecon --help`` over ``python -c "import click, pydantic"``, run in turn (A B A B ...),
  the ratio taken pair by pair. Goal: at most 2x.

Medians of the per-run ratios are printed; on a shared machine quote them, not the seconds. The
quickstart's CPU seconds (the command's process and the child drawing its figures) over the CPU
seconds of its simulation phase are printed beside the wall ratio: where the machine gives this
job a fixed share of its processors, whatever else runs, the wall ratio follows the CPU ratio.

    python benchmarks/bench_cli.py              # 3 quickstart runs, 10 help pairs
    python benchmarks/bench_cli.py --runs 1 --pairs 5
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import console

ROOT = Path(__file__).resolve().parent.parent

# The `tokenecon run` command in one process, with the simulation phase timed from inside.
_TIMED_RUN = """
import atexit, os, sys, time
import tokenecon.runner as runner
inner, spent = runner.simulate, [0.0, 0.0]
def simulate(*args, **kwargs):
    began, cpu = time.perf_counter(), time.process_time()
    try:
        return inner(*args, **kwargs)
    finally:
        spent[0] += time.perf_counter() - began
        spent[1] += time.process_time() - cpu
runner.simulate = simulate
atexit.register(lambda: open(os.environ["BENCH_SIM_FILE"], "w").write(repr(tuple(spent))))
from tokenecon.cli import main
main(sys.argv[1:])
"""


def _wall(argv: list[str], env: dict | None = None) -> float:
    began = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return wall


def quickstart(runs: int, scenario: Path) -> list[tuple[float, float, float, float]]:
    """(wall seconds, simulation seconds, CPU seconds, simulation CPU seconds) of `tokenecon run SCENARIO` per run."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(runs):
            sim_file = Path(tmp) / "sim.txt"
            env = dict(os.environ, BENCH_SIM_FILE=str(sim_file))
            argv = [sys.executable, "-c", _TIMED_RUN, "run", str(scenario), "--out", str(Path(tmp) / "run"),
                    "--force", "--quiet"]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = _wall(argv, env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            sim, sim_cpu = ast.literal_eval(sim_file.read_text())
            out.append((wall, sim, cpu, sim_cpu))
            print(f"  quickstart run {k + 1}: {wall:.2f} s wall, {sim:.2f} s simulating, {wall / sim:.2f}x; "
                  f"CPU {cpu:.2f} s, {sim_cpu:.2f} s simulating, {cpu / sim_cpu:.2f}x", flush=True)
    return out


def help_pairs(pairs: int) -> list[tuple[float, float]]:
    """(tokenecon --help, python -c 'import click, pydantic') wall seconds, run in turn."""
    a = [console(), "--help"]
    b = [sys.executable, "-c", "import click, pydantic"]
    _wall(a), _wall(b)  # warm the file cache
    return [(_wall(a), _wall(b)) for _ in range(pairs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="quickstart runs")
    parser.add_argument("--pairs", type=int, default=10, help="--help / import pairs")
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "quickstart.yaml")
    args = parser.parse_args()
    print(f"quickstart: {args.scenario.name}, {args.runs} runs", flush=True)
    runs = quickstart(args.runs, args.scenario)
    pairs = help_pairs(args.pairs)
    ratio = statistics.median(w / s for w, s, _, _ in runs)
    cpu_ratio = statistics.median(c / s for _, _, c, s in runs)
    help_ratio = statistics.median(a / b for a, b in pairs)
    print()
    print(f"{'measure':<58}{'median ratio':>14}{'goal':>8}")
    print(f"{'tokenecon run quickstart: wall / simulation phase':<58}{ratio:>13.2f}x{'<= 1.5x':>8}")
    label = 'tokenecon --help / python -c "import click, pydantic"'
    print(f"{label:<58}{help_ratio:>13.2f}x{'<= 2x':>8}")
    print(f"{'tokenecon run quickstart: CPU / CPU of the simulation phase':<58}{cpu_ratio:>13.2f}x")
    print(f"(quickstart: median {statistics.median(w for w, *_ in runs):.1f} s wall, "
          f"{statistics.median(s for _, s, _, _ in runs):.1f} s simulating, "
          f"{os.getloadavg()[0]:.1f} load average at the end; help: median "
          f"{statistics.median(a for a, _ in pairs):.2f} s vs {statistics.median(b for _, b in pairs):.2f} s)")


if __name__ == "__main__":
    main()
