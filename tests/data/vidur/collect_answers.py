"""Summarise Vidur's runs of workloads/ into vidur_workloads.json (the figures tokenecon is held to).

    python tests/data/vidur/collect_answers.py VIDUR_RUNS_DIR

VIDUR_RUNS_DIR holds one Vidur output folder per run, named WORKLOAD_SCHEDULER (for example
`code_r1_sarathi`), each with Vidur's `request_metrics.csv` somewhere below it. Vidur lists
requests by id, which is their row in the replayed workload. The figures are computed by
benchmarks/vidur_compare.py's `figures`, as tokenecon's are.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SETUP = {
    "simulator": "Vidur (github microsoft/vidur, commit 7d47513; attention profile of Llama-2-70B on A100 from "
                 "its history, commit acb95f6); execution-time predictor: random forests of 250 trees, depth 16, "
                 "min split 2, 2-fold (one point of Vidur's default grid)",
    "model": "meta-llama/Llama-2-70b-hf", "device": "2x A100-80GB, tensor parallel 2, one replica",
    "kv_cache_tokens": 53248, "batch_cap": 64, "vllm_max_tokens_in_batch": 4096, "sarathi_chunk_tokens": 512,
}


def _figures():
    spec = importlib.util.spec_from_file_location("vidur_compare", HERE.parents[2] / "benchmarks" / "vidur_compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.figures


def main() -> None:
    runs_dir, figures, runs = Path(sys.argv[1]), _figures(), {}
    for run in sorted(p for p in runs_dir.iterdir() if p.is_dir()):
        workload = HERE / "workloads" / f"{run.name.rsplit('_', 1)[0]}.csv"
        metrics = sorted(run.glob("*/request_metrics.csv"))
        if not workload.exists() or not metrics:
            continue
        w, m = pd.read_csv(workload), pd.read_csv(metrics[-1]).sort_values("Request Id")
        if len(m) != len(w):
            raise SystemExit(f"{run}: {len(m)} requests, workload has {len(w)}")
        out = figures(w["arrived_at"].to_numpy(), w["num_decode_tokens"].to_numpy(),
                      m["prefill_e2e_time"].to_numpy(), m["request_e2e_time"].to_numpy())
        out["preemptions"] = int(m["request_num_restarts"].sum())
        runs[run.name] = {k: round(v, 6) for k, v in out.items()}
    (HERE / "vidur_workloads.json").write_text(json.dumps({"setup": SETUP, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
