"""Property-based fuzzing of the other inputs: CSV and JSONL traces, meter logs and sweep files.

Every generated input either runs (exit 0, a whole folder replacing any old one) or is refused in
one line (exit 2): never a traceback, never a half-written folder, never an existing folder lost,
never a temporary file left. Traces built from known-good and known-bad cells are also checked
against an independent statement of the replay rule: which rows are bad, which line is blamed,
how many requests a run of the horizon replays.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings, strategies as st

from .conftest import BASE, run_cli, scenario_dict
from .fuzzgen import sweep_specs
from .test_fuzz import VALUES

HOUR = 3600
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def _outcome(argv: list[str], root: Path, existing: bool, capsys) -> tuple[int, str]:
    """Run a command writing root/out (over an old folder with --force when `existing`); check the
    folder and the error line whatever the outcome."""
    out = root / "out"
    if existing:
        out.mkdir()
        (out / "old.txt").write_text("an earlier run")
    code, _, err = run_cli([*argv, "--out", str(out), *(["--force"] if existing else [])], capsys)
    assert code in (0, 2), err
    event(f"{argv[0]}: exit {code}")
    if code == 2:
        assert err.startswith("tokenecon: error: ") and err.count("\n") == 1 and len(err) < 2200, err
        assert (out / "old.txt").exists() if existing else not out.exists(), err
    else:
        assert not (out / "old.txt").exists() and (out / "report.html").exists()
    leftovers = [p for p in root.rglob(".*") if p.name != ".tokenecon-locks"]
    assert leftovers == [], leftovers
    return code, err


# ---------------------------------------------------------------- traces

GOOD_TIME = st.integers(-600, 2 * HOUR)
BAD_TIME = st.sampled_from(["", "x", "nan", "inf", "-inf", "1e999", "9" * 400, "true", "2026-13-45"])
GOOD_COUNT = st.integers(1, 200_000)
BAD_COUNT = st.sampled_from(["", "0", "-3", "1.5", "x", "1e999", "9" * 400, "nan", "200000001"])
# a call may return no output (filtered, cut off): 0 is a good output count, never a good prompt
GOOD_OUTPUT = st.integers(0, 200_000)
BAD_OUTPUT = st.sampled_from(["", "-3", "1.5", "x", "1e999", "9" * 400, "nan", "200000001"])
CELL = st.one_of(st.text(max_size=12), st.sampled_from(['"', '""', ",", "\n", "\r", "\ufeff", "\x00", "1,2"]))


@st.composite
def csv_rows(draw):
    """(time, input, output) cells; each either a known-good value or a known-bad text."""
    def cell(good, bad):
        return draw(st.one_of(good.map(lambda v: (True, str(v))), bad.map(lambda v: (False, v))))
    return [(cell(GOOD_TIME, BAD_TIME), cell(GOOD_COUNT, BAD_COUNT), cell(GOOD_OUTPUT, BAD_OUTPUT))
            for _ in range(draw(st.integers(0, 12)))]


def _expected(rows, skip_bad: bool, ordered: bool, horizon: float):
    """The replay rule restated: ("error", line) for the first bad row read, or ("ok", requests,
    skipped); a time-ordered trace stops at its first in-order row beyond the horizon."""
    first, latest, kept, skipped = None, None, [], 0
    for k, (t, good) in enumerate(rows):
        late = good and ordered and latest is not None and t < latest
        if good and not late and ordered and first is not None and t - first > horizon:
            break
        if not good or late:
            if not skip_bad:
                return ("error", k + 2)
            skipped += 1
            continue
        first = t if first is None else min(first, t)
        latest = t if latest is None else max(latest, t)
        kept.append(t)
    if not kept:
        return ("error", None)
    return ("ok", sum(t - first < horizon for t in kept), skipped)


def _trace_scenario(root: Path, arrivals: dict, duration: str = "1h", start: str | None = None) -> Path:
    data = scenario_dict(duration=duration, report_interval="15min", **({"start": start} if start else {}))
    data["customers"] = [{"name": "replay", "providers": ["p1"], "arrivals": {"type": "trace", **arrivals}}]
    path = root / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


OPTIONS = st.fixed_dictionaries({}, optional={
    "loop": st.booleans(), "speed": st.sampled_from([1e-6, 0.5, 60, 1e9]), "sample": st.sampled_from([1e-9, 0.5]),
    "by_customer": st.booleans(), "columns": st.sampled_from([{"time": "t", "input": "i", "output": "i"},
                                                              {"time": "t", "input": "i", "output": "o", "customer": "o"},
                                                              {"time": "nope", "input": "i", "output": "o"}])})


def _check_csv(rows, noise, skip_bad, ordered, bom, existing, capsys, options=None):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        text = "t,i,o\n" + "".join(f"{t},{i},{o}\n" for (_, t), (_, i), (_, o) in rows)
        if noise is not None:  # one cell of arbitrary text: CSV structure may break, no oracle
            text += f"{noise},1,1\n"
        trace = root / "trace.csv"
        trace.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogatepass"))
        scenario = _trace_scenario(root, {"path": str(trace), "format": "csv", "time_unit": "s",
                                          "columns": {"time": "t", "input": "i", "output": "o"},
                                          "skip_bad": skip_bad, "ordered": ordered, **(options or {})})
        code, err = _outcome(["run", str(scenario), "--no-figures", "-q"], root, existing, capsys)
        if noise is not None or options:
            return  # no oracle: runs or is refused in one line
        cells = [(float(t) if ok_t else None, ok_t and ok_i and ok_o) for (ok_t, t), (ok_i, _), (ok_o, _) in rows]
        expected = _expected([(t, good) for t, good in cells], skip_bad, ordered, HOUR)
        if expected[0] == "error":
            assert code == 2, "accepted a trace with a bad row"
            assert (f"line {expected[1]}: bad" if expected[1] else "trace") in err, (expected, err)
            return
        assert code == 0, err
        summary = json.loads((root / "out" / "summary.json").read_text())
        assert summary["requests_arrived"] == expected[1], (summary["requests_arrived"], expected)
        assert summary["replay.trace_rows_skipped"] == expected[2]


TRACE_CASE = dict(rows=csv_rows(), noise=st.one_of(st.none(), CELL), skip_bad=st.booleans(), ordered=st.booleans(),
                  bom=st.booleans(), existing=st.booleans())
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LONG = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FAST
@given(**TRACE_CASE)
def test_csv_traces_replay_by_the_rule_or_are_refused_in_one_line(rows, noise, skip_bad, ordered, bom, existing,
                                                                 capsys):
    _check_csv(rows, noise, skip_bad, ordered, bom, existing, capsys)


@pytest.mark.slow
@LONG
@given(**TRACE_CASE)
def test_csv_traces_long(rows, noise, skip_bad, ordered, bom, existing, capsys):
    _check_csv(rows, noise, skip_bad, ordered, bom, existing, capsys)


@pytest.mark.slow
@LONG
@given(**TRACE_CASE, options=OPTIONS)
def test_csv_traces_with_options_long(rows, noise, skip_bad, ordered, bom, existing, options, capsys):
    _check_csv(rows, noise, skip_bad, ordered, bom, existing, capsys, options)


GOOD_CREATED = st.one_of(st.integers(T0, T0 + 2 * HOUR), st.integers(0, 2 * HOUR).map(
    lambda s: f"2026-01-01T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z"))
BAD_CREATED = st.sampled_from([None, True, "yesterday", 1e300, [], {}, "9999-01-01T00:00:00Z", float("nan")])
BAD_TOKENS = st.sampled_from([None, 0, -1, 1.5, "12", True, 10**30, [], {}])
BAD_COMPLETION = st.sampled_from([None, -1, 1.5, "12", True, 10**30, [], {}])  # 0: a call that returned nothing
GARBAGE_LINE = st.one_of(st.sampled_from(["not json", "[1, 2]", "null", "[" * 5000 + "]" * 5000, "1" * 5000,
                                          '{"created": ' + "9" * 5000 + "}", "{", "\ufeff{}"]), st.text(max_size=20))


@st.composite
def jsonl_rows(draw):
    """Lines of a usage log: (time or None when bad, good?, the line's text)."""
    rows = []
    for _ in range(draw(st.integers(0, 10))):
        if draw(st.integers(0, 9)) == 0:
            line = draw(GARBAGE_LINE)
            if not line.strip():
                continue  # a blank line is no row
            rows.append((None, False, line))
            continue
        ok_t, created = draw(st.one_of(GOOD_CREATED.map(lambda v: (True, v)), BAD_CREATED.map(lambda v: (False, v))))
        ok_i, prompt = draw(st.one_of(GOOD_COUNT.map(lambda v: (True, v)), BAD_TOKENS.map(lambda v: (False, v))))
        ok_o, completion = draw(st.one_of(GOOD_OUTPUT.map(lambda v: (True, v)),
                                          BAD_COMPLETION.map(lambda v: (False, v))))
        usage = {k: v for k, v in (("prompt_tokens", prompt), ("completion_tokens", completion)) if v is not None}
        line = json.dumps({**({"created": created} if created is not None else {}), "usage": usage})
        seconds = (created - T0 if isinstance(created, int) else
                   int(created[11:13]) * 3600 + int(created[14:16]) * 60 + int(created[17:19])) if ok_t else None
        rows.append((seconds, ok_t and ok_i and ok_o, line))
    return rows


def _check_jsonl(rows, skip_bad, bom, existing, capsys):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        trace = root / "usage.jsonl"
        trace.write_text(("\ufeff" if bom else "") + "".join(line + "\n" for _, _, line in rows), encoding="utf-8",
                         errors="surrogatepass")
        scenario = _trace_scenario(root, {"path": str(trace), "format": "openai_usage", "skip_bad": skip_bad},
                                   duration="1h", start="trace")
        code, err = _outcome(["run", str(scenario), "--no-figures", "-q"], root, existing, capsys)
        if any(t is None and not good and not line.startswith("{") for t, good, line in rows):
            return  # arbitrary text: refused or skipped, in one line (checked above)
        if not any(good for _, good, _ in rows):
            assert code == 2  # start: trace finds no good time
            return
        # a good row's time decides the start (start: trace), so the horizon counts from the earliest good row
        expected = _expected([(t, good) for t, good, _ in rows], skip_bad, False, HOUR)
        if expected[0] == "error":
            assert code == 2, "accepted a trace with a bad row"
            assert (f"line {expected[1] - 1}" if expected[1] else "") in err, (expected, err)
            return
        assert code == 0, err
        summary = json.loads((root / "out" / "summary.json").read_text())
        assert summary["requests_arrived"] == expected[1] and summary["replay.trace_rows_skipped"] == expected[2]


@FAST
@given(rows=jsonl_rows(), skip_bad=st.booleans(), bom=st.booleans(), existing=st.booleans())
def test_jsonl_traces_replay_by_the_rule_or_are_refused_in_one_line(rows, skip_bad, bom, existing, capsys):
    _check_jsonl(rows, skip_bad, bom, existing, capsys)


@pytest.mark.slow
@LONG
@given(rows=jsonl_rows(), skip_bad=st.booleans(), bom=st.booleans(), existing=st.booleans())
def test_jsonl_traces_long(rows, skip_bad, bom, existing, capsys):
    _check_jsonl(rows, skip_bad, bom, existing, capsys)


# ---------------------------------------------------------------- meter logs

MESSAGE = st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "assistant", 3, None]),
                                 "content": st.one_of(st.text(max_size=30), st.none(), st.just([]), st.integers())})
