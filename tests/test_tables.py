"""The fast table writer and the vectorised money text: the same bytes as pandas and `format_money`."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from tokenecon.report.tables import csv_text, write_table
from tokenecon.textcols import int_text
from tokenecon.units import format_money, format_money_array

_TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\r\n\'é中😀;|0.-')), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=-(2**62) + 1, max_value=2**62 - 1), max_size=50))
def test_money_text_equals_format_money(values):
    array = np.asarray(values, dtype=np.int64)
    assert format_money_array(array) == [format_money(v) for v in values]
    assert int_text(array) == [str(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-(10**6), max_value=10**6), max_size=30), st.integers(min_value=0, max_value=12))
def test_money_text_of_amounts_with_fewer_decimals(values, zeros):
    """Amounts that all end in zeros (prices of 6 decimals, whole units): the same text, fewer digit rows."""
    scaled = [v * 10**zeros for v in values]
    assert format_money_array(np.asarray(scaled, dtype=np.int64)) == [format_money(v) for v in scaled]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
                | st.floats(min_value=1e-5, max_value=1e17), max_size=40))
def test_float_text_is_repr_in_bulk(values):
    """Floats written in bulk (orjson, from 1e-4 to 1e16) and one by one elsewhere: repr's text, NaN empty."""
    from tokenecon.textcols import _bulk, float_text

    assert _bulk() is not None  # the bulk writer is installed and agrees with repr on the probe values
    array = np.asarray(values, dtype=np.float64)
    assert float_text(array) == ["" if v != v else repr(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_float_columns_sharing_values_write_as_pandas_does(data):
    """A float column that mostly repeats another one bit for bit (start = arrival) reuses its text
    where they agree: still pandas' bytes, signed zeros and NaNs included."""
    n = data.draw(st.integers(min_value=1, max_value=12))
    floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 0.1, 1e16, float("nan")])
    first = np.asarray(data.draw(st.lists(floats, min_size=n, max_size=n)), dtype=float)
    second = first.copy()
    for k in data.draw(st.lists(st.integers(0, n - 1), max_size=n // 2)):
        second[k] = data.draw(floats)
    frame = pd.DataFrame({"first": first, "same": second, "third": -second})
    assert csv_text(frame) == frame.to_csv(index=False)


def test_money_text_exact_beyond_int64():
    values = np.asarray([10**30, -(10**25) - 7, 0, 5 * 10**14], dtype=object)
    assert format_money_array(values) == [format_money(v) for v in values.tolist()]
    assert format_money_array(np.zeros(0, np.int64)) == []


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.data())
def test_csv_text_equals_pandas(data):
    n = data.draw(st.integers(min_value=0, max_value=12))
    floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.1, 1e16, 1e-5, -0.0, 123.0])
    frame = pd.DataFrame({
        "i": np.asarray(data.draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)), np.int64),
        "f": np.asarray(data.draw(st.lists(floats, min_size=n, max_size=n)), dtype=float),
        "g": np.asarray(data.draw(st.lists(st.floats(width=32), min_size=n, max_size=n)), dtype=np.float32),
        "b": np.asarray(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool),
        "s": pd.Series(data.draw(st.lists(st.none() | _TEXT, min_size=n, max_size=n)), dtype="str"),
        "o": np.asarray(data.draw(st.lists(_TEXT | st.integers() | st.floats() | st.booleans() | st.none(),
                                           min_size=n, max_size=n)), dtype=object).reshape(n),
        "n": pd.array(data.draw(st.lists(st.none() | st.integers(-5, 5), min_size=n, max_size=n)), dtype="Int64"),
        'a,"b"': np.arange(n, dtype=np.uint32),
    })
    assert csv_text(frame) == frame.to_csv(index=False)


def test_constant_columns_write_as_pandas_does():
    """Runs of columns holding one value (joined once for every row) at the start, middle and end."""
    n = 7
    frame = pd.DataFrame({
        "zero": np.zeros(n, np.int64), "usd": ["USD"] * n, "id": np.arange(n), "a": [0] * n, "b": np.full(n, -3),
        "tier": ["standard"] * n, "x": np.linspace(0, 1, n), "flag": np.ones(n, bool), "big": np.full(n, 2**40, np.uint64),
        "quoted": ["a,b"] * n, "empty": [""] * n,
    })
    assert csv_text(frame) == frame.to_csv(index=False)
    constant = frame[["zero", "usd", "quoted"]]
    assert csv_text(constant) == constant.to_csv(index=False)
    assert csv_text(frame.iloc[:1]) == frame.iloc[:1].to_csv(index=False)


