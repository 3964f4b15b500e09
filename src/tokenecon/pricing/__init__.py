"""Pricing policies: pure functions from usage columns to exact charge lines.

A scenario's ``pricing:`` maps names to policy specs; the spec's ``type:`` picks the class
from `POLICY_TYPES`. New policy types register there.
"""

from typing import TYPE_CHECKING

from .base import COMPONENTS, ChargeTable, PricingPolicy, Usage
from .policies import ContextTiersPolicy, PerTokenPolicy, VolumeTiersPolicy

if TYPE_CHECKING:
    from ..scenario.model import Scenario
    from ..scenario.pricing import ContextTiersPricing, PerTokenPricing, VolumeTiersPricing

POLICY_TYPES: dict[str, type[PricingPolicy]] = {
    "per_token": PerTokenPolicy,
    "context_tiers": ContextTiersPolicy,
    "volume_tiers": VolumeTiersPolicy,
}


def make_policy(name: str, spec: "PerTokenPricing | ContextTiersPricing | VolumeTiersPricing") -> PricingPolicy:
    """The policy object for one named entry of a scenario's ``pricing:``."""
    return POLICY_TYPES[spec.type](name, spec)


def make_policies(scenario: "Scenario") -> dict[str, PricingPolicy]:
    """Every pricing policy of a scenario; raises `PricingError` if a derived price is not exact."""
    return {name: make_policy(name, spec) for name, spec in scenario.pricing.items()}


__all__ = ["COMPONENTS", "ChargeTable", "PricingPolicy", "Usage", "PerTokenPolicy", "ContextTiersPolicy",
           "VolumeTiersPolicy", "POLICY_TYPES", "make_policy", "make_policies"]
