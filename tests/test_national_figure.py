"""national.png: milestone labels stay inside the tokens panel; the compute panel has one legend."""

from __future__ import annotations

import numpy as np
import pandas as pd

import tokenecon
from tokenecon.i18n import words

from .conftest import ROOT


def _frame() -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
    times = pd.Series(pd.date_range("2024-01-01", "2026-03-31", freq="D", tz="Asia/Shanghai"))
    growth = np.geomspace(1e11, 1.4e14, len(times))
    frame = pd.DataFrame({"tokens_per_day": growth, "gpus_needed": growth / 2e8, "gpus_installed": growth / 1.8e8,
                          "utilization": np.linspace(0.1, 0.6, len(times))})
    checks = pd.DataFrame({"date": ["2024-01-15", "2025-06-30", "2025-12-31", "2026-03-31"],
                           "observed_tokens_per_day": [1e11, 3e13, 1e14, 1.4e14], "ratio": [1.06, 0.98, 0.98, 0.97]})
    return times, frame, checks


def test_milestone_labels_inside_the_tokens_panel_and_one_compute_legend():
    from tokenecon.report import backend  # noqa: F401  (off screen)
    import matplotlib.pyplot as plt

    from tokenecon.report.national import _supply_panels, _tokens_panel

    times, frame, checks = _frame()
    fig, axes = plt.subplots(2, 2, figsize=(15, 9))  # the figure's own layout
    tokens, compute, energy = axes[0, 0], axes[1, 0], axes[1, 1]
    _tokens_panel(tokens, times, frame, checks, words("en"))
    scenario = tokenecon.load_scenario(ROOT / "scenarios" / "china_token_economy_2024_2026.yaml")
    frame["energy_kwh"], frame["length"] = 1e6, 86400.0
    _supply_panels(scenario, times, frame, compute, energy, words("en"))
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame_box = tokens.get_window_extent(renderer)
    labels = [t for t in tokens.texts if t.get_text()]
    assert len(labels) == 4 and any("140tn" in t.get_text() for t in labels)
    for label in labels:
        box = label.get_window_extent(renderer)
        assert (frame_box.x0 <= box.x0 and box.x1 <= frame_box.x1 and frame_box.y0 <= box.y0
                and box.y1 <= frame_box.y1), (label.get_text(), box, frame_box)
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None and ax.bbox.bounds == compute.bbox.bounds]
    assert len(legends) == 1
    assert [t.get_text() for t in legends[0].get_texts()] == ["needed at 50% utilization", "installed", "utilization"]
    plt.close(fig)
