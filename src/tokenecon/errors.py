"""Errors tokenecon raises on purpose.

Every error a user can cause is a `TokenEconError`; the CLI prints its message on one
line and exits with code 2. Anything else is a bug (exit code 1).
"""

from __future__ import annotations

__all__ = [
    "TokenEconError",
    "ScenarioError",
    "InputDataError",
    "UnknownNameError",
    "PricingError",
    "ReconciliationError",
]


class TokenEconError(Exception):
    """Base class of errors caused by the user's input."""


class ScenarioError(TokenEconError):
    """A scenario file is missing, unreadable or invalid.

    The message names the file and the field path, e.g.
    ``scenarios/x.yaml: providers[0].gpu.cost_per_hour: must be > 0 (got -1)``.
    """

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None):
        self.path = path
        self.field = field
        prefix = ""
        if path:
            prefix += f"{path}: "
        if field:
            prefix += f"{field}: "
        super().__init__(prefix + message)


class InputDataError(TokenEconError):
    """A data file (trace, empirical sizes, log) is missing or malformed."""


class UnknownNameError(TokenEconError):
    """A name (provider, price, tokenizer, model, ...) that tokenecon does not know."""


class PricingError(TokenEconError):
    """A price cannot be applied to a usage record (never silently priced at 0)."""


class ReconciliationError(RuntimeError):
    """Charge lines, invoices and revenue disagree: a bug, raised loudly, never a warning."""
