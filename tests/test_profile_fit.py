"""`tokenecon profile fit` recovers a performance block from measurements, and names bad input."""

from __future__ import annotations

import yaml

import tokenecon

from .conftest import run_cli, scenario_dict


def write_measurements(path, rows_decode, rows_prefill):
    lines = ["batch_size,context_tokens,step_s,prompt_tokens,prefill_s"]
    lines += [f"{b},{c},{t!r},," for b, c, t in rows_decode]
    lines += [f",,,{p},{t!r}" for p, t in rows_prefill]
    path.write_text("\n".join(lines) + "\n")


def test_fit_recovers_the_generating_model(tmp_path, capsys):
    base, per_seq, per_ctx, rate, overhead = 0.03, 0.0004, 2e-7, 5000.0, 0.012
    decode = [(b, c, base + per_seq * b + per_ctx * b * c) for b in (1, 8, 32, 64) for c in (128, 1024, 4096)]
    prefill = [(p, overhead + p / rate) for p in (64, 512, 2048, 8192)]
    path = tmp_path / "m.csv"
    write_measurements(path, decode, prefill)
    code, out, _ = run_cli(["profile", "fit", str(path)], capsys)
    assert code == 0
    assert "decode: 12 rows, rmse 0.00 ms, largest error 0.0%" in out
    perf = yaml.safe_load(out)["performance"]
    step = perf["decode_step_s"]
    assert abs(step["base"] - base) < 1e-9 and abs(step["per_sequence"] - per_seq) < 1e-9
    assert abs(step["per_context_token"] - per_ctx) < 1e-12
    assert abs(perf["prefill_tokens_per_s"] - rate) < 1e-3 and abs(perf["prefill_overhead_s"] - overhead) < 1e-9


def test_fit_reports_the_error_of_a_model_that_does_not_fit(tmp_path, capsys):
    decode = [(1, 100, 0.05), (8, 100, 0.05), (64, 100, 0.08), (64, 2000, 0.06)]
    prefill = [(64, 0.06), (1024, 0.4)]
    path = tmp_path / "m.csv"
    write_measurements(path, decode, prefill)
    code, out, _ = run_cli(["profile", "fit", str(path), "--prefill-table"], capsys)
    assert code == 0 and "largest error 0.0%" not in out.splitlines()[1]
    assert yaml.safe_load(out)["performance"]["prefill_s_by_tokens"] == {64: 0.06, 1024: 0.4}


def test_bad_measurements_are_one_line_errors(tmp_path, capsys):
    path = tmp_path / "m.csv"
    path.write_text("batch_size,context_tokens,step_s,prompt_tokens,prefill_s\n1,100,0.05,,\n2,x,0.05,,\n")
    code, _, err = run_cli(["profile", "fit", str(path)], capsys)
    assert code == 2 and err.strip() == f"tokenecon: error: {path}: line 3: batch_size, context_tokens, step_s " \
                                        "must all be non-negative numbers"
    path.write_text("batch,step\n1,2\n")
    code, _, err = run_cli(["profile", "fit", str(path)], capsys)
    assert code == 2 and "no column 'batch_size'" in err and len(err.strip().splitlines()) == 1


def test_decode_table_recovers_steps_by_batch_size(tmp_path, capsys):
    """A staircase in batch size (as GEMMs on padded tokens give) plus attention per context token: the table
    keeps each batch size's seconds and slope; one context measured takes the line's slope."""
    truth = {1: (0.050, 1e-7), 8: (0.052, 1.2e-7), 9: (0.049, 1.1e-7), 64: (0.060, 1.3e-7)}
    decode = [(b, c, s + k * b * c) for b, (s, k) in truth.items() for c in (256, 1024, 3072)]
    decode.append((16, 512, 0.0512))
    path = tmp_path / "m.csv"
    write_measurements(path, decode, [(64, 0.06), (1024, 0.4)])
    code, out, _ = run_cli(["profile", "fit", str(path), "--decode-table"], capsys)
    assert code == 0 and "decode: 13 rows" in out
    perf = yaml.safe_load(out)["performance"]
    assert "decode_step_s" not in perf
    table = perf["decode_step_s_by_batch"]
    for b, (s, k) in truth.items():
        assert abs(table[b][0] - s) < 1e-9 and abs(table[b][1] - k) < 1e-13
    line_slope = yaml.safe_load(run_cli(["profile", "fit", str(path)], capsys)[1])["performance"]["decode_step_s"]
    assert table[16][1] == line_slope["per_context_token"] and abs(table[16][0] + table[16][1] * 16 * 512 - 0.0512) < 1e-6  # 6 digits
    data = scenario_dict(providers=[dict(scenario_dict()["providers"][0], performance={**perf, "scheduler": "chunked"})])
    assert tokenecon.scenario_from_dict(data).providers[0].performance.decode_step_s_by_batch[9] == tuple(table[9])
