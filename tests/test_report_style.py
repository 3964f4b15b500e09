"""Readable numbers in figures: no scientific notation, no offsets; one colour per name."""

from __future__ import annotations

from tokenecon.report.style import palette, short_number


def test_short_numbers():
    assert [short_number(v) for v in (0, 0.5, 2320, 12345, 133187, 4.2e9, 1e14, -460.48, 999.9, 0.000021)] == [
        "0", "0.5", "2,320", "12.3k", "133k", "4.2bn", "100tn", "-460", "1,000", "0.000021"]
    assert all("e" not in short_number(v) for v in (1.5e-7, 2.32e3, 1e10, 3.74e3))


def test_one_colour_per_name_in_order():
    colors = palette(["acme", "budget", "acme", "third"])
    assert list(colors) == ["acme", "budget", "third"] and len(set(colors.values())) == 3
    assert palette(["acme", "budget"]) == {k: colors[k] for k in ("acme", "budget")}


def test_the_cjk_font_is_registered_only_for_names_dejavu_lacks():
    from tokenecon.report.fonts import _dejavu_lacks

    assert _dejavu_lacks("中小企业") and _dejavu_lacks("acme 深度求索")
    assert not _dejavu_lacks("acme, budget: Zürich café (São Paulo) Ωmega")


def test_latin_names_draw_the_same_pixels_with_or_without_the_cjk_font(tmp_path):
    import matplotlib

    import tokenecon
    from tokenecon.report import figures
    from tokenecon.report.fonts import CJK_FAMILY, use_cjk_font

    from .conftest import scenario_dict

    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration="1h")))
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        figures.cost_figure(result, tmp_path / "latin.png")
    assert use_cjk_font() and CJK_FAMILY in matplotlib.rcParams["font.family"]
    figures.cost_figure(result, tmp_path / "with_cjk.png")
    assert (tmp_path / "latin.png").read_bytes() == (tmp_path / "with_cjk.png").read_bytes()


def test_chinese_names_draw_bold_in_bold_titles_and_regular_elsewhere():
    """The CJK font is variable; matplotlib would draw every weight at its default (100, thin). A
    run's Chinese names get static 400 and 700 instances: bold titles carry visibly more ink."""
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from tokenecon.report.fonts import use_fonts_for

    def ink(weight: str, text: str = "方案甲") -> float:
        fig = Figure(figsize=(2, 1), dpi=100)
        FigureCanvasAgg(fig)
        fig.text(0.05, 0.3, text, fontsize=20, fontweight=weight)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[:, :, :3]
        return float((255 - pixels).sum())

    with matplotlib.rc_context():
        use_fonts_for('{"name": "方案甲"}')
        regular, bold = ink("normal"), ink("bold")
        thin_fallback = ink("normal", "乙")  # not in the run's names: the variable font, thin
        assert bold > 1.3 * regular and regular > 1.5 * thin_fallback > 0


def test_page_tables_put_words_left_and_numbers_right():
    from tokenecon.report.html import Table, _table

    page = _table(Table("Bill by segment", ["policy", "segment", "bill", "margin"],
                        [["standard", "apps_cn", "455.22", "-446.56"],
                         ["standard", "idle replicas (no segment)", "", "-0.03"]]))
    assert '<th class="t">segment</th>' in page and '<td class="t">apps_cn</td>' in page
    assert "<th>bill</th>" in page and "<td>-446.56</td>" in page and "<td>455.22</td>" in page


def test_provider_table_names_the_currency_once_unless_providers_differ():
    from tokenecon.report.pages import _run_tables

    def provider(name, currency):
        return {f"{name}.requests_completed": 10, f"{name}.requests_rejected": 0, f"{name}.requests_timed_out": 0,
                f"{name}.utilization": 0.5, f"{name}.revenue": "12.5", f"{name}.currency": currency,
                f"{name}.gpu_cost": 3.0, f"{name}.energy_cost": 0.5, f"{name}.margin": 9.0}

    same = _run_tables({"currency": "USD", **provider("a", "USD"), **provider("b", "USD")}, {})[0]
    assert same.columns[5] == "revenue (USD)" and same.rows[0][5] == "12.50"
    mixed = _run_tables({"currency": "USD", **provider("a", "USD"), **provider("b", "CNY")}, {})[0]
    assert mixed.columns[5] == "revenue" and [row[5] for row in mixed.rows] == ["12.50 USD", "12.50 CNY"]


