"""The SimPy model: providers with queues, admission and replicas that batch continuously."""

from .engine import IntervalLoad, SimOutput, simulate

__all__ = ["IntervalLoad", "SimOutput", "simulate"]