REQUEST = st.fixed_dictionaries({}, optional={
    "messages": st.one_of(st.lists(MESSAGE, max_size=3), st.text(max_size=5), st.integers()),
    "prompt": st.one_of(st.text(max_size=30), st.integers(), st.none()),
    "completion": st.one_of(st.text(max_size=30), st.integers(), st.none()),
    "model": st.one_of(st.sampled_from(["gpt-4o", "qwen-plus", "deepseek-chat", "nope"]), st.integers()),
    "customer": st.one_of(st.text(max_size=8), st.integers()),
    "usage": st.one_of(st.fixed_dictionaries({}, optional={"prompt_tokens": BAD_TOKENS | GOOD_COUNT,
                                                           "completion_tokens": BAD_TOKENS | GOOD_COUNT}),
                       st.text(max_size=4)),
    "images": st.one_of(st.lists(st.fixed_dictionaries({"width": st.integers(-1, 10**7) | st.just(10**400),
                                                        "height": st.integers(-1, 10**7)}), max_size=2),
                        st.text(max_size=3)),
})
GOOD_REQUEST = st.fixed_dictionaries({
    "messages": st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "system"]), "content": st.text()}),
                         min_size=1, max_size=3),
    "completion": st.text(max_size=40)}, optional={
    "model": st.sampled_from(["gpt-4o", "qwen-plus", "deepseek-chat"]), "customer": st.text(max_size=8),
    "usage": st.fixed_dictionaries({"prompt_tokens": GOOD_COUNT, "completion_tokens": GOOD_COUNT})})
