"""Scaled simulation against the unscaled run; energy, carbon and growing fleets."""

from __future__ import annotations


import numpy as np
import pytest

import tokenecon

from .conftest import scenario_dict


def big(scale=1.0, duration="3h"):
    data = scenario_dict(duration=duration, report_interval="30min", scale=scale)
    data["providers"][0].update(replicas=20, gpus_per_replica=8, carbon_g_per_kwh=550, energy_price_per_kwh=0.1)
    data["customers"][0].update(count=50, arrivals={"type": "poisson", "rate": "20/s"})
    return tokenecon.scenario_from_dict(data)


# an hour (72,000 requests, a 7,200-request sample: the 5% bounds are 3-4 standard errors) in the inner
# loop, three hours in the long suite
@pytest.mark.parametrize("duration", ["1h", pytest.param("3h", marks=pytest.mark.slow)])
def test_scaled_run_estimates_the_full_run(duration):
    full = tokenecon.run(big(duration=duration)).summary()
    scaled = tokenecon.run(big(0.1, duration)).summary()
    assert scaled["scale"] == 0.1 and scaled["simulated_requests"] < 0.12 * full["requests_arrived"]
    # extensive totals scale back up (sampling error of a 10% sample: a few percent)
    for key in ("requests_arrived", "input_tokens", "output_tokens"):
        assert scaled[key] == pytest.approx(full[key], rel=0.05), key
    assert float(scaled["revenue"]) == pytest.approx(float(full["revenue"]), rel=0.05)
    # the fleet is scaled exactly (20 -> 2 replicas): GPU cost is the full fleet's
    assert scaled["gpu_cost"] == pytest.approx(full["gpu_cost"], rel=1e-9)
    assert scaled["energy_kwh"] == pytest.approx(full["energy_kwh"], rel=0.05)
    # intensive outputs are the smaller system's: utilization is close, latency tails differ (pooling)
    assert scaled["utilization"] == pytest.approx(full["utilization"], abs=0.05)


def test_energy_cost_and_carbon_by_hour():
    data = scenario_dict(duration="2h", report_interval="1h", start="2026-03-02T00:00:00+00:00")
    tariff = [0.05] * 24
    tariff[1] = 0.20
    data["providers"][0].update(energy_price_per_kwh=tariff, carbon_g_per_kwh=500, pue=1.5)
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    ts = result.timeseries
    assert np.allclose(ts["energy_cost"], ts["energy_kwh"] * np.asarray([0.05, 0.20]))
    assert np.allclose(ts["co2_kg"], ts["energy_kwh"] * 0.5)
    s = result.summary()
    assert s["co2_kg"] == pytest.approx(s["energy_kwh"] * 0.5)
    tokens = s["input_tokens"] + s["output_tokens"]
    assert s["kwh_per_million_tokens"] == pytest.approx(s["energy_kwh"] / tokens * 1e6)


def test_a_growing_fleet_comes_online_on_schedule():
    data = scenario_dict(duration="3h", report_interval="1h")
    data["providers"][0].update(replicas=1, replicas_schedule=[["0s", 1], ["1h", 3], ["2h", 5]],
                                performance={"prefill_tokens_per_s": 1e9,
                                             "decode_step_s": {"base": 1.0, "per_sequence": 0}, "max_batch": 1})
    data["customers"][0].update(arrivals={"type": "poisson", "rate": "3/s"},
                                output_tokens={"type": "fixed", "value": 3})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    ts = result.timeseries
    assert ts["gpus"].tolist() == [8, 24, 40] and ts["gpu_cost"].tolist() == pytest.approx([23.6, 70.8, 118.0])
    done = result.requests[result.requests["status"] == "completed"]
    per_hour = np.bincount((done["finish_s"] // 3600).astype(int), minlength=3)[:3]
    # one replica serves one request per 2 s: the throughput follows the fleet (1, 3, 5 replicas)
    assert per_hour.tolist() == pytest.approx([1800, 5400, 9000], rel=0.02)


def test_price_schedule_changes_list_prices():
    data = scenario_dict(duration="2h")
    data["pricing"] = {"std": {"type": "per_token", "input": 2, "output": 8,
                               "price_schedule": [["0s", 1], ["1h", 0.5]]}}
    data["customers"][0].update(input_tokens={"type": "fixed", "value": 1000},
                                output_tokens={"type": "fixed", "value": 100}, cache_hit_ratio=0)
    r = tokenecon.run(tokenecon.scenario_from_dict(data)).requests
    done = r[r["status"] == "completed"]
    early = done["arrival_s"] < 3600
    assert set(done.loc[early, "charge_exact"]) == {"0.0028"} and set(done.loc[~early, "charge_exact"]) == {"0.0014"}


@pytest.mark.slow
def test_national_scenario_passes_through_the_reported_figures(tmp_path):
    from .conftest import ROOT

    scenario = tokenecon.load_scenario(ROOT / "scenarios" / "china_token_economy_2024_2026.yaml")
    result = tokenecon.run(scenario)
    checks = result.milestones
    assert len(checks) == 4
    assert ((checks["ratio"] - 1).abs() < 0.10).all(), checks[["date", "ratio"]]
    s = result.summary()
    assert s["scale"] == 1.5e-7 and s["supply.gpus_needed_end"] > 100_000
    assert s["price_per_million_end"] < 1.0  # prices fell
    # the modelled fleet is the one this demand needs: all of its cost is the cost of serving it, in
    # the summary, per segment and per 1M tokens (the simulated sample's own fleet costs nothing)
    fleet = s["gpu_cost"] + s["energy_cost"]
    assert s["cost_to_serve"] == pytest.approx(fleet) and s["idle_cost"] == pytest.approx(0.0, abs=1e-6)
    segments = sum(float(s[k]) for k in s if k.startswith("cost_to_serve."))
    assert segments == pytest.approx(fleet, rel=1e-9)
    units = result.unit_economics
    tokens = units.loc[units["grouping"] == "prompt_length", "tokens"].sum()
    per_m = (units["cost_to_serve_per_1m_tokens"] * units["tokens"])[units["grouping"] == "prompt_length"].sum() / tokens
    assert per_m == pytest.approx(fleet / (tokens / s["scale"]) * 1e6, rel=1e-4) and per_m > 0
    out = tokenecon.write_run_folder(result, tmp_path / "national")
    assert (out / "national.png").exists() and (out / "milestones.csv").exists()
    assert not (out / "requests.csv").exists()  # outputs: {requests: false}
    assert not (out / "latency_over_time.png").exists()  # the stand-in fleet's latencies mean nothing
    assert "Time to first token" not in (out / "report.html").read_text(encoding="utf-8")
    from tokenecon.cli.run import _format_summary

    assert "TTFT" not in _format_summary(s) and "milestones" in _format_summary(s)  # nor does the terminal
