"""Customer behaviour against its formulas on constructed cases."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

import tokenecon
from tokenecon.progress import Phases

from .conftest import scenario_dict

FIXED = {"input_tokens": {"type": "fixed", "value": 900_000}, "output_tokens": {"type": "fixed", "value": 100_000}}


def provider(name, price):
    # serving is all but instant here, and request-level: the tests are about what customers send, and a
    # 900,000-token prompt would be 440 events under the chunked scheduler's 2,048-token iterations
    return {"name": name, "replicas": 50, "gpu": {"cost_per_hour": 1.0}, "price": price,
            "performance": {"prefill_tokens_per_s": 1e12, "decode_step_s": {"base": 1e-6, "per_sequence": 0},
                            "max_batch": None, "scheduler": "overlap"}}


def run(customer, pricing=None, providers=None, duration="2h", progress=None, **extra):
    data = scenario_dict(duration=duration, providers=providers or [provider("p1", "std")],
                         pricing=pricing or {"std": {"type": "per_token", "input": 2, "output": 2}}, **extra)
    data["customers"] = [{"name": "c", "arrivals": {"type": "poisson", "rate": "1/s"}, "providers": ["p1"],
                          **FIXED, **customer}]
    return tokenecon.run(tokenecon.scenario_from_dict(data), progress=progress or False)


def within(count, expected):
    return abs(count - expected) < 4 * math.sqrt(expected) + 1


@pytest.mark.parametrize("price,expected_multiplier", [(2, 0.5), (0.5, 2.0), (1, 1.0)])
def test_constant_elasticity(price, expected_multiplier):
    # every request costs `price` per 1M tokens; reference 1, elasticity -1: demand x (price / 1) ^ -1
    result = run({"elasticity": {"elasticity": -1, "reference_price": 1, "max_multiplier": 4}},
                 pricing={"std": {"type": "per_token", "input": price, "output": price}})
    assert within(len(result.requests), 7200 * expected_multiplier), len(result.requests)


def test_logit_choice_matches_its_formula():
    pricing = {"cheap": {"type": "per_token", "input": 1, "output": 1},
               "dear": {"type": "per_token", "input": 2, "output": 2}}
    result = run({"providers": ["p1", "p2"], "routing": "logit",
                  "choice": {"beta_price": -1.0, "beta_latency": -0.5, "latency_s": {"p1": 2.0, "p2": 0.0}}},
                 pricing=pricing, providers=[provider("p1", "cheap"), provider("p2", "dear")])
    # U1 = -1 x 1 - 0.5 x 2 = -2, U2 = -1 x 2 - 0 = -2: an even split
    counts = result.requests["provider"].value_counts()
    n = len(result.requests)
    assert abs(counts["p1"] / n - 0.5) < 4 * math.sqrt(0.25 / n)
    result = run({"providers": ["p1", "p2"], "routing": "logit", "choice": {"beta_price": -1.0}},
                 pricing=pricing, providers=[provider("p1", "cheap"), provider("p2", "dear")])
    p1 = math.exp(-1) / (math.exp(-1) + math.exp(-2))
    counts = result.requests["provider"].value_counts()
    assert abs(counts["p1"] / len(result.requests) - p1) < 4 * math.sqrt(p1 * (1 - p1) / len(result.requests))


def test_sticky_accounts_stay_with_one_provider():
    pricing = {"std": {"type": "per_token", "input": 1, "output": 1}}
    result = run({"count": 400, "providers": ["p1", "p2"], "routing": "sticky",
                  "choice": {"shares": {"p1": 0.8, "p2": 0.2}}},
                 pricing=pricing, providers=[provider("p1", "std"), provider("p2", "std")])
    per_account = result.requests.groupby("customer")["provider"].nunique()
    assert (per_account == 1).all()
    share = (result.requests.groupby("customer")["provider"].first() == "p1").mean()
    assert abs(share - 0.8) < 4 * math.sqrt(0.16 / 400)


def test_budget_stops_and_resets_each_period():
    # each request costs 1,000,000 tokens x 2 per 1M = 2.00; a 10.00 budget allows 5 per day
    # 1,728 requests a day (576 an account): far beyond the 5 the budget allows
    result = run({"count": 3, "budget": {"amount": 10, "action": "stop"},
                  "arrivals": {"type": "poisson", "rate": "0.02/s"}}, duration="3d", billing_period="day")
    r = result.requests
    sent = r[r["reason"] != "budget_exhausted"]
    per_day = sent.groupby([sent["customer"], (sent["arrival_s"] // 86400).astype(int)]).size()
    assert (per_day == 5).all() and len(per_day) == 9
    assert (r.loc[r["reason"] == "budget_exhausted", "charge_exact"] == "0").all()


def test_budget_downgrade_moves_the_rest_of_the_period():
    pricing = {"dear": {"type": "per_token", "input": 2, "output": 2},
               "cheap": {"type": "per_token", "input": 1, "output": 1}}
    result = run({"budget": {"amount": 10, "action": "downgrade", "downgrade_to": "p2"}, "routing": "round_robin",
                  "providers": ["p1"], "arrivals": {"type": "poisson", "rate": "0.05/s"}}, pricing=pricing,
                 providers=[provider("p1", "dear"), provider("p2", "cheap")], duration="1d", billing_period="day")
    r = result.requests.sort_values("arrival_s")
    assert r["provider"].iloc[:5].tolist() == ["p1"] * 5 and set(r["provider"].iloc[5:]) == {"p2"}


@pytest.mark.slow
def test_flexible_demand_moves_into_the_discount_window():
    pricing = {"std": {"type": "per_token", "input": 2, "output": 2, "time_of_use": {
        "timezone": "UTC", "windows": [{"start": "02:00", "end": "06:00", "multipliers": {"all": 0.5}}]}}}
    base = run({}, pricing=pricing, duration="2d")
    moved = run({"flexible": {"share": 0.5, "max_delay": "24h", "spread": "30min"}}, pricing=pricing, duration="2d")
    assert len(base.requests) == len(moved.requests)  # same draws: nothing lost, only moved
    t = moved.requests["arrival_s"].to_numpy()
    hour = (t % 86400) / 3600
    in_window = ((hour >= 2) & (hour < 6)).mean()
    # natural 8 h of 48 in the window, plus half of the arrivals whose next window starts within the
    # horizon and 24 h: those in [0 h, 2 h) and [6 h, 26 h); after 30 h the next window is past the end
    assert abs(in_window - (8 / 48 + 0.5 * 22 / 48)) < 0.02
    # moved requests land in the first 30 minutes of a window; the rest of the day only loses them
    before = base.requests["arrival_s"].to_numpy()
    movable = ((before < 2 * 3600) | ((before >= 6 * 3600) & (before < 26 * 3600))).sum()
    gained = (((hour >= 2) & (hour < 2.5)).sum() - (((before % 86400) / 3600 >= 2) & ((before % 86400) / 3600 < 2.5)).sum())
    assert abs(gained - 0.5 * movable) < 4 * math.sqrt(0.25 * movable)
    assert (((hour >= 2.5) & (hour < 6)).sum() == (((before % 86400) / 3600 >= 2.5) & ((before % 86400) / 3600 < 6)).sum())


def test_exponential_growth_doubles_daily():
    result = run({"arrivals": {"type": "poisson", "rate": "0.05/s",
                               "growth": {"type": "exponential", "rate": 1.0, "per": "1d"}}}, duration="2d")
    t = result.requests["arrival_s"]
    day1, day2 = (t < 86400).sum(), (t >= 86400).sum()
    expected1 = 0.05 * 86400 / math.log(2)  # integral of 2^(t/day) over the first day
    assert within(day1, expected1) and within(day2, 2 * expected1)


def test_piecewise_and_logistic_growth():
    from tokenecon.demand.behaviour import growth_multiplier
    from tokenecon.scenario import LogisticGrowth, PiecewiseGrowth

    piecewise = PiecewiseGrowth(type="piecewise", points=[("0s", 1), ("1d", 3), ("2d", 2)])
    assert growth_multiplier(piecewise, np.array([0, 43200, 86400, 129600, 10 * 86400])).tolist() == [1, 2, 3, 2.5, 2]
    logistic = LogisticGrowth(type="logistic", ceiling=10, midpoint="30d", steepness="5d")
    values = growth_multiplier(logistic, np.array([0, 30 * 86400, 365 * 86400]))
    assert values[0] == pytest.approx(1.0) and values[1] > 4 and values[2] == pytest.approx(10 / values[0] * values[0]
                                                                                            / (1 + 9 / (1 + math.exp(6))), rel=1e-3)


def test_a_logistic_step_far_steeper_than_its_midpoint_is_a_step_not_an_overflow():
    from tokenecon.demand.behaviour import growth_multiplier
    from tokenecon.scenario import LogisticGrowth

    step = LogisticGrowth(type="logistic", ceiling=4, midpoint="1h", steepness="1ms")  # midpoint / steepness = 3.6e6
    with np.errstate(over="raise"):
        values = growth_multiplier(step, np.array([0.0, 3599.0, 3601.0, 7200.0]))
    assert values.tolist() == [1.0, 1.0, 4.0, 4.0]

def test_elastic_demand_answers_the_surge_price():
    slow = dict(provider("p1", "std"), replicas=1,
                performance={"prefill_tokens_per_s": 1e9, "decode_step_s": {"base": 0.01, "per_sequence": 0},
                             "max_batch": 2})  # 1 request/s of 1 s each on 2 slots: half loaded
    sizes = {"input_tokens": {"type": "fixed", "value": 100}, "output_tokens": {"type": "fixed", "value": 100}}
    customer = {"elasticity": {"elasticity": -1.5, "reference_price": "list", "max_multiplier": 1}, **sizes}
    flat = {"std": {"type": "per_token", "input": 2, "output": 2}}
    surge = {"std": {"type": "per_token", "input": 2, "output": 2,
                     "surge": {"threshold": 0.3, "slope": 4, "cap": 3, "step": 0.1, "smoothing": "10min"}}}
    base = run(customer, pricing=flat, providers=[slow], duration="2h", report_interval="10min")
    phases = Phases("tiny", stream=io.StringIO())
    answered = run(customer, pricing=surge, providers=[slow], duration="2h", report_interval="10min",
                   progress=phases)
    s = answered.summary()
    assert s["surge_response_passes"] >= 2
    said = phases.stream.getvalue().splitlines()  # each pass is told apart in the progress lines
    assert [line for line in said if line.endswith("...") and "simulating" in line] == [
        f"tiny [2/5] simulating (surge pass {k} of up to 5)..." for k in range(1, s["surge_response_passes"] + 1)]
    assert answered.timeseries["price_multiplier"].max() > 1
    assert len(answered.requests) < 0.9 * len(base.requests)  # customers sent less at surge prices


def test_list_reference_elasticity_follows_time_of_use():
    pricing = {"std": {"type": "per_token", "input": 2, "output": 2, "time_of_use": {
        "timezone": "UTC", "windows": [{"start": "00:00", "end": "01:00", "multipliers": {"all": 0.5}}]}}}
    result = run({"elasticity": {"elasticity": -1, "reference_price": "list", "max_multiplier": 2}},
                 pricing=pricing)
    t = result.requests["arrival_s"]
    first, second = (t < 3600).sum(), (t >= 3600).sum()
    assert within(first, 7200) and within(second, 3600)  # half price: twice the demand
