"""Experiments: replications with confidence intervals, parameter sweeps, executors."""

from .executors import make_executor
from .replicate import Replications, replicate
from .stats import confidence_interval

__all__ = ["make_executor", "replicate", "Replications", "confidence_interval"]
