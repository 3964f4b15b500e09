"""Shared look of every figure: one colour per provider or policy, legends outside the data,
readable numbers (no offsets, no scientific notation), titles naming the scenario and seed."""

from __future__ import annotations

import warnings

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import backend  # noqa: F401  (off screen unless a backend was chosen)
import numpy as np  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from ..i18n import Words, words  # noqa: E402
from .fonts import use_cjk_font, use_fonts_for  # noqa: E402

# Chinese, Japanese and Korean names render in every figure: the figure modules register the CJK
# font when imported (`use_cjk_font`), a run's figures when one of its names needs it (`use_fonts_for`).

__all__ = ["use_cjk_font", "use_fonts_for", "palette", "legend_below", "readable", "headroom", "title_of", "short_number",
           "save", "words_for", "figure_words", "figure_language", "date_axis", "tz_label"]

# tab10 without its grey (kept for neutral marks): distinct, colour-blind-friendlier order
_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]
_LINESTYLES = ["-", (0, (5, 2)), (0, (1, 1.5)), (0, (3, 1, 1, 1))]


def palette(names) -> dict[str, str]:
    """A fixed colour per name, in the given order (the scenario's provider or policy order)."""
    return {name: _COLORS[k % len(_COLORS)] for k, name in enumerate(dict.fromkeys(names))}


def linestyles(names) -> dict[str, object]:
    """A line style per name, so lines drawn on top of each other stay visible."""
    return {name: _LINESTYLES[k % len(_LINESTYLES)] for k, name in enumerate(dict.fromkeys(names))}


def equal_groups(series: Mapping[str, Any]) -> list[list[str]]:
    """The names whose values are equal (to 1e-9 relative), grouped in first-seen order: lines that
    would be drawn on top of each other, one hiding the rest. Draw one line per group."""
    groups: list[list[str]] = []
    for name, values in series.items():
        y = np.asarray(values, dtype=float)
        for group in groups:
            first = np.asarray(series[group[0]], dtype=float)
            if first.shape == y.shape and np.allclose(first, y, rtol=1e-9, atol=0.0, equal_nan=True):
                group.append(name)
                break
        else:
            groups.append([name])
    return groups


EQUAL_COLOR = "0.25"  # the line standing for several equal series (dark grey: none of their colours)


_LARGE = {"en": ((1e12, 1e12, "tn"), (1e9, 1e9, "bn"), (1e6, 1e6, "M"), (1e4, 1e3, "k")),
          "zh": ((1e12, 1e12, "万亿"), (1e8, 1e8, "亿"), (1e4, 1e4, "万"))}
_numbers = "en"  # the language figures being drawn write their numbers in (`figure_language`)


@contextmanager
def figure_language(w: Words, names: str = "", fonts: bool = True) -> Iterator[None]:
    """Figures drawn inside speak `w`'s language: fonts for `names` and the language's words (Chinese
    needs the CJK font, at its weight), and large numbers in its units (12.3k or 1.23万); English
    numbers again after."""
    global _numbers
    if fonts:
        use_fonts_for(names + figure_words(w))
    _numbers = w.lang
    try:
        yield
    finally:
        _numbers = "en"


def short_number(value: float, digits: int = 3) -> str:
    """12,300 -> '12.3k', 4.2e9 -> '4.2bn', 0.000021 -> '0.000021'; never scientific notation.
    In Chinese figures: 12,300 -> '1.23万', 4.2e9 -> '42亿', 1.4e14 -> '140万亿'."""
    a = abs(value)
    for limit, unit, suffix in _LARGE.get(_numbers, _LARGE["en"]):
        if a >= limit:
            # 万 / 亿 are 10,000 apart: a count of them may have four whole digits (1000亿, not 1e+03亿)
            whole = digits if _numbers == "en" else max(digits, len(f"{a / unit:.0f}"))
            return f"{value / unit:.{whole}g}{suffix}"
    if a >= 100:
        return f"{value:,.0f}"
    if a >= 1 or a == 0:
        return f"{value:.{digits}g}"
    text = f"{value:.{max(digits, 1) + 6}f}".rstrip("0")
    significant = len(text.split(".")[1]) - len(text.split(".")[1].lstrip("0")) + digits
    return f"{value:.{significant}f}".rstrip("0").rstrip(".")


