"""Which script a text is mostly written in: chinese, english, code or mixed.

A coarse, documented rule (good enough to group a divergence report):
- ``code`` when at least 4% of characters are code punctuation ``{}[]();=<>`` and CJK is < 10%
  of letters;
- ``chinese`` when CJK ideographs are >= 60% of letters, ``english`` when they are < 5% and the
  rest are ASCII letters; ``mixed`` otherwise (and for text with no letters).
"""

from __future__ import annotations

import re

__all__ = ["classify_script", "SCRIPTS"]

SCRIPTS = ("chinese", "english", "code", "mixed")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]")
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CODE = b"{}[]();=<>"


def classify_script(text: str) -> str:
    if not text:
        return "mixed"
    # letters and code punctuation are ASCII: counted on the ASCII bytes with C-level deletes;
    # the CJK regex runs only on text that has non-ASCII characters
    ascii_bytes = text.encode("ascii", "ignore")
    ascii_letters = len(ascii_bytes) - len(ascii_bytes.translate(None, _ASCII_LETTERS))
    cjk = _CJK.subn("", text)[1] if len(ascii_bytes) != len(text) else 0
    letters = cjk + ascii_letters
    if letters == 0:
        return "mixed"
    cjk_share = cjk / letters
    code = len(ascii_bytes) - len(ascii_bytes.translate(None, _CODE))
    if code / len(text) >= 0.04 and cjk_share < 0.10:
        return "code"
    if cjk_share >= 0.60:
        return "chinese"
    if cjk_share < 0.05:
        return "english"
    return "mixed"
