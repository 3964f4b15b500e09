"""Text-driven demand: each provider meters the same corpus requests with its own tokenizer."""

from __future__ import annotations

import json

import numpy as np
import pytest

import tokenecon
from tokenecon.errors import ScenarioError
from tokenecon.meter import Meter

from .conftest import ROOT, scenario_dict

LOG = ROOT / "scenarios" / "data" / "chat_log.jsonl"


def providers(*tokenizers):
    return [{
        "name": f"p{i}", "replicas": 1, "gpu": {"cost_per_hour": 1.0}, "tokenizer": tok,
        "performance": {"prefill_tokens_per_s": 15000, "decode_step_s": {"base": 0.03, "per_sequence": 0.0003},
                        "max_batch": 64},
        "price": "std",
    } for i, tok in enumerate(tokenizers)]


def corpus_customer(**changes):
    customer = {"name": "chat", "arrivals": {"type": "poisson", "rate": "2/s"},
                "corpus": {"path": str(LOG)}, "providers": ["p0", "p1"], "routing": "round_robin"}
    customer.update(changes)
    return customer


def test_each_provider_meters_corpus_texts_with_its_tokenizer():
    scenario = tokenecon.scenario_from_dict(scenario_dict(
        duration="10min", providers=providers("o200k_base", "qwen"), customers=[corpus_customer()]))
    result = tokenecon.run(scenario)
    entries = [json.loads(line) for line in LOG.read_text(encoding="utf-8").splitlines()]

    def expected(tokenizer):
        meter = Meter(tokenizer)
        ins = [meter.count_chat(e["messages"]) if "messages" in e else meter.count(e["prompt"]) for e in entries]
        outs = [meter.count(e["completion"]) for e in entries]
        return set(zip(ins, outs))

    r = result.requests
    for provider, tokenizer in (("p0", "o200k_base"), ("p1", "qwen")):
        mine = r[r["provider"] == provider]
        assert len(mine) > 100
        assert set(zip(mine["input_tokens"], mine["output_tokens"])) <= expected(tokenizer)
    # the full token matrix: the same drawn entry, counted by both tokenizers
    w = tokenecon.demand.build_workload(scenario)
    assert w.input_tokens.shape == (2, len(w)) and not np.array_equal(w.input_tokens[0], w.input_tokens[1])


def test_size_distributions_convert_with_calibration_ratios():
    base = scenario_dict(duration="10min", providers=providers("cl100k_base", "qwen"),
                         token_calibration={"reference": "cl100k_base", "ratios": {"qwen": 0.5}})
    base["customers"][0]["providers"] = ["p0", "p1"]
    scenario = tokenecon.scenario_from_dict(base)
    w = tokenecon.demand.build_workload(scenario)
    assert np.array_equal(w.input_tokens[1], np.maximum(1, np.rint(w.input_tokens[0] * 0.5)))
    assert np.array_equal(w.output_tokens[1], np.maximum(1, np.rint(w.output_tokens[0] * 0.5)))


def test_calibration_file_from_the_meter(tmp_path, write_yaml):
    from .conftest import run_cli  # noqa: F401  (the CLI writes the file in test_meter; here a file by hand)

    (tmp_path / "cal.yaml").write_text("reference: cl100k_base\nratios: {qwen: 0.8775}\n")
    data = scenario_dict(duration="10min", providers=providers("cl100k_base", "qwen-plus"),
                         token_calibration="cal.yaml")
    data["customers"][0]["providers"] = ["p0", "p1"]
    scenario = tokenecon.load_scenario(write_yaml(data))
    assert tokenecon.demand.workload.provider_ratios(scenario) == [1.0, 0.8775]


@pytest.mark.parametrize("change,message", [
    (lambda d: d["providers"][1].pop("tokenizer"), "provider 'p1' needs a 'tokenizer' to meter this customer's corpus"),
    (lambda d: d["providers"][0].update(tokenizer="gpt5-ish"), "unknown model 'gpt5-ish'"),
    (lambda d: d["customers"][0].update(input_tokens={"type": "fixed", "value": 3}), "either 'corpus' or"),
    (lambda d: d["customers"].append({"name": "sized", "arrivals": {"type": "poisson", "rate": "1/s"},
                                      "input_tokens": {"type": "fixed", "value": 10},
                                      "output_tokens": {"type": "fixed", "value": 10}, "providers": ["p1"]}),
     "state sizes in tokens but no tokenizer says which"),
    (lambda d: d.update(token_calibration={"reference": "cl100k_base", "ratios": {}}) or d["customers"].append(
        {"name": "sized", "arrivals": {"type": "poisson", "rate": "1/s"}, "input_tokens": {"type": "fixed", "value": 10},
         "output_tokens": {"type": "fixed", "value": 10}, "providers": ["p1"]}),
     "no calibration ratio for 'qwen' against reference 'cl100k_base'"),
    (lambda d: d.update(token_calibration="missing.yaml"), "token_calibration: file not found"),
])
def test_bad_tokenizer_settings(change, message):
    data = scenario_dict(duration="10min", providers=providers("o200k_base", "qwen"), customers=[corpus_customer()])
    change(data)
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tokenecon.scenario_from_dict(data)


def test_meter_calibrate_writes_a_usable_file(tmp_path, capsys):
    from .conftest import run_cli

    target = tmp_path / "cal.yaml"
    code, out, err = run_cli(["meter", str(LOG), "-t", "qwen", "-t", "o200k_base", "--out", str(tmp_path / "m"),
                              "--calibrate", str(target)], capsys)
    assert code == 0, err
    from tokenecon.scenario import TokenCalibration
    import yaml

    calibration = TokenCalibration.model_validate(yaml.safe_load(target.read_text()))
    assert calibration.reference == "cl100k_base" and set(calibration.ratios) == {"qwen", "o200k_base"}
    import pandas as pd

    summary = pd.read_csv(tmp_path / "m" / "summary.csv")
    row = summary[(summary["tokenizer"] == "qwen") & (summary["script"] == "all")].iloc[0]
    assert calibration.ratios["qwen"] == round(row["ratio_to_cl100k_base"], 4)
    code, _, err = run_cli(["meter", str(LOG), "-t", "qwen", "--out", str(tmp_path / "m2"),
                            "--calibrate", str(target)], capsys)
    assert code == 2 and "file exists" in err