LOG_LINE = st.one_of(GOOD_REQUEST.map(json.dumps), GOOD_REQUEST.map(lambda r: json.dumps(r, ensure_ascii=False)),
                     REQUEST.map(lambda r: json.dumps(r, ensure_ascii=False)), GARBAGE_LINE)


def _check_meter(lines, skip_bad, bom, existing, capsys, figures=True):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        log = root / "log.jsonl"
        log.write_text(("\ufeff" if bom else "") + "".join(line + "\n" for line in lines), encoding="utf-8",
                       errors="surrogatepass")
        code, err = _outcome(["meter", str(log), "-t", "cl100k_base", "-q", *(["--skip-bad"] if skip_bad else []),
                              *([] if figures else ["--no-figures"])], root, existing, capsys)
        if code == 0:
            summary = json.loads((root / "out" / "summary.json").read_text())
            lines_read = _nonblank(log.read_bytes())
            # every line either metered or skipped, never both (a metered line whose model has no known
            # tokenizer is metered; only its audit is left out, and counted apart)
            assert summary["requests"] + summary["skipped_lines"] == lines_read, (summary, lines_read)
            assert summary["unaudited_requests"] <= summary["requests"]
            assert summary["audited_requests"] + summary["unaudited_requests"] <= summary["requests"]


