"""The meter's divergence figure: how differently tokenizers count the same text."""

from __future__ import annotations

from pathlib import Path

from . import backend  # noqa: F401  (off screen unless a backend was chosen)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import style  # noqa: E402

style.use_cjk_font()  # CJK text renders

__all__ = ["divergence_figure", "write_meter_report"]


def divergence_figure(table: pd.DataFrame, reference: str, path: Path, lang: str = "en") -> None:
    from ..i18n import words

    w = words(lang)
    if lang != "en":  # the Chinese words, regular and bold
        style.use_fonts_for(" ".join(table["tokenizer"].astype(str)) + style.figure_words(w))
    scripts = [s for s in ("chinese", "english", "code", "mixed", "all") if s in set(table["script"])]
    names = list(dict.fromkeys(table["tokenizer"]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    width = 0.8 / max(1, len(names))
    x = np.arange(len(scripts))
    ratio_col = f"ratio_to_{reference}"
    for k, name in enumerate(names):
        rows = table[table["tokenizer"] == name].set_index("script").reindex(scripts)
        exact = bool(table.loc[table["tokenizer"] == name, "exact"].iloc[0])
        label = name if exact else w("fig.meter.estimate", name=name)
        hatch = None if exact else "//"
        offset = (k - (len(names) - 1) / 2) * width
        left.bar(x + offset, rows["tokens_per_character"], width, label=label, hatch=hatch)
        right.bar(x + offset, rows[ratio_col], width, label=label, hatch=hatch)
    for ax in (left, right):
        ax.set_xticks(x, [w("fig.meter.tick", script=w.messages.get(f"meter.script.{s}", s),
                            n=int(table[(table["script"] == s)]["requests"].iloc[0])) for s in scripts])
        ax.grid(True, axis="y", alpha=0.3)
        style.headroom(ax)  # the tallest bar clear of the frame
    left.set_title(w("fig.meter.per_char"))
    left.set_ylabel(w("fig.meter.per_char_y"))
    right.set_title(w("fig.meter.ratio", reference=reference))
    right.set_ylabel(w("fig.meter.ratio_y", reference=reference))
    right.axhline(1.0, color="black", lw=0.8)
    style.legend_below(left, ncol=3)
    fig.suptitle(w("fig.meter.title"), fontsize=13, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_meter_report(folder: Path, summary: dict, *, figures: bool = True, lang: str = "en") -> None:
    """The meter folder's figure (divergence.png, unless `figures` is false) and report.html, from
    `meter_logs`' summary."""
    from ..i18n import words
    from .html import write_page
    from .pages import meter_page

    table = summary["table"]
    if figures:
        with style.figure_language(words(lang), fonts=False):  # its numbers as the language writes them
            divergence_figure(table, summary["totals"]["reference"], folder / "divergence.png", lang)
    write_page(meter_page(summary["totals"], table, folder, words(lang)), folder)
