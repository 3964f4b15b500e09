"""Fonts for figures: Latin text in DejaVu Sans (matplotlib's own), anything it lacks (Chinese,
Japanese, Korean names) in Noto Sans CJK from the `manimgx-fonts-cjk` package (SIL Open Font
License 1.1, installed with tokenecon). Matplotlib falls back glyph by glyph along the family list.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

__all__ = ["use_cjk_font", "CJK_FAMILY"]

CJK_FAMILY = "Noto Sans CJK SC"
_done = False


def _font_file() -> Path | None:
    try:
        import manimgx_fonts_cjk
    except ImportError:
        return None
    found = sorted(Path(manimgx_fonts_cjk.__file__).parent.glob("NotoSansCJK*.tt[cf]"))
    return found[0] if found else None


def use_cjk_font() -> bool:
    """Register Noto Sans CJK and put it after DejaVu Sans in the sans-serif family (once)."""
    global _done
    if _done:
        return True
    from matplotlib import font_manager, rcParams

    path = _font_file()
    if path is None:
        return False
    font_manager.fontManager.addfont(str(path))
    # The file is a variable font whose default instance reads as weight 100; give matplotlib a
    # regular and a bold entry for it, so titles in bold find it without a fallback warning.
    entries = [e for e in font_manager.fontManager.ttflist if e.fname == str(path)]
    others = [e for e in font_manager.fontManager.ttflist if e.fname != str(path)]
    font_manager.fontManager.ttflist = others + [dataclasses.replace(e, weight=w) for e in entries for w in (400, 700)]
    # a private cache of matplotlib's font manager, absent from its type stubs
    font_manager.fontManager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    rcParams["font.family"] = ["DejaVu Sans", CJK_FAMILY]  # explicit families: matplotlib falls back per glyph
    _done = True
    return True
