"""Fonts for figures: Latin text in DejaVu Sans (matplotlib's own), anything it lacks (Chinese,
Japanese, Korean names) in Noto Sans CJK from the `manimgx-fonts-cjk` package (SIL Open Font
License 1.1, installed with tokenecon). Matplotlib falls back glyph by glyph along the family list.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

__all__ = ["use_cjk_font", "use_fonts_for", "CJK_FAMILY", "cjk_font_face", "PAGE_CJK_FAMILY"]

CJK_FAMILY = "Noto Sans CJK SC"
PAGE_CJK_FAMILY = "tokenecon CJK"  # the subset embedded in a report.html
_done = False
_SC_INDEX = 2  # the collection holds JP, KR, SC, TC, HK; simplified Chinese shapes first

# Han, kana, Hangul, CJK punctuation and full-width forms: what DejaVu Sans and most Latin
# system fonts lack. The @font-face rule's unicode-range is the same set, so Latin text keeps
# the reader's own font.
_CJK_RANGES = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
               (0x20000, 0x2FA1F))


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


_STATIC_FAMILY = "tokenecon CJK static"  # regular and bold instances of the CJK glyphs a run's names use
_static_chars: set[str] = set()


def _use_static_weights(text: str) -> bool:
    """Register regular (400) and bold (700) static instances of Noto Sans CJK SC cut down to the
    CJK characters of `text`, ahead of the variable font in the family list.

    Matplotlib draws a variable font at its default instance, weight 100: Chinese names in titles
    read thin beside bold Latin. An instance of a few glyphs takes a fraction of a second (the whole
    font would take minutes); characters outside it fall back to the variable font."""
    global _static_chars
    chars = {ch for ch in set(text) if _is_cjk(ch)}
    path = _font_file()
    if path is None or not chars:
        return False
    if not chars <= _static_chars:
        from matplotlib import font_manager

        _static_chars |= chars
        files = _instances("".join(sorted(_static_chars)), path)
        manager = font_manager.fontManager
        manager.ttflist = [e for e in manager.ttflist if e.name != _STATIC_FAMILY]
        for weight, file in zip((400, 700), files):
            manager.addfont(str(file))
            manager.ttflist[-1] = dataclasses.replace(manager.ttflist[-1], name=_STATIC_FAMILY, weight=weight)
        manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    from matplotlib import rcParams

    rcParams["font.family"] = ["DejaVu Sans", _STATIC_FAMILY, CJK_FAMILY]
    return True


def _instances(chars: str, path: Path) -> list[Path]:
    """The regular and bold instance files for `chars`, made once and kept in matplotlib's cache
    folder (named by the characters, written whole or not at all: runs may share the folder)."""
    import hashlib
    import os

    from fontTools.varLib import instancer
    from matplotlib import get_cachedir

    key = hashlib.sha256(f"{path.stat().st_size}:{chars}".encode("utf-8")).hexdigest()[:20]
    folder = Path(get_cachedir()) / "tokenecon-fonts"
    files = [folder / f"cjk-{key}-{weight}.otf" for weight in (400, 700)]
    if all(f.is_file() for f in files):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    base = _subset(path, chars)
    for weight, file in zip((400, 700), files):
        partial = file.with_name(f".{file.name}.{os.getpid()}")
        instancer.instantiateVariableFont(base, {"wght": weight}).save(str(partial))
        os.replace(partial, file)
    return files


def _subset(path: Path, chars: str):
    """Noto Sans CJK SC (variable) with only the glyphs of `chars`, licence names kept."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # vertical forms, locale variants: shaping as in the full font
    options.name_IDs = ["*"]  # keep the licence and copyright names (SIL OFL 1.1)
    # the source font's timestamp kept: the same characters give the same bytes (report.html reproducible)
    font = TTFont(str(path), fontNumber=_SC_INDEX, lazy=True, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    return font


def use_fonts_for(text: str) -> None:
    """Fonts for figures drawing only characters of `text` (and ASCII): Noto Sans CJK joins DejaVu
    Sans when DejaVu Sans (regular or bold) lacks one of them; otherwise DejaVu Sans alone.

    Matplotlib falls back glyph by glyph, so text DejaVu Sans covers draws the same pixels either
    way; registering the CJK font takes about as long as drawing a figure, so it is done only when
    a name needs it (or once it has been done in this process)."""
    if _done or _dejavu_lacks(text):
        if use_cjk_font():
            _use_static_weights(text)  # bold titles in bold, regular text at weight 400
            return
    from matplotlib import rcParams

    rcParams["font.family"] = ["DejaVu Sans"]


def _dejavu_lacks(text: str) -> bool:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    chars = {ord(ch) for ch in text} - set(range(128))
    if not chars:
        return False
    for weight in ("normal", "bold"):
        props = font_manager.FontProperties(family="DejaVu Sans", weight=weight)
        covered = FT2Font(font_manager.findfont(props)).get_charmap()
        if not chars <= covered.keys():
            return True
    return False


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def cjk_font_face(text: str) -> str:
    """A CSS @font-face rule embedding Noto Sans CJK SC cut down to the CJK characters of `text`
    (a few kB), so a page shows its Chinese names on a machine without CJK fonts; "" when the
    text has none or the font is not installed."""
    chars = sorted({ch for ch in set(text) if _is_cjk(ch)})
    path = _font_file() if chars else None
    if path is None:
        return ""
    import base64
    import io

    font = _subset(path, "".join(chars))
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    ranges = ", ".join(f"U+{lo:X}-{hi:X}" for lo, hi in _CJK_RANGES)
    return (f'@font-face {{ font-family: "{PAGE_CJK_FAMILY}"; font-weight: 100 900; unicode-range: {ranges}; '
            f'src: url(data:font/otf;base64,{data}) format("opentype"); }}')