def _nonblank(data: bytes) -> int:
    """Lines a log reader sees: not blank once decoded (a leading byte-order mark dropped)."""
    def blank(line: bytes) -> bool:
        try:
            return not line.decode("utf-8").strip()
        except UnicodeDecodeError:
            return False
    return sum(not blank(line) for line in data.removeprefix(b"\xef\xbb\xbf").split(b"\n") if line)


METER_CASE = dict(lines=st.lists(LOG_LINE, max_size=6), skip_bad=st.booleans(), bom=st.booleans(),
                  existing=st.booleans())


@FAST
@given(**METER_CASE)
def test_meter_logs_are_metered_or_refused_in_one_line(lines, skip_bad, bom, existing, capsys):
    # the inner loop fuzzes the reading without drawing (the long run below draws every figure)
    _check_meter(lines, skip_bad, bom, existing, capsys, figures=False)


@pytest.mark.slow
@LONG
@given(**METER_CASE)
def test_meter_logs_long(lines, skip_bad, bom, existing, capsys):
    _check_meter(lines, skip_bad, bom, existing, capsys)


# ---------------------------------------------------------------- sweep files

SWEEP_KEYS = ["name", "base", "replications", "grid", "points", "metrics", "optimize", "mode",
              "grid.providers.p1.replicas", "grid.pricing.std.output", "grid.seed", "optimize.maximize",
              "optimize.subject_to"]


