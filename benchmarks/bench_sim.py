"""Simulator speed against bare SimPy, side by side in one process.

Both simulate the same requests (the same Poisson arrival times, service = output tokens x a
fixed step) on c servers:
- bare SimPy: the textbook M/M/c model, one process per request on a `simpy.Resource`;
- tokenecon: `tokenecon.run` end to end (demand draws, admission, replicas with continuous
  batching, billing of every request), with `per_sequence: 0` and `max_batch: c` so that both
  models are the same queue.
Prints requests per second of each, the ratio, and bytes per stored request record; then the
same run with the iteration-level schedulers (`prefill_first`, `chunked`) against the same bare
SimPy time (the main line uses `overlap`).

    python benchmarks/bench_sim.py            # 100k and 1M requests
    python benchmarks/bench_sim.py --sizes 100000
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import simpy

import tokenecon

SERVERS = 8
STEP = 0.001  # seconds per output token
MEAN_TOKENS = 200


COMPLEX_PRICING = {
    # graduated context tiers + time-of-use windows + service tiers + surge, and a plan with every allowance
    "type": "context_tiers", "mode": "graduated",
    "tiers": [{"up_to": 128, "input": 2.5, "cached_input": 1.25, "output": 10},
              {"up_to": None, "input": 5, "cached_input": 2.5, "output": 15}],
    "time_of_use": {"timezone": "Asia/Shanghai", "windows": [
        {"start": "00:30", "end": "08:30", "multipliers": {"all": 0.5}},
        {"start": "10:00", "end": "12:00", "days": "weekdays", "multipliers": {"input": 1.5, "output": 1.25}}]},
    "service_tiers": {"priority": 2, "batch": 0.5},
    "surge": {"threshold": 0.5, "slope": 2, "cap": 2, "step": 0.05, "smoothing": "1h"},
}
COMPLEX_PLAN = {
    "free_quota": {"tokens": 100_000, "valid_for": "30d"},
    "subscription": {"fee": 20, "included_tokens": 1_000_000},
    "packages": [{"tokens": 2_000_000, "price": 15, "valid_for": "30d"}],
    "credits": [{"amount": 5, "kind": "granted"}, {"amount": 20, "kind": "paid"}],
    "minimum_commitment": 50,
}


def scenario_for(requests: int, complex_pricing: bool = False, scheduler: str = "overlap"):
    mean_service = (MEAN_TOKENS - 0.5) * STEP
    rate = 0.8 * SERVERS / mean_service  # utilization 0.8
    hours = requests / rate / 3600
    return tokenecon.scenario_from_dict({
        "name": "bench", "seed": 1, "duration": f"{hours:.6f}h", "report_interval": f"{hours / 24:.6f}h",
        "providers": [{
            "name": "p", "replicas": 1, "gpu": {"cost_per_hour": 2.0},
            "performance": {"prefill_tokens_per_s": 1e12, "decode_step_s": {"base": STEP, "per_sequence": 0.0},
                            "max_batch": SERVERS, "scheduler": scheduler},
            "price": "std",
        }],
        "pricing": {"std": COMPLEX_PRICING if complex_pricing else {"type": "per_token", "input": 2.5, "output": 10}},
        "plans": {"full": COMPLEX_PLAN} if complex_pricing else {},
        "customers": [{
            "name": "c", "count": 100, "arrivals": {"type": "poisson", "rate": f"{rate}/s"},
            "input_tokens": {"type": "fixed", "value": 1},
            "output_tokens": {"type": "exponential", "mean": MEAN_TOKENS},
            "cache_hit_ratio": 0.0,
            "providers": ["p"],
            **({"plan": "full"} if complex_pricing else {}),
        }],
    })


def bare_simpy(arrivals: list[float], services: list[float]) -> float:
    """Textbook M/M/c in SimPy; returns the mean wait (so the work cannot be skipped)."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    waits = []

    def customer(arrival: float, service: float):
        with servers.request() as slot:
            yield slot
            waits.append(env.now - arrival)
            yield env.timeout(service)

    def source():
        now = 0.0
        for arrival, service in zip(arrivals, services):
            yield env.timeout(arrival - now)
            now = arrival
            env.process(customer(arrival, service))

    env.process(source())
    env.run()
    return sum(waits) / len(waits)


def bench(requests: int) -> None:
    scenario = scenario_for(requests)
    gc.collect()
    began = time.perf_counter()
    result = tokenecon.run(scenario)
    ours = time.perf_counter() - began
    n = len(result.workload)
    arrivals = result.workload.arrival_s.tolist()
    # the same service times tokenecon served: (output - 1) decode steps after an instant prefill
    services = ((result.workload.output_tokens - 1) * STEP).tolist()
    gc.collect()
    began = time.perf_counter()
    bare_wait = bare_simpy(arrivals, services)
    bare = time.perf_counter() - began
    ours_wait = result.summary()["wait_mean_s"]

    stored = result.sim.records.nbytes() + sum(
        getattr(result.workload, c).nbytes
        for c in ("arrival_s", "account", "segment", "input_tokens", "cached_input_tokens", "output_tokens",
                  "reasoning_tokens", "cache_write_tokens", "cache_write_1h_tokens", "service_tier"))
    gc.collect()
    began = time.perf_counter()
    tokenecon.run(scenario_for(requests, complex_pricing=True))
    complex_s = time.perf_counter() - began
    tracemalloc.start()
    tokenecon.run(scenario)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{n:>9,} requests | bare SimPy {n / bare:>9,.0f} req/s | tokenecon {n / ours:>9,.0f} req/s "
          f"| ratio {bare / ours:.2f} | with the most complex pricing {n / complex_s:>9,.0f} req/s, "
          f"ratio {bare / complex_s:.2f} | stored record {stored / n:.0f} B/request "
          f"| peak traced memory {peak / n:.0f} B/request "
          f"| mean wait {bare_wait:.4f} s (SimPy) vs {ours_wait:.4f} s (tokenecon)")
    for scheduler in ("prefill_first", "chunked"):  # iteration-level: one event per run of iterations
        gc.collect()
        began = time.perf_counter()
        other = tokenecon.run(scenario_for(requests, scheduler=scheduler))
        took = time.perf_counter() - began
        print(f"{'':>9}   scheduler {scheduler:<13} | tokenecon {n / took:>9,.0f} req/s | ratio {bare / took:.2f} "
              f"| mean wait {other.summary()['wait_mean_s']:.4f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    for size in args.sizes:
        bench(size)


if __name__ == "__main__":
    main()
