"""The command line: outputs, exit codes, and one-line errors on bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from .conftest import QUICKSTART, ROOT, run_cli, scenario_dict


def test_validate_ok(capsys):
    code, out, err = run_cli(["validate", str(QUICKSTART)], capsys)
    assert code == 0 and err == ""
    assert "OK (2 providers, 3 customer segments, 253 accounts, 1d" in out


def test_run_writes_the_run_folder(tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict())
    out = tmp_path / "report"
    code, stdout, err = run_cli(["run", str(path), "--out", str(out)], capsys)
    assert code == 0, err
    for name in ("summary.json", "requests.csv", "timeseries.csv", "invoices.csv", "ledger.csv",
                 "cost_over_time.png", "throughput_over_time.png", "latency_over_time.png",
                 "utilization_over_time.png", "energy_over_time.png"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    for key in ("scenario", "seed", "requests_arrived", "requests_completed", "requests_rejected", "input_tokens",
                "cached_input_tokens", "output_tokens", "revenue", "currency", "wait_mean_s", "e2e_latency_mean_s",
                "ttft_p50_s", "ttft_p95_s", "e2e_latency_p95_s", "output_tokens_per_s", "gpu_cost", "energy_kwh"):
        assert key in summary, key
    assert f"report: {out / 'report.html'}" in stdout
    assert f"revenue    USD {summary['revenue']} exact" in stdout


def test_existing_run_folder_is_kept_without_force(tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict())
    out = tmp_path / "report"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    code, _, err = run_cli(["run", str(path), "--out", str(out)], capsys)
    assert code == 2
    assert "exists; use --force" in err and err.count("\n") == 1
    assert (out / "mine.txt").read_text() == "keep me"
    code, _, err = run_cli(["run", str(path), "--out", str(out), "--force", "--no-figures"], capsys)
    assert code == 0, err
    assert not (out / "mine.txt").exists() and (out / "summary.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers


def _set(data, dotted, value):
    node = data
    keys = dotted.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if key.isdigit() else node[key]
    last = keys[-1]
    if value is DELETE:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return data


DELETE = object()

BAD_INPUTS = [
    ("providers.0.replica", 3, "providers[0]: unknown field 'replica'; did you mean 'replicas'?"),
    ("providers.0.replicas", "four", "providers[0].replicas: Input should be a valid integer"),
    ("providers.0.replicas", 0, "providers[0].replicas: Input should be greater than or equal to 1 (got 0)"),
    ("providers.0.gpu.cost_per_hour", -2.95, "providers[0].gpu.cost_per_hour: Input should be greater than or equal to 0"),
    ("customers.0.arrivals.rate", "2 per second", "customers[0].arrivals.rate: expected a rate with a unit"),
    ("duration", "24", "duration: expected a duration with a unit like '30s'"),
    ("customers.0.providers", ["p2"], "customers[0].providers[0]: unknown provider 'p2'; did you mean 'p1'?"),
    ("providers.0.price", "standard", "providers[0].price: unknown price 'standard'"),
    ("customers.0.input_tokens", {"type": "zipf", "s": 1.1}, "customers[0].input_tokens: Input tag 'zipf'"),
    ("customers.0.input_tokens", {"type": "empirical", "path": "missing.csv", "column": "n"},
     "customers[0].input_tokens.path: file not found"),
    ("customers.0.cache_hit_ratio", 1.5, "customers[0].cache_hit_ratio: Input should be less than or equal to 1"),
    ("pricing.std.output", "ten", "pricing.std.output: expected a price per 1M tokens"),
    ("start", "2026-03-02T00:00:00", "start needs a UTC offset"),
    ("seed", DELETE, None),  # seed is optional: not an error
]


@pytest.mark.parametrize("field,value,message", BAD_INPUTS)
def test_bad_scenarios_get_one_line_and_exit_2(field, value, message, tmp_path, write_yaml, capsys):
    path = write_yaml(_set(scenario_dict(), field, value))
    out = tmp_path / "report"
    code, stdout, err = run_cli(["run", str(path), "--out", str(out), "--no-figures"], capsys)
    if message is None:
        assert code == 0, err
        return
    assert code == 2, (stdout, err)
    assert err.startswith(f"tokenecon: error: {path}: ") and err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in err
    assert not out.exists()
    assert list(tmp_path.glob(".report*")) == []


def test_unreadable_files(tmp_path, capsys):
    code, _, err = run_cli(["validate", str(tmp_path / "nope.yaml")], capsys)
    assert code == 2 and "nope.yaml: file not found" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nproviders: [\n")
    code, _, err = run_cli(["validate", str(broken)], capsys)
    assert code == 2 and "invalid YAML" in err and "line" in err and err.count("\n") == 1
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    code, _, err = run_cli(["validate", str(listy)], capsys)
    assert code == 2 and "expected a mapping of scenario fields" in err


def test_bad_empirical_file_names_the_line(tmp_path, write_yaml, capsys):
    (tmp_path / "sizes.csv").write_text("n\n100\n200\n-5\n")
    data = scenario_dict()
    data["customers"][0]["input_tokens"] = {"type": "empirical", "path": "sizes.csv", "column": "n"}
    code, _, err = run_cli(["validate", str(write_yaml(data))], capsys)
    assert code == 2 and "sizes.csv: line 4: column 'n' must be a whole number from 1 to 100,000,000 (got '-5')" in err
    data["customers"][0]["input_tokens"]["column"] = "tokens"
    code, _, err = run_cli(["validate", str(write_yaml(data))], capsys)
    assert code == 2 and "no column 'tokens' (columns: n)" in err


def test_empirical_sizes_come_from_the_file(tmp_path, write_yaml, capsys):
    (tmp_path / "sizes.csv").write_text("n\n100\n300\n")
    data = scenario_dict()
    data["customers"][0]["input_tokens"] = {"type": "empirical", "path": "sizes.csv", "column": "n"}
    import tokenecon

    result = tokenecon.run(tokenecon.load_scenario(write_yaml(data)))
    assert set(result.requests["input_tokens"]) == {100, 300}


def test_bad_flags(capsys):
    code, _, err = run_cli(["run", str(QUICKSTART), "--seed", "-3"], capsys)
    assert code == 2 and "--seed" in err and err.count("\n") == 1
    code, _, err = run_cli(["run", str(QUICKSTART), "--colour"], capsys)
    assert code == 2 and "No such option '--colour'" in err
    code, _, err = run_cli(["rnu"], capsys)
    assert code == 2 and "Did you mean 'run'?" in err


def test_help_has_examples(capsys):
    for argv in (["--help"], ["run", "--help"], ["validate", "--help"], ["schema", "--help"]):
        code, out, _ = run_cli(argv, capsys)
        assert code == 0 and "Example" in out and "tokenecon " in out


def test_schema_is_json_schema(capsys):
    code, out, _ = run_cli(["schema"], capsys)
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "tokenecon scenario"
    assert {"providers", "pricing", "customers", "duration"} <= set(schema["properties"])
    assert "base_dir" not in schema["properties"]


@pytest.mark.slow
def test_python_dash_m(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "tokenecon", "validate", str(QUICKSTART)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "OK" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "tokenecon", "validate", str(tmp_path / "x.yaml")],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


def test_provider_table_columns_widen_to_national_figures():
    """The terminal's provider table keeps every figure under its header however wide the figures get."""
    from tokenecon.cli.run import _format_summary

    summary = {"scenario": "n", "duration_s": 821 * 86400.0, "wall_time_s": 1.0, "seed": 1, "requests_arrived": 1,
               "requests_completed": 1, "requests_rejected": 0, "requests_timed_out": 0, "requests_running": 0,
               "input_tokens": 1, "cached_input_tokens": 0, "output_tokens": 1, "ttft_p50_s": 0.1, "ttft_p95_s": 0.2,
               "e2e_latency_p50_s": 1.0, "e2e_latency_p95_s": 2.0, "currency": "CNY", "revenue": "1", "scale": 1e-7,
               "gpu_cost": 1.0, "energy_cost": 0.0, "energy_kwh": 1.0, "co2_kg": 0.0}
    for name, completed, revenue in (("market", 12_270_520_000_000, "14184556533.33"), ("small", 5, "1.5")):
        summary.update({f"{name}.requests_completed": completed, f"{name}.requests_rejected": 0,
                        f"{name}.requests_timed_out": 0, f"{name}.utilization": 0.57, f"{name}.revenue": revenue,
                        f"{name}.gpu_cost": 35451400390.57, f"{name}.energy_cost": 0.0,
                        f"{name}.margin": -21266843857.24})
    text = _format_summary(summary)
    assert "19,704 h simulated" in text
    header, *rows = text.splitlines()[-3:]
    heads = ("completed", "rejected", "timed out", "util", "revenue", "cost", "margin")
    under = [header.index(h) + len(h) for h in heads]  # where each header ends
    for row in rows:
        ends = [m.end() for m in re.finditer(r"\S+", row)][1:]  # where each figure ends, the name aside
        assert ends == under, (header, row)
