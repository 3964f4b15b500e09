"""Cost to serve: GPU time attributed by hand, the cost split by hand, and a run reconciled from its files."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import tokenecon
from tokenecon.measure.costserve import attribute_cost, micro
from tokenecon.scenario import ProviderSpec
from tokenecon.sim.records import Records

from .conftest import scenario_dict
from .test_provider import provider
from .test_schedulers import serve


def test_overlap_attributes_prefill_and_shares_decode_intervals_by_hand():
    """overlap, t(b) = 0.02 + 0.01 b, prefill 1,000 tokens/s (a FIFO stage beside the batch).

    A (100-token prompt, 4 output tokens) at 0: prefill 0-0.1, then 3 tokens decoding alone at
    0.03 s a token. B (50 tokens, 3 output) at 0.05: its prefill waits for A's, 0.1-0.15. At 0.15
    A has 0.05/0.03 = 5/3 tokens; both decode at 0.04 s a step, A's last 4/3 tokens take 0.16/3 s
    (A done at 0.15 + 0.053333), then B's last 2/3 token alone takes 0.02 s.
    GPU time: A = 0.1 + 0.05 + (0.16/3)/2; B = 0.05 + (0.16/3)/2 + 0.02.
    """
    records, replica = serve([(0.0, 100, 4), (0.05, 50, 3)], base=0.02, per_sequence=0.01)
    shared = 0.16 / 3
    assert np.allclose(list(records.finish_s), [0.15 + shared, 0.15 + shared + 0.02])
    assert np.allclose(list(records.gpu_s), [0.1 + 0.05 + shared / 2, 0.05 + shared / 2 + 0.02])
    # decode time is shared, never double-counted: decode seconds + prefill seconds
    assert np.isclose(sum(records.gpu_s), replica.busy_until(0.3) + 0.05)


def test_one_batch_cost_split_by_hand():
    """One interval of 10 replica-seconds: 4 busy (1 prefilling), 6 idle; GPU cost 36, energy 2.2.

    Idle: GPU 36 x 6/10 = 21.6; energy at 100 W idle, 400 W busy: 2.2 x 600 J / 2200 J = 0.6.
    Attributed: 38.2 - 22.2 = 16. A and B shared the batch's GPU time 0.3 : 0.1 (a 4-token prefill
    split plus shared decode steps), so A carries 12 and B 4.
    """
    spec = ProviderSpec.model_validate(provider(gpu={"cost_per_hour": 1.0, "power_w": {"idle": 100, "busy": 400}}))
    scenario = tokenecon.scenario_from_dict(scenario_dict())
    scenario = scenario.model_copy(update={"providers": [spec]})
    records = Records(3)
    records.provider[0] = records.provider[1] = 0  # request 2 was never served
    records.gpu_s[0], records.gpu_s[1] = 0.3, 0.1
    ts = pd.DataFrame({"provider": [spec.name], "replica_s": [10.0], "busy_s": [4.0], "prefill_s": [1.0],
                       "gpu_cost": [36.0], "energy_cost": [2.2]})
    cost = attribute_cost(scenario, records, ts)
    assert cost.fleet == [38_200_000] and cost.attributed == [16_000_000]
    assert cost.per_request.tolist() == [12_000_000, 4_000_000, 0]


def test_splits_sum_exactly_whatever_the_weights():
    from tokenecon.measure.costserve import split_by_weight

    rng = np.random.default_rng(3)
    weights = rng.exponential(size=10_001)
    parts = split_by_weight(123_456_789_013, weights)
    assert parts.sum() == 123_456_789_013 and (parts >= 0).all()
    assert np.allclose(parts, 123_456_789_013 * weights / weights.sum(), atol=1.0)


@pytest.mark.parametrize("scheduler", ["overlap", "prefill_first", "chunked"])
def test_summary_cost_to_serve_recomputed_from_requests_csv(scheduler, tmp_path):
    data = scenario_dict(duration="2h", report_interval="20min")
    p1 = data["providers"][0]
    p1.update(replicas=1)
    p1["performance"].update(max_batch=8, scheduler=scheduler)
    data["customers"][0].update(arrivals={"type": "poisson", "rate": "0.3/s", "profile": [0, 1] * 12})
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    out = tokenecon.write_run_folder(result, tmp_path / "run", figures=False)
    requests = pd.read_csv(out / "requests.csv", dtype={"cost_to_serve": str}, keep_default_na=False)
    s = json.loads((out / "summary.json").read_text())
    served = requests["status"].isin(["completed"])
    assert (requests.loc[served, "cost_to_serve"].map(Decimal) > 0).all()
    total = 0
    for spec in result.scenario.providers:
        mine = requests["provider"] == spec.name
        from_rows = sum((Decimal(v) for v in requests.loc[mine, "cost_to_serve"]), Decimal(0))
        assert from_rows == Decimal(micro(s[f"{spec.name}.cost_to_serve"])).scaleb(-6)
        # attributed + idle = fleet cost, exactly (integer micro-units of the currency)
        assert (micro(s[f"{spec.name}.cost_to_serve"]) + micro(s[f"{spec.name}.idle_cost"])
                == micro(s[f"{spec.name}.gpu_cost"]) + micro(s[f"{spec.name}.energy_cost"]))
        assert s[f"{spec.name}.idle_cost"] > 0  # a night with no traffic: idle cost stays unattributed
        total += micro(s[f"{spec.name}.cost_to_serve"])
    assert total == micro(s["cost_to_serve"]) and total > 0
    for segment in requests["segment"].unique():
        rows = requests["segment"] == segment
        cost = sum((Decimal(v) for v in requests.loc[rows, "cost_to_serve"]), Decimal(0))
        assert Decimal(s[f"cost_to_serve.{segment}"]) == cost
        assert Decimal(s[f"margin.{segment}"]) == Decimal(s[f"bill.{segment}"]) - cost
    table = result.segments()  # the Result's segment table: the same figures, numbers and exact text
    assert list(table["cost_to_serve_exact"]) == [s[f"cost_to_serve.{g}"] for g in table["segment"]]
    assert np.allclose(table["margin"], table["bill"] - table["cost_to_serve"])


def test_a_scaled_run_splits_the_full_fleet_cost():
    """scale 0.25: the full fleet's cost splits into attributed + idle exactly; segments add up to it."""
    data = scenario_dict(duration="2h", report_interval="20min", scale=0.25)
    data["customers"][0].update(arrivals={"type": "poisson", "rate": "1.2/s", "profile": [0, 1] * 12})
    s = tokenecon.run(tokenecon.scenario_from_dict(data)).summary()
    assert s["scale"] == 0.25
    for spec in data["providers"]:
        n = spec["name"]
        assert (micro(s[f"{n}.cost_to_serve"]) + micro(s[f"{n}.idle_cost"])
                == micro(s[f"{n}.gpu_cost"]) + micro(s[f"{n}.energy_cost"]))
    segments = [k for k in s if k.startswith("cost_to_serve.")]
    by_segment = sum(micro(float(s[k])) for k in segments)
    assert abs(by_segment - micro(s["cost_to_serve"])) <= len(segments)  # one micro-unit of rounding each


