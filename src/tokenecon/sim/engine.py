"""Run the SimPy model of a scenario over its horizon and collect the raw outcome."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from collections.abc import Callable, Generator, Mapping, Sequence

import numpy as np
import simpy

from ..demand import DYNAMIC, Routes, Workload
from ..scenario import Scenario
from .provider import Provider
from .records import BUDGET_STOP, QUEUED_AT_END, REJECTED, RUNNING, SERVING_AT_END, Records
from ..timegrid import interval_edges

__all__ = ["IntervalLoad", "SimOutput", "simulate", "interval_edges"]

SKIP = -2  # a request the customer does not send (its budget is spent)


@dataclass(frozen=True)
class IntervalLoad:
    """What the simulation observed per report interval (`edges`), one dict of columns per provider.

    `samples[p]` holds ``busy_s`` (replica-seconds with at least one sequence), ``prefill_s``
    (replica-seconds prefilling), ``occupancy_s`` (sequence-seconds in batch slots), ``queue_s``
    (request-seconds waiting), and ``queue_length`` and ``in_service`` at the interval's end,
    ``kv_token_s`` (token-seconds of KV memory held; 0 when KV memory is not modelled) and
    ``preemptions`` (sequences pre-empted in the interval).
    """

    edges: np.ndarray
    samples: list[dict[str, np.ndarray]]


@dataclass
class SimOutput:
    """What the simulation observed: per-request records and each provider's load per report interval."""

    records: Records
    load: IntervalLoad


def simulate(scenario: Scenario, workload: Workload, routes: Routes,
             progress: Callable[[float], None] | None = None) -> SimOutput:
    """Run the event loop to the horizon with the requests routed as `routes` says (see `demand.plan_routes`).

    `progress(sim_seconds_done)` is called per interval.
    """
    env = simpy.Environment()
    n = len(workload)
    records = Records(n)
    # Hot-path inputs as array.array: fast scalar indexing that yields plain Python numbers.
    arrival = array("d", workload.arrival_s.tobytes())
    account = array("i", workload.account.astype(np.int32).tobytes())
    tiers = workload.service_tier
    tier = array("b", tiers.astype(np.int8).tobytes()) if tiers.any() else None  # None: all standard
    first_account = np.searchsorted(workload.account_segment, np.arange(len(scenario.customers)))
    providers = []
    for i, spec in enumerate(scenario.providers):
        reservations = {int(first_account[s]): (c.provisioned.replicas, c.provisioned.spillover)
                        for s, c in enumerate(scenario.customers)
                        if c.provisioned is not None and c.provisioned.provider == spec.name}
        # as this provider's tokenizer counts them; reasoning tokens are decoded like output
        inputs, cached = workload.input_tokens[i], workload.cached_input_tokens[i]
        # a call that returned no tokens still ran its prefill, which computes one token (then stopped)
        decoded = np.maximum(workload.output_tokens[i] + workload.reasoning_tokens[i], 1)
        providers.append(Provider(
            env, i, spec, records, arrival=arrival, account=account, prompt=array("q", inputs.tobytes()),
            uncached=array("q", (inputs - cached).tobytes()), output=array("q", decoded.tobytes()),
            total_tokens=array("q", (inputs + decoded).tobytes()), accounts=len(workload.accounts),
            tier=tier, reservations=reservations))
    route, dynamic, stopped = routes
    if stopped.any():  # budget reached: these requests are never sent
        records.column("status")[stopped] = REJECTED
        records.column("reason")[stopped] = BUDGET_STOP
        records.column("provider")[stopped] = route[stopped]
        records.column("finish_s")[stopped] = workload.arrival_s[stopped]
        route = np.where(stopped, SKIP, route)
    env.process(_source(env, arrival, route, workload.segment, dynamic, providers))
    for provider in providers:
        if provider.spec.replicas_schedule:
            env.process(_grow(env, provider))
    edges = interval_edges(scenario.duration, scenario.report_interval)
    samples = [{k: np.zeros(len(edges) - 1) for k in ("busy_s", "prefill_s", "occupancy_s", "queue_s", "queue_length",
                                                       "in_service", "kv_token_s", "preemptions")}
               for _ in providers]
    totals = [[0.0] * 6 for _ in providers]  # cumulative busy, prefill, occupancy, queue, KV, pre-emptions
    env.process(_monitor(env, edges, providers, samples, totals))
    for end in edges[1:]:
        env.run(until=float(end))
        if progress is not None:
            progress(float(end))
    # the monitor's sample at the horizon is an event at `duration` itself; take it here
    _sample(providers, samples, totals, len(edges) - 2, float(edges[-1]))
    _close_horizon(records, providers, float(scenario.duration))
    return SimOutput(records, IntervalLoad(edges, samples))


