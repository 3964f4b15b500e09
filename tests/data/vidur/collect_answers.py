"""Summarise Vidur's runs of workloads/ into vidur_workloads.json (the figures tokenecon is held to).

    python tests/data/vidur/collect_answers.py VIDUR_RUNS_DIR

With runs named `ref_requests_r0.25_vllm` ... `ref_burst_r2_vllm`, `ref_burst_r2_sarathi` (the
decode-heavy reference workloads, `/work/shared/data/vidur-reference/workloads/`, replayed with the
same predictor), it also writes their figures into vidur_metrics.json.

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
REFERENCE = HERE.parents[3] / "shared" / "data" / "vidur-reference" / "workloads"  # the decode-heavy reference
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
    reference(runs_dir, figures)


def reference(runs_dir: Path, figures) -> None:
    """The decode-heavy reference (256-token prompts, 1,024 output tokens) into vidur_metrics.json."""
    def run(name: str) -> dict | None:
        metrics = sorted((runs_dir / name).glob("*/request_metrics.csv"))
        if not metrics:
            return None
        m = pd.read_csv(metrics[-1]).sort_values("Request Id")
        w = pd.read_csv(REFERENCE / f"{name[4:].rsplit('_', 1)[0]}.csv")
        out = figures(w["arrived_at"].to_numpy(), w["num_decode_tokens"].to_numpy(), m["prefill_e2e_time"].to_numpy(),
                      m["request_e2e_time"].to_numpy())
        out["restarts"] = int(m["request_num_restarts"].sum())
        return {k: round(v, 6) for k, v in out.items()}

    path = HERE / "vidur_metrics.json"
    meta = json.loads(path.read_text())
    rates = {load: run(f"ref_requests_r{load}_vllm") for load in meta["rates"]}
    bursts = {scheduler: run(f"ref_burst_r2_{scheduler}") for scheduler in ("vllm", "sarathi")}
    if None in rates.values() or None in bursts.values():
        return
    if "full_grid_predictor" not in meta:  # the first answers, from the predictor trained on Vidur's default grid
        meta["full_grid_predictor"] = {"rates": meta["rates"], "saturation_burst_r2": meta["saturation_burst_r2"]}
    meta["setup"]["predictor"] = SETUP["simulator"].split("; execution-time predictor: ")[1]
    meta["rates"] = {load: {"vidur_vllm": figures_} for load, figures_ in rates.items()}
    meta["saturation_burst_r2"] = {f"vidur_{scheduler}": figures_ for scheduler, figures_ in bursts.items()}
    path.write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
