"""tokenecon: a token-economy metering and billing simulator.

    >>> import tokenecon
    >>> result = tokenecon.run(tokenecon.load_scenario("scenarios/quickstart.yaml"))
    >>> result.summary()["revenue"]
"""

from importlib import import_module
from typing import Any

from .errors import (
    InputDataError,
    PricingError,
    ReconciliationError,
    ScenarioError,
    TokenEconError,
    UnknownNameError,
)

# Everything else is imported on first use (PEP 562): `import tokenecon` stays light and changes
# nothing (no pandas, matplotlib or backend switch until a run, a table or a figure needs them).
_LAZY = {
    "load_scenario": "scenario", "scenario_from_dict": "scenario", "Scenario": "scenario",
    "run": "runner", "Result": "results",
    "compare": "comparison", "policy_variants": "comparison", "Comparison": "comparison",
    "replicate": "experiments", "make_executor": "experiments",
    "load_sweep": "experiments.sweep", "run_sweep": "experiments.sweep",
    "Meter": "meter", "write_run_folder": "report",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'tokenecon' has no attribute {name!r}")
    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "load_scenario",
    "scenario_from_dict",
    "run",
    "compare",
    "policy_variants",
    "Comparison",
    "replicate",
    "make_executor",
    "load_sweep",
    "run_sweep",
    "Meter",
    "write_run_folder",
    "Result",
    "Scenario",
    "TokenEconError",
    "ScenarioError",
    "InputDataError",
    "UnknownNameError",
    "PricingError",
    "ReconciliationError",
    "__version__",
]