def _source(env: simpy.Environment, arrival: array[float], route: np.ndarray, segment: np.ndarray,
            dynamic: Mapping[int, Sequence[int]], providers: list[Provider]) -> Generator[simpy.Event, None, None]:
    """Feed the pre-drawn arrivals into the providers, in time order."""
    now = 0.0
    routes: list[int] = route.tolist()
    segments: list[int] = segment.tolist()
    for rid in range(len(arrival)):
        t = arrival[rid]
        if t > now:
            yield env.timeout(t - now)
            now = t
        target = routes[rid]
        if target == SKIP:
            continue
        if target == DYNAMIC:
            candidates = dynamic[segments[rid]]
            target = min(candidates, key=lambda c: providers[c].outstanding())
        providers[target].arrive(rid, now)


def _grow(env: simpy.Environment, provider: Provider) -> Generator[simpy.Event, None, None]:
    """Bring a provider's scheduled replicas online at their times."""
    reserved = provider.spec.replicas - len(provider.shared.replicas)
    for at, replicas in provider.spec.replicas_schedule or ():
        if at > env.now:
            yield env.timeout(at - env.now)
        provider.grow(replicas - reserved, env.now)


_LATE = simpy.events.EventPriority(2)  # after SimPy's URGENT (0) and NORMAL (1) events at the same time


class _AfterEverything(simpy.Event):
    """A timeout that fires after every other event at its time (and the events those start)."""

    def __init__(self, env: simpy.Environment, delay: float):
        super().__init__(env)
        self._ok, self._value = True, None
        env.schedule(self, _LATE, delay)


def _monitor(env: simpy.Environment, edges: np.ndarray, providers: list[Provider],
             samples: list[dict[str, np.ndarray]], totals: list[list[float]]) -> Generator[simpy.Event, None, None]:
    """Sample every provider at each report-interval boundary (except the horizon), once everything
    happening at the boundary itself has happened: a request arriving, starting or finishing exactly
    at an interval's end is counted in `queue_length` / `in_service` by that rule, whatever order the
    events were scheduled in (a plain timeout fired before some of them and after others)."""
    for k in range(1, len(edges) - 1):
        yield _AfterEverything(env, float(edges[k] - edges[k - 1]))
        _sample(providers, samples, totals, k - 1, float(edges[k]))


def _sample(providers: list[Provider], samples: list[dict[str, np.ndarray]], totals: list[list[float]],
            k: int, now: float) -> None:
    for provider, sample, total in zip(providers, samples, totals):
        if provider.waiting:
            provider.expire_waiting(now)
        busy = sum(r.busy_until(now) for r in provider.replicas)
        prefill = sum(r.prefill_until(now) for r in provider.replicas)
        area = sum(r.area_until(now) for r in provider.replicas)
        sample["busy_s"][k] = busy - total[0]
        sample["prefill_s"][k] = prefill - total[1]
        sample["occupancy_s"][k] = area - total[2]
        queued = provider.queue_area_until(now)
        sample["queue_s"][k] = queued - total[3]
        kv = sum(r.kv_until(now) for r in provider.replicas)
        sample["kv_token_s"][k] = kv - total[4]
        preempted = sum(r.preempted for r in provider.replicas)
        sample["preemptions"][k] = preempted - total[5]
        total[:] = busy, prefill, area, queued, kv, preempted
        sample["queue_length"][k] = provider.waiting
        sample["in_service"][k] = sum(r.load for r in provider.replicas)


def _close_horizon(records: Records, providers: list[Provider], horizon: float) -> None:
    """Requests still queued or in service at the horizon stay `running`, with the reason."""
    for provider in providers:
        if provider.waiting:
            provider.expire_waiting(horizon)
        for rid in provider.queue:
            records.reason[rid] = QUEUED_AT_END
    status, start, reason = records.column("status"), records.column("start_s"), records.column("reason")
    reason[(status == RUNNING) & ~np.isnan(start)] = SERVING_AT_END  # holds a slot at the horizon
