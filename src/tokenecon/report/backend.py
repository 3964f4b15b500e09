"""Figures are drawn off screen (Agg) unless the user already chose a backend.

Imported by each figure module before pyplot. A notebook (its kernel sets ``MPLBACKEND``) or a
program that already imported pyplot keeps its own backend: tokenecon never switches it.
"""

from __future__ import annotations

import os
import sys

import matplotlib

if "MPLBACKEND" not in os.environ and "matplotlib.pyplot" not in sys.modules:
    matplotlib.use("Agg")
