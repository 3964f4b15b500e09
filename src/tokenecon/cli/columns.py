"""Terminal columns padded by display width: a Chinese, Japanese or Korean character takes two
terminal cells, so padding by characters would push the rest of a row with 阿里云 to the right."""

from __future__ import annotations

import unicodedata

__all__ = ["cells", "left", "right", "head"]


def cells(text: str) -> int:
    """Terminal cells `text` takes: 2 for wide and fullwidth characters, 0 for combining marks, else 1."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def left(text: str, width: int) -> str:
    """`text` left-aligned in `width` cells (as f"{text:<width}" for narrow text)."""
    return text + " " * max(0, width - cells(text))


def right(text: str, width: int) -> str:
    """`text` right-aligned in `width` cells (as f"{text:>width}" for narrow text)."""
    return " " * max(0, width - cells(text)) + text


def head(text: str, width: int) -> str:
    """A column header right-aligned in `width` cells, at least one space from the column before
    (as `right` when it fits: a header as wide as its column still stands apart)."""
    return right(" " + text, width)