def test_compare_table_carries_each_policys_cost_to_serve_by_segment(tmp_path):
    """The comparison's per-segment cost to serve and margin are each run's own figures: margin =
    bill - cost to serve exactly, and the segments' costs plus idle cost are the fleet's cost."""
    data = scenario_dict(duration="30min")
    data["pricing"]["cheap"] = {"type": "per_token", "input": 1, "output": 4}
    base = tokenecon.scenario_from_dict(data)
    from tokenecon.comparison import compare, policy_variants

    comparison = compare(policy_variants(base, ["std", "cheap"]))
    table = comparison.table().set_index("policy")
    for name, result in comparison.results.items():
        s, row = result.summary(), table.loc[name]
        segments = [k[5:] for k in s if k.startswith("bill.")]
        assert segments
        served = Decimal(0)
        for g in segments:
            assert Decimal(row[f"cost_to_serve.{g}"]) == Decimal(s[f"cost_to_serve.{g}"])
            assert Decimal(row[f"margin.{g}"]) == Decimal(row[f"bill.{g}"]) - Decimal(row[f"cost_to_serve.{g}"])
            served += Decimal(row[f"cost_to_serve.{g}"])
        fleet = s["gpu_cost"] + s["energy_cost"]
        assert float(served) + row["idle_cost"] == pytest.approx(fleet, abs=0.01)
        assert row["cost_to_serve"] == pytest.approx(float(served), abs=0.01)
    # the policies priced the same requests differently, served at the same cost
    assert table.loc["std", "cost_to_serve"] == table.loc["cheap", "cost_to_serve"]
    assert table.loc["std", "revenue"] != table.loc["cheap", "revenue"]


def test_unit_economics_equal_the_figures_recomputed_from_requests_csv(tmp_path, write_yaml, capsys):
    """unit_economics.csv: per prompt-length bucket and service tier, the completed requests' tokens,
    charges and cost to serve per 1M tokens, recomputed from requests.csv in exact fractions."""
    from fractions import Fraction

    from .conftest import run_cli

    path = write_yaml(scenario_dict())
    out = tmp_path / "run"
    assert run_cli(["run", str(path), "--out", str(out), "-q", "--no-figures"], capsys)[0] == 0
    req = pd.read_csv(out / "requests.csv", dtype={"charge": str, "cost_to_serve": str})
    done = req[req["status"] == "completed"]
    units = pd.read_csv(out / "unit_economics.csv")
    edges = [0, 512, 2048, 8192, 32768, 131072, None]
    labels = ["0-512", "512-2k", "2k-8k", "8k-32k", "32k-128k", "128k+"]
    expected = []
    for lo, hi, label in zip(edges, edges[1:], labels):
        rows = done[(done["input_tokens"] >= lo) & ((done["input_tokens"] < hi) if hi else True)]
        if len(rows):
            expected.append(("prompt_length", label, rows))
    expected += [("service_tier", tier, rows) for tier, rows in done.groupby("service_tier")]
    assert [(g, k) for g, k, _ in expected] == list(zip(units["grouping"], units["group"]))
    for (_, _, rows), (_, got) in zip(expected, units.iterrows()):
        tokens = int((rows["input_tokens"] + rows["output_tokens"] + rows["reasoning_tokens"]).sum())
        charged = sum(Fraction(c) for c in rows["charge"]) * 10**6 / tokens
        cost = sum(Fraction(c) for c in rows["cost_to_serve"]) * 10**6 / tokens
        assert (got["requests"], got["tokens"]) == (len(rows), tokens)
        assert got["charged_per_1m_tokens"] == pytest.approx(float(charged), abs=1e-6)
        assert got["cost_to_serve_per_1m_tokens"] == pytest.approx(float(cost), abs=1e-6)
        assert got["margin_per_1m_tokens"] == pytest.approx(float(charged - cost), abs=2e-6)
    assert units["requests"][units["grouping"] == "prompt_length"].sum() == len(done)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Per 1M tokens, by prompt length" in page
    by_length = units[units["grouping"] == "prompt_length"]
    worst = by_length.loc[by_length["margin_per_1m_tokens"].idxmin()]
    assert (f"Per 1M tokens, prompts of {worst['group']} tokens are charged USD "
            f"{worst['charged_per_1m_tokens']:,.2f} and cost {worst['cost_to_serve_per_1m_tokens']:,.2f}") in page
