"""The SimPy model: providers with queues, admission and replicas that batch continuously."""

from .engine import SimOutput, simulate

__all__ = ["SimOutput", "simulate"]
