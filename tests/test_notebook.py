"""The example notebook runs top to bottom in a real Jupyter kernel; money in DataFrames is numeric."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

import tokenecon

from .conftest import ROOT, scenario_dict


def test_money_columns_are_numbers_with_exact_text_beside_them():
    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict()))
    invoices = result.invoices
    total = invoices["amount"].sum()
    assert isinstance(total, float) and invoices["amount"].mean() > 0
    assert sum(invoices["amount_exact"].map(Decimal)) == Decimal(result.summary()["revenue_invoiced"])
    for frame, column in ((result.requests, "charge"), (result.ledger, "amount"), (result.timeseries, "revenue"),
                          (invoices, "subtotal")):
        assert pd.api.types.is_float_dtype(frame[column]), column
        exact = frame[column + "_exact"].map(Decimal)
        assert sum(exact) == Decimal(result.summary()["revenue"]), column
        assert (frame[column] - exact.map(float)).abs().max() < 1e-9


def test_files_keep_the_exact_text(tmp_path):
    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict()))
    out = tokenecon.write_run_folder(result, tmp_path / "r", figures=False)
    on_disk = pd.read_csv(out / "invoices.csv", dtype=str)
    assert "amount_exact" not in on_disk and on_disk["amount"].tolist() == result.invoices["amount_exact"].tolist()


@pytest.mark.slow
def test_example_notebook_executes(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "examples" / "tokenecon.ipynb", as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "examples")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("offpeak" in str(o.get("data", {})) for o in outputs)