def readable(ax, axis: str = "y") -> None:
    """Tick labels as plain numbers with k / M / bn suffixes: no offset text, no 1e10."""
    formatter = FuncFormatter(lambda v, _: short_number(v))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def headroom(ax, top: float | None = None) -> None:
    """From 0 to 10% above the data, so no line runs along the frame."""
    low, high = ax.get_ylim()
    high = top if top is not None else high
    ax.set_ylim(0, max(high * 1.1, 1e-12))


LEGEND_DROP_PT = 38  # from the plot area's bottom edge to the legend: below tick labels and axis label


def legend_below(ax, ncol: int | None = None, title: str | None = None) -> None:
    """The axis's legend under its plot area, never over the data.

    Its distance from the plot area is fixed in points (like the tick and axis labels it sits
    under), not a fraction of the plot's height, so one `tight_layout` pass places it exactly."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    ncol = ncol or min(len(labels), 3)
    below = ax.transAxes + ScaledTranslation(0, -LEGEND_DROP_PT / 72, ax.figure.dpi_scale_trans)
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, ncol=ncol,
              fontsize=8, frameon=False, title=title, title_fontsize=8)


def words_for(scenario) -> Words:
    """The words of a scenario's figures: its `outputs.language` (English without a scenario)."""
    return words(scenario.outputs.language if scenario is not None else "en")


def figure_words(w: Words) -> str:
    """Every word a figure may draw in this language (for the fonts: Chinese labels need the CJK font)."""
    return "".join(v for k, v in w.messages.items() if k.startswith(("fig.", "fmt.1e", "currency.", "metric.", "meter.script.")))


def title_of(scenario, text: str) -> str:
    return words_for(scenario)("fig.title", scenario=scenario.name, seed=scenario.seed, text=text)


def tz_label(scenario) -> str:
    """'local time (Asia/Shanghai)' or '当地时间（UTC+0800）'."""
    return words_for(scenario)("fig.local_time", tz=scenario.timezone or scenario.start_local.strftime("UTC%z"))


def date_axis(ax, tz, w: Words, locator=None) -> None:
    """Concise dates on the x axis, written as the language writes them (Mar-02 or 3月02日)."""
    import matplotlib.dates as mdates

    locator = locator or mdates.AutoDateLocator(tz=tz)
    ax.xaxis.set_major_locator(locator)
    formats = {k: w(f"fig.{name}").split("|") if w(f"fig.{name}") else None
               for k, name in (("formats", "dates"), ("offset_formats", "date_offsets"), ("zero_formats", "date_zeros"))}
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz, **formats))


DPI = 110
_PAD_IN = 0.15  # tight_layout's padding (1.08 x the 10 pt font size), in inches


def save(fig, path, title: str) -> None:
    """Title `fig`, lay it out once and write it as PNG at `DPI`.

    One layout pass (`tight_layout`, every label and legend inside the figure) and one draw: the
    layout is measured at the resolution the file is drawn at, so the draw reuses its text sizes,
    and no layout engine is left on the figure (that would make `savefig` draw it twice). A title
    wider than the figure widens it; decorations that no layout fits into the figure (tight_layout
    gives up) are kept by cropping the file to what was drawn, at the cost of a second layout."""
    fig.set_dpi(DPI)
    text = fig.suptitle(title, fontsize=13, fontweight="bold")
    # the figure's own renderer (Agg's here; a canvas without one, e.g. the user's SVG backend, is measured
    # by a dry draw)
    wide = text.get_window_extent().width / DPI + 2 * _PAD_IN
    if wide > fig.get_figwidth():
        fig.set_figwidth(wide)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.tight_layout()
    fitted = True
    for warning in caught:
        if str(warning.message).startswith("Tight layout not applied"):
            fitted = False
        else:  # anything else (a missing glyph, ...) is the caller's to see
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    fig.set_layout_engine(None)
    fig.savefig(path, dpi=DPI, **({} if fitted else {"bbox_inches": "tight"}))
    plt.close(fig)
