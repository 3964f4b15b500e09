"""The workload of a run: every request's arrival time, account and token sizes, drawn up front.

Drawing all demand before the event loop keeps the loop lean (vectorised numpy draws instead of
one Python call per request) and keeps each segment's draws in its own named stream.

Token sizes are kept per provider (one row each): a provider that meters with its own tokenizer
counts the same request differently. Size distributions are in the calibration's reference
tokens and are converted with the provider's measured ratio; corpus texts are metered by each
provider's tokenizer directly. `served()` picks, per request, the row of the provider that
served it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ScenarioError
from ..pricing import Usage, make_policy
from ..pricing.base import SERVICE_TIERS
from ..scenario import CustomerSpec, Scenario, TraceArrivals, _tokenizer_name, load_calibration
from ..timegrid import index_of

from .arrivals import poisson_arrival_times
from .behaviour import elastic_keep, request_prices, shift_to_offpeak
from .sizes import draw_sizes
from .streams import stream

if TYPE_CHECKING:  # pragma: no cover
    from .traces import Trace

# Traces and corpora (the meter's tokenizers) are imported where a scenario uses them: a run of
# drawn demand starts without them.

__all__ = ["Workload", "build_workload", "account_names", "provider_ratios"]


@dataclass(frozen=True)
class Workload:
    """Columnar request table sorted by arrival time; request id = column index.

    Token columns are 2-D (providers x requests) as built, 1-D after `served()`.
    """

    segments: tuple[str, ...]
    accounts: tuple[str, ...]  # one billed customer account per entry
    account_segment: np.ndarray  # int32, segment index of each account
    arrival_s: np.ndarray  # float64
    account: np.ndarray  # int32, index into `accounts`
    segment: np.ndarray  # int32, index into `segments`
    input_tokens: np.ndarray  # int64, including cached and cache-write tokens
    cached_input_tokens: np.ndarray  # int64
    output_tokens: np.ndarray  # int64, visible output
    reasoning_tokens: np.ndarray  # int64, hidden reasoning (decoded and billed)
    cache_write_tokens: np.ndarray  # int64, input tokens written to the prompt cache
    cache_write_1h_tokens: np.ndarray  # int64, the 1-hour-TTL writes among cache_write_tokens
    cached_explicit_tokens: np.ndarray  # int64, the explicit-cache hits among cached_input_tokens
    service_tier: np.ndarray  # int8 per request: index into sim.records.SERVICE_TIERS
    trace_rows_skipped: dict[str, int] = field(default_factory=dict)  # per replayed segment: bad rows skipped

    def __len__(self) -> int:
        return len(self.arrival_s)

    TOKEN_COLUMNS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens", "cache_write_tokens",
                     "cache_write_1h_tokens", "cached_explicit_tokens")

    def usage_for(self, provider: int, rows: np.ndarray | slice = slice(None), **context) -> Usage:
        """The usage of requests `rows` as provider `provider` counts them (2-D) or as served (1-D)."""
        def column(name: str) -> np.ndarray:
            data = getattr(self, name)
            return (data[provider] if data.ndim == 2 else data)[rows]

        return Usage(column("input_tokens"), column("cached_input_tokens"), column("output_tokens"),
                     reasoning_tokens=column("reasoning_tokens"), cache_write_tokens=column("cache_write_tokens"),
                     cache_write_1h_tokens=column("cache_write_1h_tokens"),
                     cached_explicit_tokens=column("cached_explicit_tokens"), service_tier=self.service_tier[rows],
                     arrival_s=self.arrival_s[rows],
                     account=self.account[rows], **context)

    def served(self, provider: np.ndarray) -> "Workload":
        """1-D token columns: each request as counted by the provider that took it."""
        rows = np.where(provider >= 0, provider, 0).astype(np.intp)
        cols = np.arange(len(self))
        return replace(self, **{name: getattr(self, name)[rows, cols] for name in self.TOKEN_COLUMNS})


def account_names(customer: CustomerSpec, scenario: Scenario | None = None) -> list[str]:
    """``sme`` with count 50 -> ``sme-01`` ... ``sme-50``; count 1 -> ``sme``; a trace replayed
    `by_customer` -> one account per customer named in the trace."""
    if customer.arrivals.type == "trace" and customer.arrivals.by_customer and scenario is not None:
        from .traces import load_trace

        names = load_trace(scenario.resolve_path(customer.arrivals.path), customer.arrivals,
                           scenario.duration).customer_names
        return [f"{customer.name}:{n}" for n in names] or [customer.name]
    if customer.count == 1:
        return [customer.name]
    width = len(str(customer.count))
    return [f"{customer.name}-{i:0{width}d}" for i in range(1, customer.count + 1)]


def provider_ratios(scenario: Scenario) -> list[float]:
    """Per provider, the factor from reference tokens (size distributions) to its own tokens."""
    calibration = load_calibration(scenario)
    ratios = []
    for provider in scenario.providers:
        if provider.tokenizer is None or calibration is None:
            ratios.append(1.0)
            continue
        name = _tokenizer_name(provider.tokenizer)
        same = name == _tokenizer_name(calibration.reference)
        ratios.append(1.0 if same else calibration.ratios.get(name, 1.0))
    return ratios


def _convert(tokens: np.ndarray, ratio: float) -> np.ndarray:
    return tokens if ratio == 1.0 else np.maximum(1, np.rint(tokens * ratio)).astype(np.int64)


def _part(tokens: np.ndarray, ratio: float) -> np.ndarray:
    """A token class that may be 0 (cached, writes, reasoning, output beside reasoning), converted."""
    return tokens if ratio == 1.0 else np.where(tokens > 0, _convert(tokens, ratio), 0)


def _trace_sizes(trace: Trace, rows: np.ndarray, ratios: list[float], customer: CustomerSpec) -> dict[str, np.ndarray]:
    """Token columns (providers x requests) of the replayed rows; each reported token in one class."""
    inputs = np.stack([_convert(trace.input_tokens[rows], r) for r in ratios])
    outputs = np.stack([_part(trace.output_tokens[rows], r) for r in ratios])
    reasoning = np.stack([_part(trace.reasoning_tokens[rows], r) for r in ratios])
    if trace.cached_input_tokens.any():
        cached = np.minimum(np.stack([_part(trace.cached_input_tokens[rows], r) for r in ratios]), inputs)
    else:
        cached = np.floor(inputs * customer.cache_hit_ratio).astype(np.int64)
    if trace.cache_write_tokens.any() or trace.cache_write_1h_tokens.any():  # the vendor reported its writes
        writes_1h = np.stack([_part(trace.cache_write_1h_tokens[rows], r) for r in ratios])
        writes = np.minimum(np.stack([_part(trace.cache_write_tokens[rows], r) for r in ratios]) + writes_1h,
                            inputs - cached)
        writes_1h = np.minimum(writes_1h, writes)
    else:
        writes = np.floor((inputs - cached) * customer.cache_write_ratio).astype(np.int64)
        writes_1h = writes if customer.cache_ttl == "1h" else np.zeros_like(writes)
    explicit = np.zeros_like(cached)
    if trace.cached_explicit_tokens is not None and trace.cached_explicit_tokens.any():
        explicit = np.minimum(np.stack([_part(trace.cached_explicit_tokens[rows], r) for r in ratios]), cached)
    return {"input": inputs, "cached": cached, "output": outputs, "reasoning": reasoning, "writes": writes,
            "writes_1h": writes_1h, "explicit": explicit}


def _segment_requests(scenario: Scenario, customer: CustomerSpec, ratios: list[float],
                      accounts_of_segment: list[str], signal=None) -> dict[str, np.ndarray]:
    """One segment's requests as columns: arrival times, accounts, token classes (providers x requests), tier."""
    if isinstance(customer.arrivals, TraceArrivals):  # replayed as recorded: no price response
        return _replayed(scenario, customer, customer.arrivals, ratios, accounts_of_segment)
    seed, name = scenario.seed, customer.name
    arrivals = customer.arrivals
    if customer.elasticity is not None:  # draw at the cap, thin by price below
        arrivals = arrivals.model_copy(update={"rate": arrivals.rate * customer.elasticity.max_multiplier})
    times = poisson_arrival_times(arrivals, scenario.start_local, scenario.duration, stream(seed, "arrivals", name))
    n = len(times)
    inputs, outputs = _sizes(scenario, customer, ratios, n)
    if customer.reasoning_tokens is not None:
        ref_reason = draw_sizes(customer.reasoning_tokens, n, stream(seed, "reasoning_tokens", name),
                                scenario.resolve_path)
        reasoning = np.stack([_convert(ref_reason, r) for r in ratios])
    else:
        reasoning = np.zeros((len(scenario.providers), n), dtype=np.int64)
    cached = np.floor(inputs * customer.cache_hit_ratio).astype(np.int64)
    writes = np.floor((inputs - cached) * customer.cache_write_ratio).astype(np.int64)
    accounts = stream(seed, "account", name).integers(0, customer.count, size=n, dtype=np.int32)
    writes_1h = writes if customer.cache_ttl == "1h" else np.zeros_like(writes)
    part = {"arrival_s": times, "account": accounts, "input": inputs, "cached": cached, "output": outputs,
            "reasoning": reasoning, "writes": writes, "writes_1h": writes_1h, "explicit": np.zeros_like(cached),
            "tier": _tiers(customer, n)}
    return _behave(scenario, customer, part, signal)


