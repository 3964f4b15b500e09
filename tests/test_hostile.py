"""Hostile and extreme input: every case is refused in one line (exit 2) before any work, or runs."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import run_cli, scenario_dict
from .test_cli import _set


def _refused(argv, capsys, *needles):
    code, out, err = run_cli(argv, capsys)
    assert code == 2, (out, err)
    assert err.startswith("tokenecon: error: ") and err.count("\n") == 1, err
    assert len(err) < 2200, len(err)
    for needle in needles:
        assert needle in err, err
    return err


# ------------------------------------------------------- numbers beyond what the simulator can hold

BEYOND = [
    ("customers.0.input_tokens", {"type": "fixed", "value": 10**30}, "customers[0].input_tokens.value"),
    ("customers.0.arrivals.rate", "1e308/s", "customers[0].arrivals.rate: a rate may be at most"),
    ("duration", "1e999s", "duration: a duration may be at most 50 years"),
    ("duration", "52143w", "duration: a duration may be at most 50 years"),
    ("customers.0.output_tokens", {"type": "exponential", "mean": 1e19}, "customers[0].output_tokens.mean"),
    ("customers.0.output_tokens", {"type": "lognormal", "median": 1e300, "p90": 1e301},
     "customers[0].output_tokens.median"),
    ("start", "9999-12-31T23:00:00+00:00", "start must lie between 1970 and 2200"),
    ("start", "2199-12-31T23:00:00+00:00", "the run must end before 2200"),
    ("customers.0.count", 10**12, "customers[0].count"),
    ("providers.0.replicas", 10**9, "providers[0].replicas"),
    ("providers.0.gpu.cost_per_hour", 1e308, "cost_per_hour must be finite"),
    ("pricing.std.input", 10**40, "pricing.std.input: a price or amount may be at most"),
    ("customers.0.arrivals.growth", {"type": "exponential", "rate": 1e300, "per": "1s"}, "rate must be finite"),
    ("report_interval", "1ms", "report intervals"),
    pytest.param("question", "q" * 10_000_000, "question: String should have at most 2000 characters",
                 marks=pytest.mark.slow),  # a 10 MB file
]


@pytest.mark.parametrize("field,value,message", BEYOND)
def test_values_beyond_the_limits_are_refused_by_validate(field, value, message, write_yaml, capsys):
    path = write_yaml(_set(scenario_dict(), field, value))
    _refused(["validate", str(path)], capsys, message)


def test_demand_too_large_for_any_machine_is_refused_up_front(write_yaml, capsys):
    data = scenario_dict(duration="3650d", report_interval="1d")
    data["customers"][0]["arrivals"]["rate"] = "1e7/s"
    _refused(["validate", str(write_yaml(data))], capsys, "more than the 1,000,000,000 one run may hold")


def test_demand_too_large_for_this_machine_says_how_much_memory(write_yaml, capsys, tmp_path):
    from tokenecon.footprint import available_memory

    have = available_memory()
    rate = 3 * have / 2000 / 86400 / 30  # three times the memory available, over 30 days
    data = scenario_dict(duration="30d", report_interval="1d")
    data["customers"][0]["arrivals"]["rate"] = f"{rate:.6g}/s"
    err = _refused(["run", str(write_yaml(data)), "--out", str(tmp_path / "r")], capsys,
                   "the run needs about", "GB of memory", "available")
    assert not (tmp_path / "r").exists()
    assert "expected requests" in err


def test_a_huge_lognormal_never_overflows_into_negative_tokens():
    import numpy as np

    from tokenecon.demand.sizes import draw_sizes
    from tokenecon.scenario import LognormalSize
    from tokenecon.scenario.limits import MAX_TOKENS

    spec = LognormalSize.model_construct(type="lognormal", median=1e300, p90=1e301)  # bypassing validation
    sizes = draw_sizes(spec, 1000, np.random.default_rng(1))
    assert sizes.min() >= 1 and sizes.max() == MAX_TOKENS


# ------------------------------------------------------- wrong shapes

SHAPES = [
    ("pricing", [1, 2], "pricing: expected a mapping of price names to prices, got list"),
    ("pricing.std.price_schedule", [["0s", True]], "pricing.std.price_schedule[0][1]: Decimal input should be"),
    ("pricing.std.price_schedule", [["0s", "1e999"]], "price_schedule[0][1]: Input should be less than or equal to 1000"),
    ("pricing.std.price_schedule", [["0s", "nan"]], "price_schedule[0][1]: expected a finite number"),
    ("pricing.std.price_schedule", [["1h", 1.5]], "price_schedule must start at 0s"),
    ("pricing.std.price_schedule", [["0s", 1], ["2h", 2], ["1h", 1.5]], "increasing time order"),
    ("customers.0.arrivals.growth", {"type": "piecewise", "points": [["1h", 2]]}, "growth points must start at 0s"),
    ("start", True, "start: Input should be a valid datetime"),
    ("providers.0.replicas_schedule", [], "replicas_schedule must start at 0s"),  # found by test_fuzz
    ("exchange_rates", {"CNY": True}, "exchange_rates.CNY: expected a number (got True)"),
]


@pytest.mark.parametrize("field,value,message", SHAPES)
def test_wrong_shapes_are_refused_in_one_line(field, value, message, write_yaml, capsys):
    path = write_yaml(_set(scenario_dict(), field, value))
    _refused(["validate", str(path)], capsys, message)


def test_surge_levels_that_would_explode_are_refused(write_yaml, capsys):
    data = scenario_dict()
    data["pricing"]["std"]["surge"] = {"threshold": 0.5, "slope": 1, "cap": 1000, "step": "0.000000001"}
    _refused(["validate", str(write_yaml(data))], capsys, "price levels")


# ------------------------------------------------------- strict YAML

def test_duplicate_keys_are_refused_with_both_lines(tmp_path, capsys):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nseed: 1\nname: b\n")
    _refused(["validate", str(path)], capsys, "line 3", "duplicate key 'name' (lines 1 and 3)")


def test_lone_surrogates_are_refused(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text('name: tiny\nquestion: "\\ud800"\n')
    _refused(["validate", str(path)], capsys, "line 2", "not valid Unicode")


@pytest.mark.slow
def test_a_10mb_name_is_not_echoed_back(write_yaml, capsys):
    err = _refused(["validate", str(write_yaml(scenario_dict(name="n" * 10_000_000)))], capsys, "10,000,000 characters")
    assert len(err) < 600


# ------------------------------------------------------- files where a file is expected

def test_folders_devices_and_long_paths_are_refused(tmp_path, write_yaml, capsys):
    _refused(["validate", str(tmp_path)], capsys)
    _refused(["validate", "/dev/zero"], capsys, "not a regular file")
    _refused(["validate", str(tmp_path / ("x" * 5000))], capsys)
    for value in ("/dev/zero", str(tmp_path), "y" * 5000):
        _refused(["validate", str(write_yaml(scenario_dict(token_calibration=value)))], capsys, "token_calibration")


def test_fifos_are_refused_without_being_opened(tmp_path, write_yaml, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    _refused(["validate", str(fifo)], capsys, "fifo: not a regular file (a device, FIFO or socket)")
    _refused(["validate", str(write_yaml(scenario_dict(token_calibration=str(fifo))))], capsys,
             "token_calibration: ", "expected a calibration file")
    _refused(["validate", str(_trace_scenario(write_yaml, fifo, False, "azure"))], capsys, "expected a trace file")
    _refused(["meter", str(fifo), "-t", "cl100k_base", "--out", str(tmp_path / "m")], capsys, "not a regular file")


def test_a_looped_trace_at_an_absurd_speed_is_refused_up_front(write_yaml, capsys):
    from .conftest import ROOT

    data = scenario_dict(duration="1h", start="trace")
    customer = data["customers"][0]
    del customer["input_tokens"], customer["output_tokens"]
    customer["arrivals"] = {"type": "trace", "loop": True, "speed": 1e9, "path": str(
        ROOT / "scenarios" / "data" / "azure-llm-inference-2023" / "AzureLLMInferenceTrace_code.csv")}
    # an hour of trace played in 3.6 us, looped for an hour: 9e12 requests, counted before any is drawn
    for command in ("validate", "run"):
        _refused([command, str(write_yaml(data))], capsys, "the run would draw about 9.24e+12 requests")


def test_a_path_field_never_quotes_the_file_it_points_at(tmp_path, write_yaml, capsys):
    secret = tmp_path / "secret"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nhunter2\n")
    data = scenario_dict()
    data["customers"][0]["input_tokens"] = {"type": "empirical", "path": str(secret), "column": "n"}
    err = _refused(["validate", str(write_yaml(data))], capsys, "no column 'n'")
    assert "root" not in err.replace(str(tmp_path), "") and "hunter2" not in err
    err = _refused(["validate", str(write_yaml(scenario_dict(token_calibration=str(secret))))], capsys,
                   "not a calibration file")
    assert "root:x" not in err and "hunter2" not in err


# ------------------------------------------------------- the output folder, before the run

def test_out_under_a_file_is_refused_before_the_run(tmp_path, write_yaml, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _refused(["run", str(write_yaml(scenario_dict())), "--out", str(blocker / "sub" / "r")], capsys,
             "it is a file")


def test_unwritable_out_is_refused_before_the_run(tmp_path, write_yaml, capsys):
    _refused(["run", str(write_yaml(scenario_dict())), "--out", "/proc/tokenecon-report"], capsys, "cannot write")


def test_a_second_writer_to_the_same_folder_is_refused(tmp_path, write_yaml, capsys):
    import subprocess
    import sys

    out = tmp_path / "r"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from tokenecon.folders import lock_output_dir;"
        f"lock_output_dir(Path({str(out)!r})); print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        _refused(["run", str(write_yaml(scenario_dict())), "--out", str(out)], capsys, "another tokenecon process")
    finally:
        holder.kill()
        holder.wait()
    assert not out.exists()


def test_stale_temp_folders_of_killed_runs_are_removed(tmp_path, write_yaml, capsys):
    out = tmp_path / "r"
    stale = tmp_path / ".r.tokenecon-tmp-abc12345"
    stale.mkdir()
    (stale / "requests.csv").write_text("x" * 1000)
    other = tmp_path / ".r.x.tokenecon-tmp-abc12345"  # the temporary folder of another folder, r.x: kept
    other.mkdir()
    code, _, err = run_cli(["run", str(write_yaml(scenario_dict(duration="10min"))), "--out", str(out),
                            "--no-figures"], capsys)
    assert code == 0, err
    assert not stale.exists() and other.exists() and (out / "summary.json").exists()


def test_a_report_moved_aside_by_a_killed_replace_is_restored(tmp_path, write_yaml, capsys):
    out = tmp_path / "r"
    old = tmp_path / ".r.old"
    old.mkdir()
    (old / "summary.json").write_text("{}")
    from tokenecon.folders import remove_stale_temp

    remove_stale_temp(out)
    assert (out / "summary.json").exists() and not old.exists()


# ------------------------------------------------------- names from YAML stay inside the output area

def test_a_sweep_name_cannot_escape_the_output_area(tmp_path, write_yaml, capsys):
    base = write_yaml(scenario_dict(duration="10min"))
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    sweep = work / "sweep.yaml"
    sweep.write_text(json.dumps({"name": "../../victim", "base": str(base), "grid": {"seed": [1]}}))
    os.chdir(work)
    code, out, err = run_cli(["sweep", str(sweep), "--serial", "--force", "--no-figures"], capsys)
    os.chdir(tmp_path)
    assert code == 0, err
    assert (victim / "keep.txt").read_text() == "mine" and sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    folders = [p for p in (work / "reports").iterdir()]
    assert [p.name for p in folders] == ["sweep-victim"] and (folders[0] / "sweep.csv").exists()


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # default report folders land in the test's folder
    yield
    assert os.getcwd() == str(tmp_path)


# ------------------------------------------------------- meter logs: one line per bad line, --skip-bad skips all

GOOD = json.dumps({"id": "a", "messages": [{"role": "user", "content": "hello there"}], "completion": "hi"})
BAD_LINES = [
    ("[" * 100_000 + "]" * 100_000, "line 2: invalid JSON: nested too deeply"),
    ('{"prompt": "x", "n": ' + "9" * 5000 + "}", "line 2: invalid JSON: a number with too many digits"),
    (json.dumps({"messages": [{"role": "user", "content": 5}]}), "line 2: messages[0] needs a text 'role'"),
    (json.dumps({"messages": [{"role": "user", "content": [{"type": "text", "text": 6}]}]}),
     "line 2: messages[0].content[0] must be a part"),
    ('{"prompt": "x", "images": [{"width": 1' + "0" * 400 + ', "height": 10}]}',
     "line 2: images[0] needs whole 'width' and 'height' from 1 to 1,000,000 pixels"),
    ('{"prompt": "x", "usage": {"prompt_tokens": 1' + "0" * 30 + "}}", "line 2: usage.prompt_tokens must be a whole"),
    (json.dumps({"prompt": "x", "usage": {"prompt_tokens": 3, "completion_tokens": 1}}), "line 2: unknown model"),
    ('{"prompt": "' + "x" * (9 * 2**20) + '"}', "line 2: longer than 8,388,608 bytes"),
]


@pytest.mark.parametrize("line,message", BAD_LINES)
def test_a_bad_log_line_is_named_and_skip_bad_skips_it(line, message, tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_text(f"{GOOD}\n{line}\n{GOOD}\n", encoding="utf-8")
    _refused(["meter", str(log), "-t", "o200k_base", "--out", str(tmp_path / "m")], capsys, f"log.jsonl: {message}")
    assert not (tmp_path / "m").exists()
    code, out, err = run_cli(["meter", str(log), "-t", "o200k_base", "--out", str(tmp_path / "m"), "--skip-bad",
                              "--no-figures"], capsys)
    assert code == 0, err
    # a line whose usage names no known model is metered, not skipped: only its audit is left out (and counted)
    unknown = "unknown model" in message
    assert f"metered {3 if unknown else 2} requests ({0 if unknown else 1} bad lines skipped)" in out
    summary = json.loads((tmp_path / "m" / "summary.json").read_text())
    assert summary["skipped_lines"] == (0 if unknown else 1)
    assert summary["unaudited_requests"] == (1 if unknown else 0)
    assert ("not audited: 1 requests" in out) == unknown
    if unknown:
        assert "line 2: unknown model" in summary["unaudited"][0] and summary["skipped"] == []


def test_a_log_starting_with_a_bom_keeps_its_first_request(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + f"{GOOD}\n{GOOD}\n".encode())
    for flags in ([], ["--skip-bad"]):
        code, out, err = run_cli(["meter", str(log), "-t", "o200k_base", "--out", str(tmp_path / "m"), "--force",
                                  "--no-figures", *flags], capsys)
        assert code == 0, err
        assert "metered 2 requests (0 bad lines skipped)" in out


# ------------------------------------------------------- traces: the bad line blamed, the good rows kept

def _usage_line(created, prompt=100, completion=20):
    return json.dumps({"created": created, "usage": {"prompt_tokens": prompt, "completion_tokens": completion}})


def _trace_scenario(write_yaml, path, skip_bad, fmt="openai_usage"):
    data = scenario_dict(duration="1h", start="2026-01-01T00:00:00+00:00")  # the traces' own time (T0)
    customer = data["customers"][0]
    customer["arrivals"] = {"type": "trace", "path": str(path), "format": fmt, "skip_bad": skip_bad}
    del customer["input_tokens"], customer["output_tokens"]
    return write_yaml(data)


T0 = 1767225600  # 2026-01-01T00:00:00Z
TRACE_LINES = [
    ("{not json", "line 3: invalid JSON"),
    (_usage_line(True), "line 3: 'timestamp' (or 'created') must be epoch seconds"),
    (_usage_line("9999-01-01T00:00:00Z"), "line 3: bad time"),
    (_usage_line(1e300), "line 3: bad time"),
    ("[" * 100_000 + "]" * 100_000, "line 3: invalid JSON: nested too deeply"),
    ('{"created": 1' + "0" * 5000 + "}", "line 3: invalid JSON: a number with too many digits"),
    (json.dumps({"created": T0, "customer": {"a": 1}, "usage": {"prompt_tokens": 1, "completion_tokens": 1}}),
     "line 3: 'customer' must be text"),
    (_usage_line(T0 + 2, prompt=10**30), "line 3: usage.prompt_tokens must be a whole number"),
]


@pytest.mark.parametrize("line,message", TRACE_LINES)
def test_a_bad_trace_line_is_blamed_on_its_own_line(line, message, tmp_path, write_yaml, capsys):
    trace = tmp_path / "usage.jsonl"
    trace.write_text("\n".join([_usage_line(T0), _usage_line(T0 + 1), line, _usage_line(T0 + 3)]) + "\n")
    _refused(["run", str(_trace_scenario(write_yaml, trace, False)), "--out", str(tmp_path / "r")], capsys,
             f"usage.jsonl: {message}")
    code, _, err = run_cli(["run", str(_trace_scenario(write_yaml, trace, True)), "--out", str(tmp_path / "r"),
                            "--no-figures"], capsys)
    assert code == 0, err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["requests_arrived"] == 3  # every good row kept


def test_trace_files_that_are_not_files_are_refused(tmp_path, write_yaml, capsys):
    secret = tmp_path / "secret"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    for path, needle in ((tmp_path, "trace"), ("/dev/zero", "trace"), (secret, "no column 'TIMESTAMP'")):
        err = _refused(["validate", str(_trace_scenario(write_yaml, path, False, "azure"))], capsys, needle)
        assert "root:x" not in err


def test_output_files_under_a_file_or_unwritable_are_refused_before_work(tmp_path, capsys):
    from .conftest import ROOT

    blocker = tmp_path / "file"
    blocker.write_text("x")
    _refused(["schema", "--out", str(blocker / "s.json")], capsys, "it is a file")
    _refused(["schema", "--out", "/proc/tokenecon-schema.json"], capsys, "cannot write")
    log = ROOT / "scenarios" / "data" / "chat_log.jsonl"
    _refused(["meter", str(log), "-t", "o200k_base", "--out", str(tmp_path / "m"), "--calibrate",
              str(blocker / "c.yaml")], capsys, "it is a file")
    assert not (tmp_path / "m").exists()  # refused before metering
    code, out, err = run_cli(["schema", "--out", str(tmp_path / "new" / "s.json")], capsys)
    assert code == 0, err
    assert json.loads((tmp_path / "new" / "s.json").read_text())["title"]
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["s.json"]


def test_data_file_fields_that_are_folders_devices_or_too_long_are_one_line(tmp_path, write_yaml, capsys):
    for path in (tmp_path, "/dev/zero", "z" * 5000):
        data = scenario_dict()
        data["customers"][0]["input_tokens"] = {"type": "empirical", "path": str(path), "column": "n"}
        _refused(["validate", str(write_yaml(data))], capsys, "customers[0].input_tokens.path")
        data = scenario_dict()
        data["customers"][0]["corpus"] = {"path": str(path)}
        del data["customers"][0]["input_tokens"], data["customers"][0]["output_tokens"]
        _refused(["validate", str(write_yaml(data))], capsys, "customers[0]")
        _refused(["validate", str(_trace_scenario(write_yaml, path, False, "azure"))], capsys,
                 "customers[0].arrivals.path")


@pytest.mark.parametrize("content,message", [
    ("t, in,out\n0,10,1\n".encode(), "no column 'in'; the header has ' in' (spaces around a column name are part of it)"),
    ("t,in,out\n0,10,1\n".encode("utf-16"), "expected UTF-8 text (the file looks UTF-16 or UTF-32 encoded"),
    ("t,in,out\n0,10,1\n".encode("utf-16-le"), "expected UTF-8 text (the file looks UTF-16 or UTF-32 encoded"),
    ("t,in,out\n0,10,1\n".encode("utf-32"), "expected UTF-8 text (the file looks UTF-16 or UTF-32 encoded"),
])
def test_a_csv_trace_header_with_spaces_or_in_utf16_is_named_as_such(content, message, tmp_path, write_yaml, capsys):
    """The header ' in' used to be reported as "no column 'in' (columns: t, in, out)", and a UTF-16
    file as one without a header."""
    trace = tmp_path / "t.csv"
    trace.write_bytes(content)
    data = scenario_dict(duration="10min")
    data["customers"] = [{"name": "r", "providers": ["p1"], "arrivals": {
        "type": "trace", "path": str(trace), "format": "csv", "time_unit": "s",
        "columns": {"time": "t", "input": "in", "output": "out"}}}]
    _refused(["run", str(write_yaml(data)), "--out", str(tmp_path / "r"), "--no-figures"], capsys, message)
    assert not (tmp_path / "r").exists()
