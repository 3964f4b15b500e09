"""tokenecon's serving model against Vidur on identical requests (Llama-2-70B, 2x A100, TP2).

Replays Vidur's workloads (a 256-token prompt and 1,024 output tokens per request; Poisson at
0.25, 0.45 and 0.62 requests/s, and an overload burst at 2 requests/s) through one replica with
the built-in profile ``llama2-70b-a100x2-tp2``, ``kv_cache_tokens: 53248`` and the given
scheduler, and prints TTFT and end-to-end p50/p95 and the saturated throughput (requests/s
between the 20th and 80th percentile completion, as Vidur measures it) beside Vidur's.

    python benchmarks/vidur_compare.py
    python benchmarks/vidur_compare.py --scheduler chunked --data tests/data/vidur
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import tokenecon

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "vidur"
LOADS = ("0.25", "0.45", "0.62")


def scenario(workload: Path, scheduler: str, horizon_s: float, **performance):
    return tokenecon.scenario_from_dict({
        "name": f"vidur_{workload.stem}", "seed": 1, "duration": f"{horizon_s:.0f}s", "report_interval": "1h",
        "providers": [{
            "name": "a100x2", "replicas": 1, "gpus_per_replica": 2, "gpu": {"type": "A100", "cost_per_hour": 2.21},
            "performance": {"profile": "llama2-70b-a100x2-tp2", "scheduler": scheduler, "kv_cache_tokens": 53248,
                            **performance},
            "price": "list",
        }],
        "pricing": {"list": {"type": "per_token", "input": 1, "output": 1}},
        "customers": [{
            "name": "vidur", "cache_hit_ratio": 0.0, "providers": ["a100x2"],
            "arrivals": {"type": "trace", "path": str(workload), "format": "csv", "time_unit": "s",
                         "columns": {"time": "arrived_at", "input": "num_prefill_tokens",
                                     "output": "num_decode_tokens"}},
        }],
    })


def measure(workload: Path, scheduler: str, horizon_s: float, **performance) -> dict[str, float]:
    """TTFT and end-to-end percentiles, saturated throughput and pre-emptions of one replay."""
    r = tokenecon.run(scenario(workload, scheduler, horizon_s, **performance)).requests
    done = r[r["status"] == "completed"]
    if len(done) < len(r):
        raise RuntimeError(f"{workload.name}: {len(r) - len(done)} of {len(r)} requests unfinished at the horizon")
    ttft = (done["first_token_s"] - done["arrival_s"]).to_numpy()
    e2e = (done["finish_s"] - done["arrival_s"]).to_numpy()
    finish = np.sort(done["finish_s"].to_numpy())
    lo, hi = int(0.2 * len(finish)), int(0.8 * len(finish))
    return {
        "ttft_p50": float(np.percentile(ttft, 50)), "ttft_p95": float(np.percentile(ttft, 95)),
        "e2e_p50": float(np.percentile(e2e, 50)), "e2e_p95": float(np.percentile(e2e, 95)),
        "req_s": (hi - lo) / float(finish[hi] - finish[lo]),
        "preemptions": int(done["preemptions"].sum()),
    }


def compare(data: Path = DATA, scheduler: str = "prefill_first", **performance) -> list[tuple[str, str, float, float]]:
    """Rows (case, figure, tokenecon, Vidur)."""
    vidur = json.loads((data / "vidur_metrics.json").read_text())
    rows = []
    for load in LOADS:
        ours = measure(data / f"requests_r{load}.csv", scheduler, 30_000, **performance)
        theirs = vidur["rates"][load]["vidur_vllm"]
        for figure in ("ttft_p50", "ttft_p95", "e2e_p50", "e2e_p95"):
            rows.append((f"{load} req/s", figure, ours[figure], theirs[figure]))
        rows.append((f"{load} req/s", "preemptions", ours["preemptions"], theirs["restarts"]))
    burst = measure(data / "burst_r2.csv", scheduler, 20_000, **performance)
    theirs = vidur["saturation_burst_r2"]["vidur_sarathi" if scheduler == "chunked" else "vidur_vllm"]
    rows.append(("burst 2 req/s", "saturated req/s", burst["req_s"], theirs["req_s"]))
    rows.append(("burst 2 req/s", "preemptions", burst["preemptions"], theirs["restarts"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--scheduler", default="prefill_first", choices=["prefill_first", "chunked", "overlap"])
    args = parser.parse_args()
    # overlap has no KV memory and no attention term: the profile's step at this workload's mean context
    extra = {"kv_cache_tokens": None, "decode_step_s": {"base": 0.057536, "per_sequence": 0.00019571,
                                                        "per_context_token": 0.0}} if args.scheduler == "overlap" else {}
    print(f"{'case':<14} {'figure':<16} {'tokenecon':>10} {'Vidur':>10} {'diff':>7}")
    for case, figure, ours, theirs in compare(args.data, args.scheduler, **extra):
        diff = f"{100 * (ours - theirs) / theirs:+6.1f}%" if theirs and figure != "preemptions" else ""
        print(f"{case:<14} {figure:<16} {ours:>10.4g} {theirs:>10.4g} {diff:>7}")


if __name__ == "__main__":
    main()
