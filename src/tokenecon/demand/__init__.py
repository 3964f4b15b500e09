"""Demand: who sends requests, when, and how large they are."""

from .workload import Workload, build_workload

__all__ = ["Workload", "build_workload"]