def _tiers(customer: CustomerSpec, n: int) -> np.ndarray:
    return np.full(n, SERVICE_TIERS.index(customer.service_tier), dtype=np.int8)


def _replayed(scenario: Scenario, customer: CustomerSpec, arrivals: TraceArrivals, ratios: list[float],
              accounts_of_segment: list[str]) -> dict[str, np.ndarray]:
    """A trace segment: the trace's times and sizes (in reference tokens, like size distributions), and accounts
    by the trace's customer column (`by_customer`) or drawn."""
    from .traces import load_trace, replay, trace_offset

    seed, name = scenario.seed, customer.name
    path = scenario.resolve_path(arrivals.path)
    trace = load_trace(path, arrivals, scenario.duration)
    start = scenario.start_local if scenario.start is not None else None  # a start without offset is in `timezone`
    offset = trace_offset(trace, start, scenario.duration, path)
    rows, times = replay(trace, arrivals, scenario.duration, stream(seed, "trace_sample", name), offset)
    rows = rows.astype(np.int64)
    n = len(times)
    if arrivals.by_customer:
        index = {n_: k for k, n_ in enumerate(accounts_of_segment)}
        accounts = np.asarray([index.get(f"{name}:{c}", 0) for c in trace.customer[rows]], dtype=np.int32)
    else:
        accounts = stream(seed, "account", name).integers(0, len(accounts_of_segment), size=n, dtype=np.int32)
    return {"arrival_s": times, "account": accounts, **_trace_sizes(trace, rows, ratios, customer),
            "tier": _tiers(customer, n)}


