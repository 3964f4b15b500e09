"""Names: any script for display (providers, segments, policies, scenarios), and safe slugs
derived from them for file and folder names.

A name may use letters and digits of any script (中文, العربية, ...), combining marks, and
``_ . -``, starting with a letter or digit; so names are also safe as CSV column prefixes
(``<provider>.revenue``). A slug keeps the name where a file system allows it and replaces
anything else, so two different names never share a folder.
"""

from __future__ import annotations

import hashlib
import unicodedata

from .inputs import quote

__all__ = ["check_name", "slug", "unique_slugs", "NAME_RULE"]

NAME_RULE = "letters or digits of any script, '_', '.' or '-', starting with a letter or digit (at most 64)"


def _name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_.-" or unicodedata.category(ch).startswith("M")


def check_name(value: str, what: str = "name") -> str:
    """The name in Unicode NFC, or ValueError saying what a name may contain."""
    value = unicodedata.normalize("NFC", value)
    if not value or len(value) > 64 or not value[0].isalnum() or not all(_name_char(c) for c in value):
        raise ValueError(f"{what} {quote(value)}: use {NAME_RULE}")
    return value


def slug(name: str) -> str:
    """A file-system-safe form of `name`: letters and digits of any script kept, the rest '_'."""
    text = unicodedata.normalize("NFKC", str(name))
    out = "".join(c if _name_char(c) else "_" for c in text).strip("._-")
    while "__" in out:
        out = out.replace("__", "_")
    if not out:
        out = "x" + hashlib.sha256(str(name).encode("utf-8")).hexdigest()[:8]
    return out[:80]


def unique_slugs(names) -> dict[str, str]:
    """A distinct slug per name (``a``, ``a-2``, ...), case-insensitively distinct too."""
    taken: set[str] = set()
    out = {}
    for name in names:
        base = slug(name)
        candidate, k = base, 1
        while candidate.casefold() in taken:
            k += 1
            candidate = f"{base}-{k}"
        taken.add(candidate.casefold())
        out[name] = candidate
    return out
