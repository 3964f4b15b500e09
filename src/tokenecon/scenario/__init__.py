"""Scenario schema: typed, immutable objects validated from a YAML file.

`load_scenario(path)` reads the file with ``yaml.safe_load``, validates it with pydantic and
checks cross references (a customer naming an unknown provider, a provider naming an unknown
price). Every problem becomes a `ScenarioError` whose one-line message names the file and the
field path, e.g. ``quick.yaml: customers[0].arrivals.rate: expected a rate ... (got '2 per s')``.
"""


from .base import Duration, Name, Price, Rate, Spec
from .checks import _tokenizer_name, load_calibration
from .customers import (Budget, Choice, CorpusSpec, CustomerSpec, Elasticity, Flexible, Provisioned,
                        TokenCalibration)
from .demand import (ArrivalSpec, EmpiricalSize, ExponentialGrowth, ExponentialSize, FixedSize, GrowthSpec,
                     LogisticGrowth, LognormalSize, PiecewiseGrowth, PoissonArrivals, SizeSpec, TraceArrivals)
from .fleet import DecodeStepSpec, GpuSpec, PerformanceSpec, PowerSpec, ProviderSpec, QueueSpec, RateLimitSpec
from .loading import json_schema, load_scenario, scenario_from_dict, skip_bad_rows
from .model import Milestone, Outputs, Scenario, SupplyModel
from .pricing import (ContextTiersPricing, Credit, FreeQuota, Money, PerTokenPricing, PlanSpec, PricingSpec,
                      ServiceTiers, Subscription, Surge, Tier, TimeOfUse, TimeWindow, TokenPackage,
                      VolumeTiersPricing)

__all__ = [
    "Duration",
    "Name",
    "Price",
    "Rate",
    "Spec",
    "_tokenizer_name",
    "load_calibration",
    "Budget",
    "Choice",
    "CorpusSpec",
    "CustomerSpec",
    "Elasticity",
    "Flexible",
    "Provisioned",
    "TokenCalibration",
    "ArrivalSpec",
    "EmpiricalSize",
    "ExponentialGrowth",
    "ExponentialSize",
    "FixedSize",
    "GrowthSpec",
    "LogisticGrowth",
    "LognormalSize",
    "PiecewiseGrowth",
    "PoissonArrivals",
    "SizeSpec",
    "TraceArrivals",
    "DecodeStepSpec",
    "GpuSpec",
    "PerformanceSpec",
    "PowerSpec",
    "ProviderSpec",
    "QueueSpec",
    "RateLimitSpec",
    "json_schema",
    "load_scenario",
    "skip_bad_rows",
    "scenario_from_dict",
    "Milestone",
    "Outputs",
    "Scenario",
    "SupplyModel",
    "ContextTiersPricing",
    "Credit",
    "FreeQuota",
    "Money",
    "PerTokenPricing",
    "PlanSpec",
    "PricingSpec",
    "ServiceTiers",
    "Subscription",
    "Surge",
    "Tier",
    "TimeOfUse",
    "TimeWindow",
    "TokenPackage",
    "VolumeTiersPricing",
]