def _check_sweep(mutations, existing, capsys):
    from tokenecon.errors import TokenEconError
    from tokenecon.experiments.sweep import load_sweep
    from tokenecon.footprint import estimate

    spec = {"name": "fuzz", "base": "base.yaml", "replications": 1,
            "grid": {"providers.p1.replicas": [1, 2], "pricing.std.output": [8]},
            "optimize": {"maximize": "revenue", "subject_to": [{"metric": "rejection_rate", "max": 0.5}]}}
    for path, value in mutations:
        node, *rest = path.split(".", 1)
        if rest and isinstance(spec.get(node), dict):
            spec[node][rest[0]] = value
        elif not rest:
            spec[node] = value
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        base = {**BASE, "duration": "10min", "report_interval": "5min"}
        (root / "base.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
        sweep = root / "sweep.yaml"
        sweep.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
        try:
            found, points = load_sweep(sweep)
            work = found.replications * sum(estimate(p.scenario).requests for p in points)
        except TokenEconError:
            work = 0.0  # refused: the command must say so in one line
        if work > 20_000:
            return  # valid and large: counted, not run here
        _outcome(["sweep", str(sweep), "--serial", "--no-figures", "--json"], root, existing, capsys)


SWEEP_CASE = dict(mutations=st.lists(st.tuples(st.sampled_from(SWEEP_KEYS), VALUES), min_size=1, max_size=2),
                  existing=st.booleans())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**SWEEP_CASE)
def test_sweep_files_run_or_are_refused_in_one_line(mutations, existing, capsys):
    _check_sweep(mutations, existing, capsys)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(**SWEEP_CASE)
def test_sweep_files_long(mutations, existing, capsys):
    _check_sweep(mutations, existing, capsys)


# ---------------------------------------------------------------- sweep files that should run

def _check_valid_sweep(spec, existing, capsys):
    """A sweep of legal values runs (or is refused in one line for a metric it does not know), and its
    tables agree: a row per point, a row per run, means of the runs, the best point recomputed."""
    import math

    import pandas as pd

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        base = {**BASE, "duration": "5min", "report_interval": "1min"}
        (root / "base.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
        sweep = root / "sweep.yaml"
        sweep.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        code, err = _outcome(["sweep", str(sweep), "--serial", "--no-figures", "-q"], root, existing, capsys)
        if code == 2:
            assert "no_such_metric" in err or "unknown metric" in err or "p1.margin" in err, err
            return
        out = root / "out"
        points = len(spec["points"]) if "points" in spec else math.prod(len(v) for v in spec["grid"].values())
        table, runs = pd.read_csv(out / "sweep.csv"), pd.read_csv(out / "runs.csv")
        assert len(table) == points and len(runs) == points * spec["replications"]
        for metric in ("revenue", "requests_arrived", "utilization"):
            means = runs.groupby("point")[metric].mean()
            assert all(abs(means[p] - table.set_index("point")[metric][p]) <= 1e-9 * max(1.0, abs(means[p]))
                       for p in means.index), metric
        assert (runs["requests_arrived"] == runs["requests_completed"] + runs["requests_rejected"]
                + runs["requests_timed_out"] + runs["requests_running"]).all()
        goal = spec.get("optimize")
        if goal:
            best = json.loads((out / "best.json").read_text(encoding="utf-8"))
            metric = goal.get("maximize") or goal.get("minimize")
            ok = pd.Series(True, index=table.index)
            for c in goal["subject_to"]:
                ok &= table[c["metric"]] <= c["max"] if "max" in c else table[c["metric"]] >= c["min"]
            values = table.loc[ok, metric].dropna()
            if not ok.any():
                assert best == {"feasible": False, "objective": metric}
            elif values.empty:  # no feasible point gives the objective a value (no request it measures)
                assert best["no_value"] and best["feasible_points"] == int(ok.sum()) and not best["feasible"]
            else:
                want = values.max() if "maximize" in goal else values.min()
                assert best["feasible"] and best["value"] == pytest.approx(want, rel=1e-12, abs=1e-12)
                assert best["feasible_points"] == int(ok.sum()) and best["points"] == points
        event(f"sweep ran: {points} points")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=sweep_specs(), existing=st.booleans())
def test_legal_sweeps_run_and_their_tables_agree(spec, existing, capsys):
    _check_valid_sweep(spec, existing, capsys)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=sweep_specs(), existing=st.booleans())
def test_legal_sweeps_long(spec, existing, capsys):
    _check_valid_sweep(spec, existing, capsys)
