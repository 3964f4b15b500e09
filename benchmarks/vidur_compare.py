"""tokenecon's serving model against Vidur on identical requests (Llama-2-70B, 2x A100, TP2).

Replays Vidur's workloads through one replica with the built-in profile ``llama2-70b-a100x2-tp2``,
``kv_cache_tokens: 53248`` and the given scheduler, and prints each figure beside Vidur's (every answer
from one training of Vidur's execution-time predictor, the one the profile's times come from):

- the decode-heavy reference (a 256-token prompt and 1,024 output tokens per request; Poisson at
  0.25, 0.45 and 0.62 requests/s, and an overload burst at 2 requests/s): TTFT and end-to-end
  p50/p95 and the saturated throughput (requests/s between the 20th and 80th percentile
  completion, as Vidur measures it);
- the other mixes of tests/data/vidur/workloads/ (prefill-heavy 4,000/96, Azure coding-trace
  lengths, half coding and half chat, three loads and a burst each; long outputs 500/2,000, short
  chat 200/150 and heavy-tailed lengths at two to four loads), against Vidur's `vllm`
  scheduler (``prefill_first``) or its `sarathi` scheduler with 512-token chunks (``chunked``):
  TTFT, time per output token and end-to-end p50/p95/p99, throughput and pre-emptions.

    python benchmarks/vidur_compare.py
    python benchmarks/vidur_compare.py --scheduler chunked
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import tokenecon

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "vidur"
LOADS = ("0.25", "0.45", "0.62")
VIDUR_SCHEDULER = {"prefill_first": "vllm", "chunked": "sarathi"}
FIGURES = tuple(f"{name}_p{q}" for name in ("ttft", "tpot", "e2e") for q in (50, 95, 99)) + ("req_s",)


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


def figures(arrived: np.ndarray, output: np.ndarray, ttft: np.ndarray, e2e: np.ndarray) -> dict[str, float]:
    """TTFT, time per output token after the first, end to end (p50/p95/p99), and requests/s between
    the 20th and 80th percentile completion; the same for Vidur's answers and tokenecon's."""
    finish = np.sort(arrived + e2e)
    lo, hi = int(0.2 * len(finish)), int(0.8 * len(finish))
    many = output > 1
    tpot = (e2e - ttft)[many] / (output[many] - 1)
    out = {f"{name}_p{q}": float(np.percentile(x, q)) for name, x in (("ttft", ttft), ("tpot", tpot), ("e2e", e2e))
           for q in (50, 95, 99)}
    out["req_s"] = (hi - lo) / float(finish[hi] - finish[lo])
    return out


def replay(workload: Path, scheduler: str, **performance) -> dict[str, float]:
    """tokenecon's figures and pre-emptions for one workload of tests/data/vidur/workloads/."""
    r = tokenecon.run(scenario(workload, scheduler, 40_000, **performance)).requests.sort_values("request_id")
    if (r["status"] != "completed").any():
        raise RuntimeError(f"{workload.name}: requests unfinished at the horizon")
    arrived = r["arrival_s"].to_numpy()
    out = figures(arrived, r["output_tokens"].to_numpy(), r["first_token_s"].to_numpy() - arrived,
                  r["finish_s"].to_numpy() - arrived)
    out["preemptions"] = int(r["preemptions"].sum())
    return out


def workload_names(data: Path = DATA, scheduler: str = "prefill_first") -> list[str]:
    vidur = json.loads((data / "vidur_workloads.json").read_text())["runs"]
    suffix = "_" + VIDUR_SCHEDULER[scheduler]
    return sorted(name[: -len(suffix)] for name in vidur if name.endswith(suffix))


def compare_workload(name: str, scheduler: str, data: Path = DATA) -> list[tuple[str, str, float, float]]:
    """Rows (case, figure, tokenecon, Vidur) of one workload under `scheduler` (prefill_first or chunked)."""
    meta = json.loads((data / "vidur_workloads.json").read_text())
    theirs = meta["runs"][f"{name}_{VIDUR_SCHEDULER[scheduler]}"]
    extra = {"chunk_tokens": meta["setup"]["sarathi_chunk_tokens"]} if scheduler == "chunked" else {}
    ours = replay(data / "workloads" / f"{name}.csv", scheduler, **extra)
    return [(name, figure, ours[figure], theirs[figure]) for figure in FIGURES + ("preemptions",)]


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
    # overlap has no KV memory and no attention term: a line through the profile's step at this workload's mean
    # context (767.5 tokens), which replaces its decode table
    extra = {"kv_cache_tokens": None, "decode_step_s": {"base": 0.055334, "per_sequence": 0.00026722,
                                                        "per_context_token": 0.0}} if args.scheduler == "overlap" else {}
    print(f"{'case':<14} {'figure':<16} {'tokenecon':>10} {'Vidur':>10} {'diff':>7}")
    for case, figure, ours, theirs in compare(args.data, args.scheduler, **extra):
        diff = f"{100 * (ours - theirs) / theirs:+6.1f}%" if theirs and figure != "preemptions" else ""
        print(f"{case:<14} {figure:<16} {ours:>10.4g} {theirs:>10.4g} {diff:>7}")
    if args.scheduler in VIDUR_SCHEDULER:
        print_workloads(args.data, args.scheduler)


def print_workloads(data: Path, scheduler: str) -> None:
    """One line per workload: tokenecon's difference from Vidur on every figure."""
    print(f"\nOther mixes against Vidur's {VIDUR_SCHEDULER[scheduler]} scheduler: tokenecon's difference in %"
          " (pre-emptions: tokenecon/Vidur)")
    heads = [f.replace("_p", " p").replace("req_s", "req/s") for f in FIGURES]
    print(f"{'workload':<17}" + "".join(f"{h:>9}" for h in heads) + f"{'preempt':>10}")
    for name in workload_names(data, scheduler):
        rows = {figure: (ours, theirs) for _, figure, ours, theirs in compare_workload(name, scheduler, data)}
        cells = "".join(f"{100 * (rows[f][0] - rows[f][1]) / rows[f][1]:>+8.1f}%" for f in FIGURES)
        ours, theirs = rows["preemptions"]
        print(f"{name:<17}{cells}{f'{ours:.0f}/{theirs:.0f}':>10}")


if __name__ == "__main__":
    main()
