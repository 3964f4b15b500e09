"""The data files a scenario names, read before a run so that a bad file fails fast (file and line named)."""

from __future__ import annotations

from .scenario import EmpiricalSize, Scenario

__all__ = ["check_input_files"]


def check_input_files(scenario: Scenario) -> None:
    """Read every empirical size column the scenario names; raises `InputDataError` on a bad one."""
    if any(isinstance(spec, EmpiricalSize) for c in scenario.customers for spec in (c.input_tokens, c.output_tokens)):
        from .demand.sizes import check_empirical_sources  # pandas reads the files: only when there are files

        check_empirical_sources(scenario)
