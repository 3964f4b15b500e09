"""The file names of a run folder's figures, in the order report.html shows them (no matplotlib here)."""

from __future__ import annotations

__all__ = ["FIGURES"]

FIGURES = ("bill_by_segment.png", "cost_over_time.png", "throughput_over_time.png", "latency_over_time.png",
           "utilization_over_time.png", "energy_over_time.png")
