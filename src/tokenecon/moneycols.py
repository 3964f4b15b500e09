"""Money columns of the Result's tables: numbers for pandas, exact text beside them.

Every money column ``X`` of a table (``charge``, ``amount``, ``subtotal``, ``revenue``, ...) is a
float64 column in the DataFrame, so ``result.invoices["amount"].sum()`` is a number, and an
``X_exact`` column beside it holds the exact decimal string (``Decimal(x)`` of it is the exact
amount). Files keep only the exact text, under the contract name ``X``: `files_view` maps the
``X_exact`` column back onto ``X`` before a table is written.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["MONEY_COLUMNS", "with_numeric_money", "files_view", "EXACT_SUFFIX"]

EXACT_SUFFIX = "_exact"
MONEY_COLUMNS = ("charge", "list_charge", "subtotal", "amount", "unit_price_per_1m", "revenue", "change", "balance",
                 "cost_to_serve", "bill", "margin")


def with_numeric_money(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each exact-text money column as float64, and the text as ``<column>_exact`` after it."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if name in MONEY_COLUMNS and (not len(column) or not pd.api.types.is_numeric_dtype(column)):
            column = column.astype(object) if not len(column) else column
            columns[name] = pd.to_numeric(column.where(column != "", None), errors="raise").astype("float64")
            columns[name + EXACT_SUFFIX] = column
        else:
            columns[name] = column
    return pd.DataFrame(columns, index=frame.index)


def files_view(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as files hold it: the exact text under each money column's own name."""
    exact = [c for c in frame.columns if c.endswith(EXACT_SUFFIX) and c[: -len(EXACT_SUFFIX)] in frame.columns]
    if not exact:
        return frame
    out = frame.drop(columns=exact)
    for c in exact:
        out[c[: -len(EXACT_SUFFIX)]] = frame[c]
    return out
