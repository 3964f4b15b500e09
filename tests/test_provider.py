"""Provider behaviour: admission, rate limits, queue limits and timeouts, routing, energy."""

from __future__ import annotations

import numpy as np

import tokenecon
from tokenecon.demand import build_workload

from .conftest import scenario_dict

ONE_ACCOUNT = {
    "name": "c1",
    "arrivals": {"type": "poisson", "rate": "10/s"},
    "input_tokens": {"type": "fixed", "value": 1000},
    "output_tokens": {"type": "fixed", "value": 1},
    "providers": ["p1"],
}


def provider(**changes):
    base = {
        "name": "p1", "replicas": 4, "gpu": {"cost_per_hour": 1.0},
        "performance": {"prefill_tokens_per_s": 1e9, "decode_step_s": {"base": 0.01, "per_sequence": 0.0},
                        "max_batch": 64},
        "price": "std",
    }
    base.update(changes)
    return base


def run(**changes):
    return tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(**changes)))


def test_rpm_limit_is_a_token_bucket_of_one_minute():
    result = run(duration="1h", providers=[provider(rate_limits={"rpm": 60})], customers=[ONE_ACCOUNT])
    r = result.requests
    admitted = (r["status"] == "completed").sum()
    # full bucket of 60 at the start, then 1 per second for 3600 s
    assert 3600 <= admitted <= 3660
    assert set(r.loc[r["status"] == "rejected", "reason"]) == {"rate_limit_rpm"}


def test_tpm_limit_counts_input_and_output_tokens():
    result = run(duration="1h", providers=[provider(rate_limits={"tpm": 10_010})], customers=[ONE_ACCOUNT])
    r = result.requests
    admitted = (r["status"] == "completed").sum()
    expected = (10_010 + 3600 * 10_010 / 60) / 1001  # bucket plus refill, 1001 tokens per request
    assert expected - 2 <= admitted <= expected + 1
    assert set(r.loc[r["status"] == "rejected", "reason"]) == {"rate_limit_tpm"}


def test_rate_limits_apply_per_account():
    two = dict(ONE_ACCOUNT, count=2)
    result = run(duration="1h", providers=[provider(rate_limits={"rpm": 60})], customers=[two])
    done = result.requests[result.requests["status"] == "completed"]
    per_account = done["customer"].value_counts()
    assert len(per_account) == 2 and (per_account >= 3600).all()


def test_full_queue_rejects():
    slow = provider(replicas=1, performance={"prefill_tokens_per_s": 1e9,
                                             "decode_step_s": {"base": 1.0, "per_sequence": 0.0}, "max_batch": 1},
                    queue={"max_waiting": 5})
    customer = dict(ONE_ACCOUNT, arrivals={"type": "poisson", "rate": "1/s"},
                    output_tokens={"type": "fixed", "value": 3})
    result = run(duration="10min", providers=[slow], customers=[customer])
    r = result.requests
    assert (r["reason"] == "queue_full").sum() > 0
    assert result.timeseries["queue_length"].max() <= 5


def test_queue_timeout_leaves_at_the_deadline():
    slow = provider(replicas=1, performance={"prefill_tokens_per_s": 1e9,
                                             "decode_step_s": {"base": 1.0, "per_sequence": 0.0}, "max_batch": 1},
                    queue={"timeout": "30s"})
    customer = dict(ONE_ACCOUNT, arrivals={"type": "poisson", "rate": "1/s"},
                    output_tokens={"type": "fixed", "value": 3})
    result = run(duration="10min", providers=[slow], customers=[customer])
    r = result.requests
    timed_out = r[r["status"] == "timed_out"]
    assert len(timed_out) > 100
    assert np.allclose(timed_out["finish_s"] - timed_out["arrival_s"], 30.0)
    assert (timed_out["reason"] == "queue_timeout").all() and timed_out["start_s"].isna().all()
    started = r[r["start_s"].notna()]
    assert ((started["start_s"] - started["arrival_s"]) <= 30.0 + 1e-9).all()
    # served one at a time: 2 decode steps of 1 s after an instant prefill
    done = r[r["status"] == "completed"]
    assert np.allclose(done["finish_s"] - done["start_s"], 2.0)


def bare_provider(*, base, per_sequence, arrival, uncached, output, scheduler="overlap", **performance):
    """A real Provider on one replica (8 slots, 1,000 prefill tokens/s) in a bare SimPy environment."""
    from array import array

    import simpy

    from tokenecon.scenario import ProviderSpec
    from tokenecon.sim.provider import Provider
    from tokenecon.sim.records import Records

    spec = ProviderSpec.model_validate(provider(
        replicas=1, performance={"prefill_tokens_per_s": 1000.0, "scheduler": scheduler,
                                 "decode_step_s": {"base": base, "per_sequence": per_sequence}, "max_batch": 8,
                                 **performance}))
    env = simpy.Environment()
    records = Records(len(arrival))
    total = [u + o for u, o in zip(uncached, output)]
    p = Provider(env, 0, spec, records, arrival=array("d", arrival), account=array("i", [0] * len(arrival)),
                 prompt=array("q", uncached), uncached=array("q", uncached), output=array("q", output),
                 total_tokens=array("q", total),
                 accounts=1)
    return env, records, p


