"""The provider model against queueing theory.

Each test simulates long enough for a tight estimate and compares the simulated mean with the
closed form. The tolerance is 4 standard errors estimated by batch means (20 batches after a
warm-up), which absorbs the autocorrelation of waiting times; a wrong model misses by far more.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tokenecon
from tokenecon.demand.sizes import draw_sizes
from tokenecon.demand.streams import stream
from tokenecon.scenario import ExponentialSize, LognormalSize

from .conftest import scenario_dict


def erlang_c_wait(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean waiting time in queue of M/M/c."""
    a = arrival_rate * mean_service  # offered load in Erlangs
    rho = a / servers
    terms = sum(a**k / math.factorial(k) for k in range(servers))
    top = a**servers / math.factorial(servers) / (1 - rho)
    prob_wait = top / (terms + top)
    return prob_wait * mean_service / (servers * (1 - rho))


def batch_means(values: np.ndarray, batches: int = 20) -> tuple[float, float]:
    """Mean and its standard error by the method of batch means."""
    usable = len(values) - len(values) % batches
    means = values[:usable].reshape(batches, -1).mean(axis=1)
    return float(values.mean()), float(means.std(ddof=1) / math.sqrt(batches))


def decode_seconds(spec, step: float, seed: int, name: str) -> float:
    """E[S] of the decode phase: (output tokens - 1) x step time, from a large sample of the size law."""
    sizes = draw_sizes(spec, 2_000_000, stream(seed, "probe", name))
    return float((sizes - 1).mean() * step)


def single_server_scenario(*, rate: float, output, base: float, per_sequence: float, max_batch, hours: float,
                           scheduler: str = "overlap"):
    return tokenecon.scenario_from_dict(scenario_dict(
        name="queueing",
        duration=f"{hours}h",
        report_interval="1h",
        providers=[{
            "name": "p1",
            "replicas": 1,
            "gpu": {"cost_per_hour": 1.0},
            # prefill of one token at 1e12 tokens/s: negligible, so service = decode time
            "performance": {"prefill_tokens_per_s": 1e12, "scheduler": scheduler,
                            "decode_step_s": {"base": base, "per_sequence": per_sequence},
                            "max_batch": max_batch},
            "price": "std",
        }],
        customers=[{
            "name": "c1",
            "arrivals": {"type": "poisson", "rate": f"{rate}/s"},
            "input_tokens": {"type": "fixed", "value": 1},
            "output_tokens": output,
            "providers": ["p1"],
        }],
    ))


# prefill_first with an instant prefill and unbounded KV memory is the same queue, served iteration
# by iteration (a request joins the batch at the end of the step in progress)
SCHEDULERS = pytest.mark.parametrize("scheduler", ["overlap", "prefill_first"])


@pytest.mark.slow
@SCHEDULERS
def test_mmc_mean_wait_matches_erlang_c(scheduler):
    servers, step, mean_tokens = 4, 0.001, 1000.0
    mean_service = decode_seconds(ExponentialSize(type="exponential", mean=mean_tokens), step, 3, "mmc")
    rate = 0.8 * servers / mean_service  # utilization 0.8
    scenario = single_server_scenario(rate=rate, output={"type": "exponential", "mean": mean_tokens},
                                      base=step, per_sequence=0.0, max_batch=servers, hours=40, scheduler=scheduler)
    requests = tokenecon.run(scenario).requests
    served = requests[requests["start_s"].notna()]
    waits = (served["start_s"] - served["arrival_s"]).to_numpy()[len(served) // 20:]  # drop warm-up
    mean, se = batch_means(waits)
    expected = erlang_c_wait(rate, mean_service, servers)
    assert len(waits) > 100_000
    assert abs(mean - expected) < 4 * se, (mean, expected, se)
    assert se / expected < 0.05  # the estimate is tight enough to mean something


@pytest.mark.slow
@SCHEDULERS
def test_ps_mean_response_matches_mg1_ps_for_lognormal_sizes(scheduler):
    k = 0.002  # seconds per token of total decode work: t(b) = k * b
    size = {"type": "lognormal", "median": 200, "p90": 1500}
    mean_service = decode_seconds(LognormalSize(**size), k, 5, "ps")
    rate = 0.7 / mean_service  # utilization 0.7
    scenario = single_server_scenario(rate=rate, output=size, base=0.0, per_sequence=k,
                                      max_batch=None, hours=60, scheduler=scheduler)
    requests = tokenecon.run(scenario).requests
    done = requests[requests["status"] == "completed"]
    response = (done["finish_s"] - done["arrival_s"]).to_numpy()[len(done) // 20:]
    mean, se = batch_means(response)
    expected = mean_service / (1 - 0.7)
    assert len(response) > 50_000
    assert abs(mean - expected) < 4 * se, (mean, expected, se)
    assert se / expected < 0.05


def test_ps_is_insensitive_to_size_distribution_but_fcfs_is_not():
    """The same mean size under PS gives the same mean response; heavy tails hurt FCFS (M/G/1 P-K)."""
    k = 0.002
    size = {"type": "lognormal", "median": 200, "p90": 1500}
    mean_service = decode_seconds(LognormalSize(**size), k, 5, "ps")
    rate = 0.7 / mean_service
    fcfs = single_server_scenario(rate=rate, output=size, base=k, per_sequence=0.0, max_batch=1, hours=60)
    requests = tokenecon.run(fcfs).requests
    done = requests[requests["status"] == "completed"]
    fcfs_response = float((done["finish_s"] - done["arrival_s"]).mean())
    # lognormal with sigma ~1.56 has CV^2 ~ 10: Pollaczek-Khinchine predicts a far longer response
    assert fcfs_response > 2.0 * mean_service / (1 - 0.7)
