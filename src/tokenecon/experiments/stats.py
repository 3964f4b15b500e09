"""Confidence intervals from independent replications (Student's t)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["t_quantile_975", "confidence_interval"]

# two-sided 95%: the 0.975 quantile of Student's t with df degrees of freedom
_T975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
         20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
         29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


def t_quantile_975(df: int) -> float:
    if df < 1:
        return math.nan
    if df in _T975:
        return _T975[df]
    keys = sorted(_T975)
    if df > keys[-1]:
        return 1.960
    upper = next(k for k in keys if k > df)
    lower = max(k for k in keys if k < df)
    # interpolate linearly in 1/df, which is nearly exact for t quantiles
    w = (1 / df - 1 / upper) / (1 / lower - 1 / upper)
    return _T975[upper] + w * (_T975[lower] - _T975[upper])


def confidence_interval(values) -> tuple[float, float, float]:
    """(mean, half width of the 95% interval, standard deviation) of replication results."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan
    std = float(x.std(ddof=1))
    return mean, t_quantile_975(n - 1) * std / math.sqrt(n), std