def _sizes(scenario: Scenario, customer: CustomerSpec, ratios: list[float], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Input and output tokens (providers x requests): corpus texts metered by each provider's tokenizer, or
    sizes drawn in reference tokens and converted by each provider's ratio."""
    seed, name = scenario.seed, customer.name
    if customer.corpus is None:
        ref_in = draw_sizes(customer.input_tokens, n, stream(seed, "input_tokens", name), scenario.resolve_path)
        ref_out = draw_sizes(customer.output_tokens, n, stream(seed, "output_tokens", name), scenario.resolve_path)
        return np.stack([_convert(ref_in, r) for r in ratios]), np.stack([_convert(ref_out, r) for r in ratios])
    from .corpus import corpus_counts

    path = scenario.resolve_path(customer.corpus.path)
    entry = None
    inputs = np.ones((len(scenario.providers), n), dtype=np.int64)
    outputs = np.ones((len(scenario.providers), n), dtype=np.int64)
    for p, spec in enumerate(scenario.providers):
        if spec.name not in customer.providers:
            continue
        if spec.tokenizer is None:  # refused by validation; a scenario built past it is named here
            raise ScenarioError(f"provider '{spec.name}' needs a 'tokenizer' to meter this customer's corpus")
        counts_in, counts_out = corpus_counts(path, _tokenizer_name(spec.tokenizer))
        if entry is None:  # one corpus entry per request, the same for every provider
            entry = stream(seed, "corpus", name).integers(0, len(counts_in), size=n)
        inputs[p], outputs[p] = counts_in[entry], counts_out[entry]
    return inputs, outputs


def _first_provider(scenario: Scenario, customer: CustomerSpec) -> int:
    return next(i for i, p in enumerate(scenario.providers) if p.name == customer.providers[0])


def _behave(scenario: Scenario, customer: CustomerSpec, part: dict[str, np.ndarray],
            signal: dict[int, tuple[np.ndarray, np.ndarray]] | None = None) -> dict[str, np.ndarray]:
    """Price elasticity (thinning) and flexible timing, judged at the first listed provider's price."""
    if customer.elasticity is None and customer.flexible is None:
        return part
    p = _first_provider(scenario, customer)
    spec = scenario.providers[p]
    policy = make_policy(spec.price, scenario.pricing[spec.price])
    seed, name = scenario.seed, customer.name
    if customer.elasticity is not None:
        usage = Usage(part["input"][p], part["cached"][p], part["output"][p], reasoning_tokens=part["reasoning"][p],
                      cache_write_tokens=part["writes"][p], cache_write_1h_tokens=part["writes_1h"][p],
                      cached_explicit_tokens=part["explicit"][p],
                      arrival_s=part["arrival_s"], start=scenario.start_local)
        prices = request_prices(policy, usage, scenario.to_reporting(scenario.provider_currency(p)))
        if signal and p in signal:  # the surge multiplier customers saw when they sent the request
            edges, multiplier = signal[p]
            prices = prices * multiplier[index_of(part["arrival_s"], edges[:-1])]
        reference = None
        if customer.elasticity.reference_price == "list":  # the same request without time-varying prices
            plain = scenario.pricing[spec.price].model_copy(update={"time_of_use": None, "surge": None,
                                                                   "price_schedule": None})
            reference = request_prices(make_policy(spec.price, plain), usage,
                                       scenario.to_reporting(scenario.provider_currency(p)))
        keep = elastic_keep(prices, customer.elasticity, stream(seed, "elasticity", name), reference)
        part = {k: (v[:, keep] if v.ndim == 2 else v[keep]) for k, v in part.items()}
    if customer.flexible is not None:
        flexible = customer.flexible
        chosen = stream(seed, "flexible", name).random(len(part["arrival_s"])) < flexible.share
        if flexible.to == "batch":
            part["tier"] = np.where(chosen, SERVICE_TIERS.index("batch"), part["tier"]).astype(np.int8)
        else:
            part["arrival_s"] = shift_to_offpeak(part["arrival_s"], chosen, policy, scenario.start_local,
                                                 scenario.duration, flexible, stream(seed, "flexible_delay", name))
    return part


def build_workload(scenario: Scenario, signal: dict[int, tuple[np.ndarray, np.ndarray]] | None = None) -> Workload:
    """Draw every request of every customer segment and merge them in arrival order.

    `signal` (provider index -> interval edges, price multipliers) is the surge price customers
    see; elastic segments answer it (see runner.run).
    """
    ratios = provider_ratios(scenario)
    accounts: list[str] = []
    account_segment: list[int] = []
    parts = []
    for seg_index, customer in enumerate(scenario.customers):
        offset = len(accounts)
        names = account_names(customer, scenario)
        accounts.extend(names)
        account_segment.extend([seg_index] * len(names))
        part = _segment_requests(scenario, customer, ratios, names, signal)
        part["account"] = part["account"] + offset
        part["segment"] = np.full(len(part["arrival_s"]), seg_index, dtype=np.int32)
        parts.append(part)
    arrival = np.concatenate([p["arrival_s"] for p in parts])
    order = np.argsort(arrival, kind="stable")  # ties keep segment order: deterministic

    def merged(key: str, dtype) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate([p[key] for p in parts])[order], dtype=dtype)

    def merged_rows(key: str) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate([p[key] for p in parts], axis=1)[:, order], dtype=np.int64)

    return Workload(
        segments=tuple(c.name for c in scenario.customers),
        accounts=tuple(accounts),
        account_segment=np.asarray(account_segment, dtype=np.int32),
        arrival_s=merged("arrival_s", np.float64),
        account=merged("account", np.int32),
        segment=merged("segment", np.int32),
        input_tokens=merged_rows("input"),
        cached_input_tokens=merged_rows("cached"),
        output_tokens=merged_rows("output"),
        reasoning_tokens=merged_rows("reasoning"),
        cache_write_tokens=merged_rows("writes"),
        cache_write_1h_tokens=merged_rows("writes_1h"),
        cached_explicit_tokens=merged_rows("explicit"),
        service_tier=merged("tier", np.int8),
        trace_rows_skipped=_trace_rows_skipped(scenario),
    )


def _trace_rows_skipped(scenario: Scenario) -> dict[str, int]:
    """Per replayed segment: the bad trace rows skipped (`--skip-bad`)."""
    traced = [(c.name, c.arrivals) for c in scenario.customers if isinstance(c.arrivals, TraceArrivals)]
    if not traced:
        return {}
    from .traces import load_trace

    return {name: load_trace(scenario.resolve_path(arrivals.path), arrivals, scenario.duration).skipped
            for name, arrivals in traced}