def test_continuous_batch_shared_clock_by_hand():
    """Two sequences on one replica, t(b) = 0.02 + 0.01 b, prefill instant.

    A (101 output tokens) arrives at 0: first token at 0, then decodes alone at 0.03 s/step.
    B (51 output tokens) arrives at 1: A has 1/0.03 = 33.33 tokens; both now step at 0.04 s.
    B needs 50 tokens: done at 1 + 50 * 0.04 = 3.0, when A has 83.33; A's last 16.67 tokens
    at 0.03 s/step: done at 3.5.
    """
    env, records, p = bare_provider(base=0.02, per_sequence=0.01, arrival=[0.0, 1.0], uncached=[0, 0],
                                    output=[101, 51])

    def source():
        p.arrive(0, env.now)
        yield env.timeout(1.0)
        p.arrive(1, env.now)

    env.process(source())
    env.run()
    assert list(records.first_token_s) == [0.0, 1.0]
    assert np.allclose(list(records.finish_s), [3.5, 3.0])
    assert list(records.status) == [1, 1]
    replica = p.replicas[0]
    assert replica.load == 0 and np.isclose(replica.busy_until(env.now), 3.5)
    assert np.isclose(replica.area_until(env.now), 3.5 + 2.0)  # sequence-seconds in slots


def test_prefill_is_first_come_first_served_per_replica():
    env, records, p = bare_provider(base=0.01, per_sequence=0.0, arrival=[0.0, 0.0], uncached=[2000, 500],
                                    output=[1, 1])
    p.arrive(0, 0.0)
    p.arrive(1, 0.0)
    env.run()
    assert list(records.first_token_s) == [2.0, 2.5]  # the second waits for the first prefill
    assert list(records.finish_s) == [2.0, 2.5]  # one output token: done at the first token
    assert np.isclose(p.replicas[0].prefill_until(env.now), 2.5)


def test_routing_rules():
    cheap = {"type": "per_token", "input": 0.5, "output": 1.0}
    pricey = {"type": "per_token", "input": 5, "output": 10}
    providers = [provider(name="a", price="pricey"), provider(name="b", price="cheap")]
    pricing = {"cheap": cheap, "pricey": pricey}
    for routing, check in (
        ("cheapest", lambda counts: counts == {"b": counts["b"]}),
        ("round_robin", lambda counts: abs(counts["a"] - counts["b"]) <= 1),
        ("least_loaded", lambda counts: min(counts.values()) > 0.3 * sum(counts.values())),
    ):
        customer = dict(ONE_ACCOUNT, providers=["a", "b"], routing=routing)
        result = run(duration="10min", providers=providers, pricing=pricing, customers=[customer])
        counts = result.requests["provider"].value_counts().to_dict()
        assert check(counts), (routing, counts)


def test_energy_and_gpu_cost_of_an_idle_fleet():
    idle = provider(replicas=2, gpus_per_replica=8, gpu={"cost_per_hour": 2.5, "power_w": {"idle": 100, "busy": 700}},
                    pue=1.5)
    customer = dict(ONE_ACCOUNT, arrivals={"type": "poisson", "rate": "1/d"})
    result = run(duration="2h", seed=2, providers=[idle], customers=[customer])
    s = result.summary()
    assert s["gpu_cost"] == 2 * 8 * 2.5 * 2
    busy = result.timeseries["busy_s"].sum()
    expected = 8 * (busy * 700 + (2 * 7200 - busy) * 100) * 1.5 / 3.6e6
    assert abs(s["energy_kwh"] - expected) < 1e-6
    assert abs(s["energy_kwh"] - 16 * 100 * 2 * 1.5 / 1000) < 0.01  # essentially idle


def test_profile_shapes_arrivals_by_local_hour():
    customer = dict(ONE_ACCOUNT, arrivals={"type": "poisson", "rate": "2/s", "profile": "office_hours"})
    scenario = tokenecon.scenario_from_dict(scenario_dict(duration="24h", start="2026-03-02T00:00:00+08:00",
                                                         providers=[provider()], customers=[customer]))
    # the arrivals as drawn for the run (the event loop takes them as they are: 172,800 requests need no serving)
    hours = (build_workload(scenario).arrival_s // 3600).astype(int)
    per_hour = np.bincount(hours, minlength=24)
    office, night = per_hour[9:18].mean(), np.r_[per_hour[:9], per_hour[18:]].mean()
    assert 3.7 < office / night < 4.3
    assert abs(per_hour.sum() - 2 * 86400) < 5 * np.sqrt(2 * 86400)
