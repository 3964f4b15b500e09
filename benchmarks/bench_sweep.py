"""A 16-point sweep, serial versus local processes, in one run: the speed-up on this machine.

    python benchmarks/bench_sweep.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import yaml

from tokenecon.experiments.executors import ProcessExecutor, SerialExecutor
from tokenecon.experiments.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = yaml.safe_load((ROOT / "scenarios" / "quickstart.yaml").read_text())
        base["duration"] = "6h"
        (Path(folder) / "base.yaml").write_text(yaml.safe_dump(base))
        sweep = {"base": "base.yaml", "replications": 1,
                 "grid": {"pricing.premium.output": [8, 9, 10, 11], "providers.acme.replicas": [2, 3, 4, 5]}}
        path = Path(folder) / "sweep.yaml"
        path.write_text(yaml.safe_dump(sweep))
        spec, points = load_sweep(path)
        began = time.perf_counter()
        serial = run_sweep(spec, points, SerialExecutor())
        serial_s = time.perf_counter() - began
        workers = os.cpu_count() or 1
        began = time.perf_counter()
        parallel = run_sweep(spec, points, ProcessExecutor(workers))
        parallel_s = time.perf_counter() - began
        assert parallel.table().equals(serial.table()), "executors must agree exactly"
    print(f"16-point sweep: serial {serial_s:.1f} s, {workers} local processes {parallel_s:.1f} s, "
          f"speed-up {serial_s / parallel_s:.2f}x (identical results)")


if __name__ == "__main__":
    main()
