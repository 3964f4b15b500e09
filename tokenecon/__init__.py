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
from .compare import Comparison, compare
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
    "Comparison",
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