def _edges_blank(path) -> bool:
    """Every pixel on the PNG's border is the white background: nothing drawn runs off an edge."""
    import matplotlib.image as mpimg
    import numpy as np

    pixels = mpimg.imread(path)[:, :, :3]
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return bool((border > 0.99).all())


def test_each_run_figure_is_laid_out_once_drawn_once_and_cut_nowhere(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    import tokenecon
    from tokenecon.report.figures import write_figures

    from .conftest import scenario_dict

    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration="1h")))
    draws, layouts = [], []
    draw, layout = Figure.draw, Figure.tight_layout
    monkeypatch.setattr(Figure, "draw", lambda fig, renderer: draws.append(1) or draw(fig, renderer))
    monkeypatch.setattr(Figure, "tight_layout", lambda fig, **kw: layouts.append(1) or layout(fig, **kw))
    write_figures(result, tmp_path)
    written = sorted(tmp_path.glob("*.png"))
    assert len(written) >= 5 and len(draws) == len(layouts) == len(written)
    assert all(_edges_blank(p) for p in written), [p.name for p in written if not _edges_blank(p)]


def test_a_title_wider_than_the_figure_widens_it_and_legends_sit_below_the_axis_label(tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.image import imread

    from tokenecon.report.style import legend_below, save

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="one line")
    ax.plot([0, 1], [1, 0], label="another line")
    ax.set_xlabel("an axis label")
    legend_below(ax)
    fig.canvas.draw()
    legend, label = ax.get_legend().get_window_extent(), ax.xaxis.label.get_window_extent()
    assert legend.y1 < label.y0  # under the axis label, not over it or the data
    save(fig, tmp_path / "wide.png", "a title far wider than a four-inch figure, every word of it kept")
    width = imread(tmp_path / "wide.png").shape[1]
    assert width > 4 * 110 and _edges_blank(tmp_path / "wide.png")


def test_cumulative_revenue_runs_from_zero_at_the_start_to_the_total_at_the_end(monkeypatch, tmp_path):
    import pandas as pd
    import pytest

    import tokenecon
    from tokenecon.report import figures

    from .conftest import scenario_dict

    drawn = {}
    monkeypatch.setattr(figures, "save", lambda fig, path, title: drawn.setdefault("fig", fig))
    result = tokenecon.run(tokenecon.scenario_from_dict(scenario_dict(duration="1h")))
    figures.cost_figure(result, tmp_path / "cost.png")
    line = drawn["fig"].axes[0].get_lines()[0]
    times, revenue = pd.to_datetime(line.get_xdata()), line.get_ydata()
    start = pd.Timestamp(result.scenario.start_local)
    assert revenue[0] == 0 and times[0] == start
    assert revenue[-1] == pytest.approx(float(result.summary()["revenue"])) and times[-1] == start + pd.Timedelta(hours=1)


def test_sweep_colour_bars_name_the_unit_of_per_segment_and_per_provider_metrics():
    from tokenecon.report.experiment_figures import _unit

    assert _unit("ttft_p95_s.enterprise", "USD") == "ttft_p95_s.enterprise (seconds)"
    assert _unit("margin.sme", "USD") == "margin.sme (USD)" and _unit("cost_to_serve.sme", "USD").endswith("(USD)")
    assert _unit("acme.margin", "USD") == "acme.margin (USD)" and _unit("bill.sme", "CNY").endswith("(CNY)")
    assert _unit("acme.requests_timed_out", "USD") == "acme.requests_timed_out"  # a count has no unit
