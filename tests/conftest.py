"""Shared helpers: small scenarios built in code, and the CLI called in-process."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
from hypothesis import settings

from tokenecon.cli import main

# Property tests draw the same examples on every run, so a green suite is a reproducible fact; run
# `HYPOTHESIS_PROFILE=explore python -m pytest ...` to draw new examples when hunting for bugs.
settings.register_profile("reproducible", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "scenarios" / "quickstart.yaml"

BASE = {
    "name": "tiny",
    "seed": 1,
    "start": "2026-03-02T00:00:00+00:00",
    "duration": "2h",
    "currency": "USD",
    "providers": [{
        "name": "p1",
        "replicas": 2,
        "gpus_per_replica": 8,
        "gpu": {"type": "H100", "cost_per_hour": 2.95, "power_w": {"idle": 75, "busy": 700}},
        "pue": 1.2,
        "performance": {
            "prefill_tokens_per_s": 15000,
            "decode_step_s": {"base": 0.03, "per_sequence": 0.0003},
            "max_batch": 16,
        },
        "price": "std",
    }],
    "pricing": {"std": {"type": "per_token", "input": 2.50, "cached_input": 1.25, "output": 10.00}},
    "customers": [{
        "name": "c1",
        "count": 3,
        "arrivals": {"type": "poisson", "rate": "0.5/s"},
        "input_tokens": {"type": "lognormal", "median": 500, "p90": 2000},
        "output_tokens": {"type": "exponential", "mean": 100},
        "cache_hit_ratio": 0.25,
        "providers": ["p1"],
    }],
}


def scenario_dict(**changes) -> dict:
    """A deep copy of the base scenario with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run `tokenecon ARGV` in-process: (exit code, stdout, stderr)."""
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def write_yaml(tmp_path):
    import yaml

    def write(data, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write
