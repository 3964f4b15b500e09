"""Demand: who sends requests, when, how large they are, and where (routing and budgets).

The names below are imported on first use, so that a light submodule (`demand.profiles`, used
when a scenario is checked) does not pull in pandas with the workload builder.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .routing import DYNAMIC, Routes, plan_routes
    from .workload import Workload, build_workload

__all__ = ["Workload", "build_workload", "Routes", "plan_routes", "DYNAMIC"]

_LAZY = {"Workload": "workload", "build_workload": "workload", "Routes": "routing", "plan_routes": "routing",
         "DYNAMIC": "routing"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'tokenecon.demand' has no attribute {name!r}")
    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value
