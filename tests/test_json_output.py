"""`--json` on run, validate, compare, sweep, meter and catalog: one JSON document on stdout, and
`meter -t` takes the model names a scenario's `tokenizer:` takes."""

from __future__ import annotations

import json

import yaml

from .conftest import ROOT, run_cli, scenario_dict


def as_json(argv, capsys) -> dict | list:
    code, out, err = run_cli(argv + ["--json"], capsys)
    assert code == 0, err
    return json.loads(out)  # stdout is the JSON document and nothing else


def test_validate_and_run_json(tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict())
    checked = as_json(["validate", str(path)], capsys)
    assert checked["ok"] is True and checked["providers"] == ["p1"] and checked["accounts"] == 3
    s = as_json(["run", str(path), "--no-figures", "--out", str(tmp_path / "r")], capsys)  # figures: test_cli
    on_disk = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert s["revenue"] == on_disk["revenue"] and s["report"].endswith("report.html")


def test_compare_and_sweep_json(tmp_path, write_yaml, capsys):
    data = scenario_dict(duration="30min")
    data["pricing"]["cheap"] = {"type": "per_token", "input": 1, "output": 4}
    path = write_yaml(data)
    c = as_json(["compare", str(path), "--policy", "std", "--policy", "cheap", "--no-figures", "--out",
                 str(tmp_path / "c")], capsys)
    assert [p["policy"] for p in c["policies"]] == ["std", "cheap"] and c["currency"] == "USD"
    assert all(p["e2e_p95_s.c1"] > 0 and p["ttft_p95_s.c1"] > 0 for p in c["policies"])  # latency per segment
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "j", "base": path.name, "replications": 1,
                                     "grid": {"providers.p1.replicas": [1, 2]}, "metrics": ["revenue"],
                                     "optimize": {"maximize": "revenue"}}), encoding="utf-8")
    s = as_json(["sweep", str(sweep), "--serial", "--no-figures", "--out", str(tmp_path / "s")], capsys)
    assert len(s["points"]) == 2 and s["best"]["feasible"] is True


def test_meter_takes_model_names_and_prints_json(tmp_path, capsys):
    log = ROOT / "scenarios" / "data" / "chat_log.jsonl"
    m = as_json(["meter", str(log), "-t", "gpt-4o", "-t", "deepseek-chat", "-t", "qwen-plus",
                 "--out", str(tmp_path / "m")], capsys)
    assert {r["tokenizer"] for r in m["by_tokenizer"]} == {"cl100k_base", "o200k_base", "deepseek-v4", "qwen"}
    assert m["requests"] == 60
    code, _, err = run_cli(["meter", str(log), "-t", "deepseek-chatt", "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and "deepseek-chatt" in err and "unknown model" in err and "unknown tokenizer" in err and len(err.strip().splitlines()) == 1


def test_catalog_list_json(capsys):
    entries = as_json(["catalog", "list", "--provider", "deepseek"], capsys)
    assert entries and all(e["provider"] == "deepseek" for e in entries)
    assert {"entry", "effective", "currency", "pricing", "source"} <= set(entries[0])


def test_quiet_compare_and_sweep_print_only_the_folder(tmp_path, write_yaml, capsys):
    data = scenario_dict(duration="30min")
    data["pricing"]["cheap"] = {"type": "per_token", "input": 1, "output": 4}
    path = write_yaml(data)
    out = tmp_path / "c"
    code, printed, err = run_cli(["compare", str(path), "--policy", "std", "--policy", "cheap", "-q",
                                  "--no-figures", "--out", str(out)], capsys)
    assert code == 0, err
    assert printed.strip() == str(out) and (out / "report.html").is_file()
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({"name": "q", "base": path.name, "replications": 1,
                                     "grid": {"providers.p1.replicas": [1, 2]}, "metrics": ["revenue"]}),
                     encoding="utf-8")
    code, printed, err = run_cli(["sweep", str(sweep), "--serial", "-q", "--no-figures", "--out", str(tmp_path / "s")],
                                 capsys)
    assert code == 0, err
    assert printed.strip() == str(tmp_path / "s") and (tmp_path / "s" / "sweep.csv").is_file()


def test_meter_quiet_prints_only_the_folder(tmp_path, capsys):
    log = ROOT / "scenarios" / "data" / "chat_log.jsonl"
    out = tmp_path / "m"
    code, printed, err = run_cli(["meter", str(log), "-t", "o200k_base", "-q", "--out", str(out)], capsys)
    assert code == 0, err
    assert printed.strip() == str(out) and err == ""  # no table, no progress: a script can use the path
    assert (out / "summary.csv").is_file() and (out / "report.html").is_file()
