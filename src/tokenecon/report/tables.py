"""Tables to files at numpy speed: CSV (byte for byte what ``DataFrame.to_csv(index=False)``
writes), gzip-compressed CSV, or Parquet.

Each column becomes text once, vectorised: integers through `textcols.int_text`, floats through
numpy's shortest round-trip repr (as pandas does), strings quoted only when the column holds a
character that needs it. Rows are joined chunk by chunk. A column of a kind this writer does not
know (dates, categoricals, ...) sends the whole table through pandas, so the bytes never differ.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import TokenEconError
from ..textcols import float_text, int_text

__all__ = ["FORMATS", "write_table", "csv_text", "table_name"]

FORMATS = ("csv", "csv.gz", "parquet")
_CHUNK = 100_000
_PLAIN = re.compile(r'[^,"\r\n]*')  # needs no quotes (anything else asks the csv module)


def table_name(stem: str, fmt: str = "csv") -> str:
    return f"{stem}.{fmt}"


def write_table(frame: pd.DataFrame, folder: Path, stem: str, fmt: str = "csv") -> Path:
    """Write `frame` as ``folder/stem.<fmt>``; CSV and gzip CSV are byte-reproducible.

    Money columns are written as their exact decimal text (see `tokenecon.moneycols`).
    """
    from ..moneycols import files_view

    frame = files_view(frame)
    path = Path(folder) / table_name(stem, fmt)
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise TokenEconError("outputs.format: parquet needs pyarrow (pip install 'tokenecon[parquet]')") from None
        frame.to_parquet(path, index=False)
    elif fmt == "csv.gz":
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
            with io.TextIOWrapper(packed, encoding="utf-8", newline="") as text:
                _write_csv(frame, text)
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as text:
            _write_csv(frame, text)
    else:
        raise TokenEconError(f"outputs.format: expected one of {', '.join(FORMATS)} (got {fmt!r})")
    return path


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of `frame` as a file holds it (money as exact text; see `tokenecon.moneycols`)."""
    from ..moneycols import files_view

    out = io.StringIO()
    _write_csv(files_view(frame), out)
    return out.getvalue()


def _write_csv(frame: pd.DataFrame, out) -> None:
    if frame.shape[1] < 2 or not frame.columns.is_unique:  # one-column quoting rules: pandas' own writer
        frame.to_csv(out, index=False)
        return
    columns = [frame.iloc[:, k] for k in range(frame.shape[1])]
    if not all(_supported(c) for c in columns):
        frame.to_csv(out, index=False)
        return
    out.write(",".join(_quote(str(name)) for name in frame.columns) + "\n")
    for begin in range(0, len(frame), _CHUNK):
        floats: list[tuple[np.ndarray, list[str]]] = []  # this chunk's float64 columns, for `_float_text`
        texts = [_column_text(c.iloc[begin:begin + _CHUNK], floats) for c in columns]
        out.write("\n".join(map(",".join, zip(*_join_constant_runs(texts)))))
        out.write("\n")


def _join_constant_runs(texts: list[list[str]]) -> list[list[str]]:
    """Adjacent columns that hold one text on every row (zero reasoning tokens, one currency) as one
    column of their joined text: fewer fields to join on every row, the same line."""
    merged: list[list[str]] = []
    run: list[str] = []
    for text in texts:
        if _constant(text):
            run.append(text[0])
            continue
        if run:
            merged.append([",".join(run)] * len(text))
            run = []
        merged.append(text)
    if run:
        merged.append([",".join(run)] * len(texts[0]))
    return merged


def _constant(text: list[str]) -> bool:
    first = text[0] if text else None
    # three probes first: a column that varies is almost always told by them, without a pass over it
    return (first is not None and text[-1] == first and text[len(text) // 2] == first
            and text.count(first) == len(text))


def _supported(column: pd.Series) -> bool:
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        return dtype.kind in "iufbO"
    return isinstance(dtype, (pd.StringDtype, pd.BooleanDtype)) or (
        isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iu"
        and hasattr(column.array, "_mask"))


def _column_text(column: pd.Series, floats: list[tuple[np.ndarray, list[str]]]) -> list[str]:
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        values = column.to_numpy()
        if len(values) and values.min() == values.max():  # one value: its text once, shared by every row
            return [str(values[0].item())] * len(values)
        return int_text(values)
    if dtype == np.float64:
        return _float_text(column.to_numpy(), floats)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return _float_repr(column.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return np.where(column.to_numpy(), "True", "False").tolist()
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iu":
        missing = column.isna().to_numpy()
        cells = np.asarray(int_text(column.to_numpy(dtype=np.int64, na_value=0)), dtype=object)
        cells[missing] = ""
        return cells.tolist()
    return _text_column(column)


def _float_repr(values: np.ndarray) -> list[str]:
    """Each float as pandas writes it: the shortest round-trip repr, empty for NaN."""
    if values.dtype == np.float64:
        return float_text(values)
    text = values.astype(str).tolist()
    for k in np.flatnonzero(np.isnan(values)).tolist():
        text[k] = ""
    return text


def _float_text(values: np.ndarray, floats: list[tuple[np.ndarray, list[str]]]) -> list[str]:
    """`_float_repr` of a float64 column; where most of its values are bit for bit those of a column
    already formatted (a start time that is the arrival time), only the others are formatted anew."""
    bits = values.view(np.int64)
    for other_bits, other_text in floats:
        same = bits == other_bits
        if 2 * int(np.count_nonzero(same)) > len(values):
            cells = np.asarray(other_text, dtype=object)
            rest = np.flatnonzero(~same)
            cells[rest] = _float_repr(values[rest])
            text = cells.tolist()
            break
    else:
        text = _float_repr(values)
    floats.append((bits, text))
    return text


def _text_column(column: pd.Series) -> list[str]:
    """Strings (and other objects): quoted only when a value needs it, checked once for the column."""
    missing = column.isna().to_numpy()
    values = column.to_numpy(dtype=object, copy=True)
    if missing.any():
        values[missing] = ""
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        return [_quote(str(v)) for v in values.tolist()]  # numbers, booleans, ... as the csv module writes them
    text = values.tolist()
    joined = "\0".join(text)
    if any(c in joined for c in ',"\r\n'):
        return [_quote(v) for v in text]
    return text


def _quote(text: str) -> str:
    if _PLAIN.fullmatch(text):
        return text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([text, ""])
    return out.getvalue()[:-2]  # without the empty second field and the line end