def test_unsupported_columns_go_through_pandas(tmp_path):
    frame = pd.DataFrame({"t": pd.date_range("2026-01-01", periods=3, tz="UTC"), "c": pd.Categorical(["a", "b", "a"])})
    assert csv_text(frame) == frame.to_csv(index=False)
    single = pd.DataFrame({"only": ["", "x"]})
    assert csv_text(single) == single.to_csv(index=False)


def test_compressed_csv_is_reproducible(tmp_path):
    frame = pd.DataFrame({"a": np.arange(1000), "b": ["x"] * 1000})
    first = write_table(frame, tmp_path, "one", "csv.gz").read_bytes()
    second = write_table(frame, tmp_path, "two", "csv.gz").read_bytes()
    assert first == second
    assert gzip.decompress(first).decode() == frame.to_csv(index=False)


def test_run_folder_ledger_rule_and_compressed_format(tmp_path):
    import tokenecon
    from tokenecon.scenario.model import LEDGER_AUTO_MAX_REQUESTS

    from .conftest import QUICKSTART

    scenario = tokenecon.load_scenario(QUICKSTART).model_copy(update={"duration": 1800.0})
    result = tokenecon.run(scenario)
    assert len(result.workload) <= LEDGER_AUTO_MAX_REQUESTS
    plain = tokenecon.write_run_folder(result, tmp_path / "plain", figures=False)
    assert (plain / "ledger.csv").exists() and (plain / "invoice_lines.csv").exists()
    packed = scenario.model_copy(update={"outputs": scenario.outputs.model_copy(
        update={"format": "csv.gz", "ledger": False})})
    result.scenario = packed
    folder = tokenecon.write_run_folder(result, tmp_path / "packed", figures=False)
    assert not (folder / "ledger.csv.gz").exists() and not (folder / "invoice_lines.csv.gz").exists()
    for name in ("requests", "timeseries", "invoices"):
        assert gzip.decompress((folder / f"{name}.csv.gz").read_bytes()) == (plain / f"{name}.csv").read_bytes()
    assert not packed.outputs.write_ledger(LEDGER_AUTO_MAX_REQUESTS)
    assert scenario.outputs.write_ledger(LEDGER_AUTO_MAX_REQUESTS)
    assert not scenario.outputs.write_ledger(LEDGER_AUTO_MAX_REQUESTS + 1)


_SCRIPT_TEXT = st.text(alphabet=st.sampled_from(list("ab Z{}[]();=<>中文字\u3400\uf900😀é\n1") + ["\U00020001"]),
                       max_size=40)


@settings(max_examples=300, deadline=None)
@given(_SCRIPT_TEXT)
def test_script_classification_equals_the_regex_rule(text):
    import re

    from tokenecon.meter.scripts import classify_script

    cjk = len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]", text))
    letters = cjk + len(re.findall(r"[A-Za-z]", text))
    code = len(re.findall(r"[{}\[\]();=<>]", text))
    if not text or letters == 0:
        expected = "mixed"
    elif code / len(text) >= 0.04 and cjk / letters < 0.10:
        expected = "code"
    else:
        share = cjk / letters
        expected = "chinese" if share >= 0.60 else "english" if share < 0.05 else "mixed"
    assert classify_script(text) == expected


_EDGE_TEXT = st.text(alphabet=st.sampled_from(list("ab{}中\u33ff\u3400\u4dbf\u4dc0\u9fff\ua000\uf8ff\uf900\ufaff"
                                                  "\ufb00\ud800\udfff😀") + ["\U0001ffff", "\U00020000", "\U0002a6df",
                                                                           "\U0002a6e0"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_SCRIPT_TEXT, _EDGE_TEXT), max_size=8))
def test_scripts_classified_together_equal_each_classified_alone(texts):
    """The meter classifies a chunk of texts in one numpy pass: the same as each text alone, at the
    edges of every CJK range and for lone surrogates (a JSON log may hold them)."""
    from tokenecon.meter.scripts import classify_script, classify_scripts

    assert classify_scripts(texts) == [classify_script(t) for t in texts]


def test_completed_share_never_reads_100_percent_with_requests_outstanding():
    from tokenecon.report.pages import share

    assert share(51_638, 51_663) == ">99.9%"  # 25 still running: not "100.0%"
    assert share(1, 20_000) == "<0.1%" and share(0, 10) == "0%" and share(10, 10) == "100%"
    assert share(1, 3) == "33.3%" and share(0, 0) == "0%"
