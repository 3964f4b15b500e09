"""Series that are equal are drawn as one line naming them all, not as lines hiding each other."""

from __future__ import annotations

import numpy as np

from tokenecon.i18n import words


def test_equal_series_are_grouped_in_first_seen_order():
    from tokenecon.report.style import equal_groups

    cost = np.cumsum(np.full(13, 84.0))
    series = {"gpt4o_like": cost, "qwen_like": cost.copy(), "deepseek_like": cost * (1 + 1e-12),
              "other": cost * 1.01, "short": cost[:5]}
    assert equal_groups(series) == [["gpt4o_like", "qwen_like", "deepseek_like"], ["other"], ["short"]]
    assert equal_groups({}) == []


def test_a_line_standing_for_several_names_them_all():
    from tokenecon.report.figures import _equal_label

    assert _equal_label(words("en"), "fig.cost.cost", ["a"]) == "a GPU + energy cost"
    assert _equal_label(words("en"), "fig.cost.cost", ["a", "b", "c"]) == "a, b, c\nGPU + energy cost (equal: one line)"
    assert "（数值相同，合为一条线）" in _equal_label(words("zh"), "fig.cost.cost", ["a", "b"])


def test_cost_figure_draws_equal_costs_once(tmp_path, monkeypatch):
    """Two providers with the same fleet and no energy price cost the same: one grey cost line."""
    import matplotlib.pyplot as plt

    import tokenecon
    from tokenecon.report import figures

    from .conftest import scenario_dict

    data = scenario_dict(duration="1h")
    second = dict(data["providers"][0], name="p2")
    data["providers"] = [data["providers"][0], second]
    data["customers"][0]["providers"] = ["p1", "p2"]
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    drawn = []
    monkeypatch.setattr(plt, "close", lambda fig: drawn.append(fig))  # keep the figure to read its lines
    figures.cost_figure(result, tmp_path / "cost.png")
    both = drawn[0].axes[1]
    labels = [line.get_label() for line in both.get_lines()]
    assert "p1, p2\nGPU + energy cost (equal: one line)" in labels
    assert not [label for label in labels if label.endswith(" GPU + energy cost")]
    assert (tmp_path / "cost.png").stat().st_size > 0
