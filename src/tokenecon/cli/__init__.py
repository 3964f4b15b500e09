"""The `tokenecon` command line: thin commands over the library, one module per command family.

Each command parses its arguments, calls one library function and formats the outcome; domain
errors become one line on stderr and exit 2 (see `group.main`).
"""

from __future__ import annotations

from . import catalog, experiments, meter, profile, run  # noqa: F401  (each registers its commands on `cli`)
from .group import cli, main

__all__ = ["cli", "main"]
