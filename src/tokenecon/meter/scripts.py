"""Which script a text is mostly written in: chinese, english, code or mixed.

A coarse, documented rule (good enough to group a divergence report):
- ``code`` when at least 4% of characters are code punctuation ``{}[]();=<>`` and CJK is < 10%
  of letters;
- ``chinese`` when CJK ideographs are >= 60% of letters, ``english`` when they are < 5% and the
  rest are ASCII letters; ``mixed`` otherwise (and for text with no letters).
"""

from __future__ import annotations

import re

__all__ = ["classify_script", "classify_scripts", "SCRIPTS"]

SCRIPTS = ("chinese", "english", "code", "mixed")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]")
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CODE = b"{}[]();=<>"
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF))  # those of `_CJK`


def classify_script(text: str) -> str:
    if not text:
        return "mixed"
    # letters and code punctuation are ASCII: counted on the ASCII bytes with C-level deletes;
    # the CJK regex runs only on text that has non-ASCII characters
    ascii_bytes = text.encode("ascii", "ignore")
    cjk = _CJK.subn("", text)[1] if len(ascii_bytes) != len(text) else 0
    return _classify(text, ascii_bytes, cjk)


def classify_scripts(texts: list[str]) -> list[str]:
    """`classify_script` of each text; the CJK ideographs of all texts counted in one numpy pass."""
    ascii_bytes = [text.encode("ascii", "ignore") for text in texts]
    wide = [k for k, text in enumerate(texts) if len(ascii_bytes[k]) != len(text)]
    cjk = [0] * len(texts)
    if wide:
        import numpy as np

        # one code point per character (a lone surrogate included), so offsets are string lengths
        points = np.frombuffer("".join(texts[k] for k in wide).encode("utf-32-le", "surrogatepass"), dtype="<u4")
        inside = np.zeros(len(points), dtype=np.int64)
        for lo, hi in _CJK_RANGES:
            inside += (points >= lo) & (points <= hi)
        before = np.concatenate([[0], np.cumsum(inside)])
        ends = np.cumsum([len(texts[k]) for k in wide])
        counts = before[ends] - before[ends - [len(texts[k]) for k in wide]]
        for k, n in zip(wide, counts.tolist()):
            cjk[k] = n
    return [_classify(text, b, n) if text else "mixed" for text, b, n in zip(texts, ascii_bytes, cjk)]


def _classify(text: str, ascii_bytes: bytes, cjk: int) -> str:
    ascii_letters = len(ascii_bytes) - len(ascii_bytes.translate(None, _ASCII_LETTERS))
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
