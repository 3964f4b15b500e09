"""Demand: who sends requests, when, how large they are, and where (routing and budgets)."""

from .routing import DYNAMIC, Routes, plan_routes
from .workload import Workload, build_workload

__all__ = ["Workload", "build_workload", "Routes", "plan_routes", "DYNAMIC"]
