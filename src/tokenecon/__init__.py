"""tokenecon: a token-economy metering and billing simulator.

    >>> import tokenecon
    >>> result = tokenecon.run(tokenecon.load_scenario("scenarios/quickstart.yaml"))
    >>> result.summary()["revenue"]
"""

from .errors import (
    InputDataError,
    PricingError,
    ReconciliationError,
    ScenarioError,
    TokenEconError,
    UnknownNameError,
)
from .compare import Comparison, compare, policy_variants
from .experiments import make_executor, replicate
from .experiments.sweep import load_sweep, run_sweep
from .meter import Meter
from .report import write_run_folder
from .results import Result
from .runner import run
from .scenario import Scenario, load_scenario, scenario_from_dict

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
