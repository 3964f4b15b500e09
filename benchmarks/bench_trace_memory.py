"""Trace memory: peak RSS of `tokenecon run` replaying one hour of a large generated trace.

The trace is in the Azure format, one row every 100 ms (13.5 million rows, 481 MB by default),
replayed for one hour from its first row (36,000 requests). Three runs side by side:

- ``horizon``: the trace as it is; only rows within the hour are held, the file read to its end;
- ``ordered``: with ``ordered: true``; reading stops at the first row beyond the hour;
- ``whole``: with ``loop: true``; one pass covers the hour (the same requests), every row held.

Peak RSS and wall time come from ``/usr/bin/time -v``.

    python benchmarks/bench_trace_memory.py                 # 13.5 million rows
    python benchmarks/bench_trace_memory.py --rows 3000000
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent


def write_trace(path: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2023-11-16 18:00:00")
    with open(path, "w") as f:
        f.write("TIMESTAMP,ContextTokens,GeneratedTokens\n")
        for k in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - k)
            times = (start + pd.to_timedelta(np.arange(k, k + n) * 100, unit="ms")).strftime("%Y-%m-%d %H:%M:%S.%f")
            sizes = zip(times, rng.integers(1, 8000, n), rng.integers(1, 500, n))
            f.write("".join(f"{t},{a},{b}\n" for t, a, b in sizes))


def write_scenario(path: Path, trace: Path, **options) -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "azure_trace_replay.yaml").read_text())
    data["start"] = "2023-11-16T18:00:00+00:00"
    data["providers"][0]["replicas"] = 8
    data["customers"][0]["arrivals"] = {"type": "trace", "path": str(trace), "format": "azure", **options}
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def measure(scenario: Path, out: Path) -> tuple[float, float]:
    """Peak RSS (MB) and wall time (s) of one run."""
    console = Path(sys.executable).parent / "tokenecon"
    cmd = ["/usr/bin/time", "-v", str(console), "run", str(scenario), "--out", str(out), "--no-figures"]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(next((line for line in done.stderr.splitlines() if line.startswith("tokenecon:")), done.stderr))
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return peak_kb / 1024, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=13_500_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-trace-"))
    try:
        trace = folder / "trace.csv"
        write_trace(trace, args.rows)
        print(f"trace: {args.rows:,} rows, {trace.stat().st_size / 1e6:,.0f} MB; one hour replayed")
        for name, options in (("horizon", {}), ("ordered", {"ordered": True}), ("whole", {"loop": True})):
            scenario = folder / f"{name}.yaml"
            write_scenario(scenario, trace, **options)
            peak, wall = measure(scenario, folder / f"out-{name}")
            print(f"{name:8} peak RSS {peak:8,.0f} MB  wall {wall:6.1f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
