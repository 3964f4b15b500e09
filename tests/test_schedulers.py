"""Iteration-level schedulers and KV memory, worked by hand on a bare provider."""

from __future__ import annotations

import numpy as np
import pytest

import tokenecon
from tokenecon.errors import ScenarioError

from .conftest import scenario_dict
from .test_provider import bare_provider


def serve(arrivals, **kwargs):
    """Arrive each request at its time on a one-replica provider; run to the end."""
    env, records, p = bare_provider(arrival=[t for t, _, _ in arrivals], uncached=[u for _, u, _ in arrivals],
                                    output=[o for _, _, o in arrivals], **kwargs)

    def source():
        for rid, (t, _, _) in enumerate(arrivals):
            if t > env.now:
                yield env.timeout(t - env.now)
            p.arrive(rid, env.now)

    env.process(source())
    env.run()
    return records, p.replicas[0]


def test_prefill_first_pauses_the_batch_and_waits_for_the_iteration():
    """t(b) = 0.02 + 0.01 b, prefill 1,000 tokens/s.

    A (100-token prompt, 4 output tokens) at 0: prefill to 0.1 (first token), then decode steps
    of 0.03 s. B (200 tokens, 3 output) arrives at 0.15, in A's second step: it waits for the
    step to end at 0.16, then its prefill pauses A until 0.36 (B's first token). Both decode at
    0.04 s a step: A's last token at 0.40, then B alone at 0.03 s: 0.43.
    """
    records, replica = serve([(0.0, 100, 4), (0.15, 200, 3)], base=0.02, per_sequence=0.01,
                             scheduler="prefill_first")
    assert np.allclose(list(records.first_token_s), [0.1, 0.36])
    assert np.allclose(list(records.finish_s), [0.40, 0.43])
    assert np.isclose(replica.busy_until(0.43), 0.43) and np.isclose(replica.prefill_until(0.43), 0.3)
    # GPU time: each prefill to its request, each decode step shared by its sequences
    assert np.allclose(list(records.gpu_s), [0.1 + 0.06 + 0.02, 0.2 + 0.02 + 0.03])


def test_chunked_iteration_budget():
    """chunk_tokens 100, t(b) = 0.02 + 0.01 b, prefill 1,000 tokens/s (no fixed cost).

    A (150 tokens, 3 output) at 0: chunks of 100 (0.1 s) and 50 (to 0.15, first token). B
    (120 tokens, 2 output) arrives at 0.12 and starts at 0.15: A decodes and takes one token of
    the budget, B prefills 99 (0.03 + 0.099 = 0.129 s, to 0.279), then A decodes its last token
    beside B's last 21 (0.051 s): both at 0.33 (A done, B's first token); B's last step to 0.36.
    """
    records, _ = serve([(0.0, 150, 3), (0.12, 120, 2)], base=0.02, per_sequence=0.01, scheduler="chunked",
                       chunk_tokens=100)
    assert np.allclose(list(records.first_token_s), [0.15, 0.33])
    assert np.allclose(list(records.finish_s), [0.33, 0.36])


def test_decode_step_by_batch_size_worked_by_hand():
    """decode_step_s_by_batch {1: [0.05, 0], 3: [0.03, 1e-4]}: at 2 sequences 0.04 s + 5e-5 s per context token.

    A (10-token prompt, 4 output) at 0: prefill to 0.01, then steps alone of 0.05 s. B (20 tokens,
    2 output) arrives at 0.02 and waits for A's step (to 0.06, A has 2 tokens); its prefill ends at
    0.08. Together A holds 12 tokens of context and B 21: 0.04 + 5e-5 * 33 = 0.04165 s, B done at
    0.12165 (A has 3 tokens); A's last step alone: 0.17165.
    """
    records, _ = serve([(0.0, 10, 4), (0.02, 20, 2)], base=1.0, per_sequence=1.0, scheduler="prefill_first",
                       decode_step_s_by_batch={1: [0.05, 0.0], 3: [0.03, 1e-4]})
    assert np.allclose(list(records.first_token_s), [0.01, 0.08])
    assert np.allclose(list(records.finish_s), [0.17165, 0.12165])


def test_decode_table_between_and_beyond_its_batch_sizes():
    from tokenecon.sim.timing import DecodeStep

    step = DecodeStep(table={1: (0.01, 0.0), 2: (0.015, 1e-6)}, size=4)
    assert np.allclose(step.fixed[1:5], [0.01, 0.015, 0.02, 0.025]) and np.allclose(step.per_context[2:5], 1e-6)
    falling = DecodeStep(table={1: (0.05, 0.0), 3: (0.03, 1e-4)}, size=3)
    falling.extend(6)  # beyond the table a falling step time stays at its last value
    assert np.allclose(falling.fixed[1:7], [0.05, 0.04, 0.03, 0.03, 0.03, 0.03])
    assert np.allclose(falling.per_context[2:7], [5e-5, 1e-4, 1e-4, 1e-4, 1e-4])
    line = DecodeStep(0.02, 0.01, 1e-7, size=2)
    line.extend(5)
    assert np.allclose(line.fixed, [0.02 + 0.01 * b for b in range(6)]) and np.allclose(line.per_context, 1e-7)


def test_chunked_iteration_pays_the_prefill_attention_kernel_beside_decoding():
    """As test_chunked_iteration_budget, with prefill_attention_overhead_s 0.005: an iteration with both
    decoding sequences and prefill chunks takes 0.005 s more (to 0.284 and 0.34); a prefill-only
    iteration does not; B's last step alone ends at 0.37."""
    records, _ = serve([(0.0, 150, 3), (0.12, 120, 2)], base=0.02, per_sequence=0.01, scheduler="chunked",
                       chunk_tokens=100, prefill_attention_overhead_s=0.005)
    assert np.allclose(list(records.first_token_s), [0.15, 0.34])
    assert np.allclose(list(records.finish_s), [0.34, 0.37])


def test_kv_preemption_recomputes_the_last_admitted():
    """5 KV blocks of 4 tokens; 4-token prompts, 8 output tokens each, steps of 0.01 s.

    A and B arrive at 0 and prefill one after the other (0.004 s each; a block each). Their
    first decode step takes a block each (one left). Four steps later (0.048) both need a third
    block: B, admitted last, is pre-empted with 5 tokens generated; its recompute (9 tokens, 3
    blocks) would fit, but A's next step takes a block first, and it does not fit again until A
    finishes its 3 steps left (0.078). B's recompute takes 0.009 s and yields its 6th token, then
    2 steps: done at 0.107.
    """
    records, replica = serve([(0.0, 4, 8), (0.0, 4, 8)], base=0.01, per_sequence=0.0,
                             scheduler="prefill_first", kv_cache_tokens=20, kv_block_tokens=4)
    assert np.allclose(list(records.first_token_s), [0.004, 0.008])
    assert np.allclose(list(records.finish_s), [0.078, 0.107])
    assert list(records.preemptions) == [0, 1] and replica.preempted == 1
    assert replica.free == replica.total_blocks == 5  # everything given back


def test_a_full_kv_memory_preempts_even_when_no_block_is_needed():
    """vLLM wants a free block before each running sequence's step: 4 blocks of 4 tokens as above.

    After the first step (0.018) the memory is full: at the next step B is pre-empted though no
    sequence needs a block; it fits again at once, so A steps alone (to 0.028) and B recomputes
    6 tokens (to 0.034, 3 tokens generated). The same happens at steps 2 and 3 (A to 0.044 and
    0.061, B's recomputes of 7 and 8 tokens to 0.051 and 0.069). At step 4 A needs its third
    block: B is pre-empted (5 generated) and its 9 tokens no longer fit, so A runs its last 3
    steps to 0.099; B recomputes (to 0.108, its 6th token) and steps twice: 0.128.
    """
    records, replica = serve([(0.0, 4, 8), (0.0, 4, 8)], base=0.01, per_sequence=0.0,
                             scheduler="prefill_first", kv_cache_tokens=16, kv_block_tokens=4)
    assert np.allclose(list(records.first_token_s), [0.004, 0.008])
    assert np.allclose(list(records.finish_s), [0.099, 0.128])
    assert list(records.preemptions) == [0, 4] and replica.free == 4


def test_a_request_that_cannot_fit_in_kv_memory_is_refused():
    records, _ = serve([(0.0, 4, 8), (0.0, 40, 8)], base=0.01, per_sequence=0.0,
                       scheduler="prefill_first", kv_cache_tokens=16, kv_block_tokens=4)
    assert list(records.status) == [1, 2] and records.reason[1] > 0


def test_profile_decode_table_and_a_decode_step_given_beside_it():
    def performance(**given):
        data = scenario_dict(providers=[dict(scenario_dict()["providers"][0],
                                             performance={"profile": "llama2-70b-a100x2-tp2", **given})])
        return tokenecon.scenario_from_dict(data).providers[0].performance

    table = performance().decode_step_s_by_batch
    assert len(table) == 64 and table[64][0] > table[8][0] > table[12][0]  # steps, not a line
    assert performance(decode_step_s={"base": 0.05}).decode_step_s_by_batch is None  # a step given replaces it
    assert performance(decode_step_s_by_batch={1: [0.04, 0.0]}).decode_step_s_by_batch == {1: (0.04, 0.0)}


def test_profile_with_overrides():
    perf = {"profile": "llama2-70b-a100x2-tp2", "max_batch": 32, "decode_step_s": {"base": 0.05}}
    sc = tokenecon.scenario_from_dict(scenario_dict(providers=[dict(scenario_dict()["providers"][0],
                                                                    performance=perf)]))
    p = sc.providers[0].performance
    assert p.max_batch == 32 and p.decode_step_s.base == 0.05 and p.decode_step_s.per_context_token > 0
    assert p.kv_cache_tokens == 53248 and p.prefill_s_by_tokens[256] == pytest.approx(0.10901)


@pytest.mark.parametrize("perf, message", [
    ({"profile": "llama2-70b-a100x2"}, "unknown profile 'llama2-70b-a100x2'"),
    ({"prefill_tokens_per_s": 1000, "decode_step_s": {"base": 0.01, "per_sequence": 0, "per_context_token": 1e-7},
      "scheduler": "overlap"}, "per_context_token needs scheduler prefill_first or chunked"),
    ({"decode_step_s": {"base": 0.01, "per_sequence": 0}}, "give prefill_tokens_per_s or prefill_s_by_tokens"),
    ({"prefill_tokens_per_s": 1000, "decode_step_s_by_batch": {1: [0.01, 0]}, "scheduler": "overlap"},
     "decode_step_s_by_batch needs scheduler prefill_first or chunked"),
    ({"prefill_tokens_per_s": 1000}, "give decode_step_s or decode_step_s_by_batch"),
    ({"prefill_tokens_per_s": 1000, "decode_step_s_by_batch": {1: [0.01, 0], 8: [0, 0]}},
     r"decode_step_s_by_batch\[8\]: seconds and seconds per context token cannot both be 0"),
    ({"prefill_tokens_per_s": 1000, "decode_step_s_by_batch": {1: [1e300, 0]}},
     "decode_step_s_by_batch must be finite and within"),
    ({"prefill_s_by_tokens": {10: float("inf")}, "decode_step_s": {"base": 0.01, "per_sequence": 0}},
     "prefill_s_by_tokens must be finite and within"),
])
def test_bad_performance_blocks_are_named(perf, message):
    data = scenario_dict(providers=[dict(scenario_dict()["providers"][0], performance=perf)])
    with pytest.raises(ScenarioError, match=message):
        tokenecon.scenario_from_dict(data)


def test_preemptions_and_kv_occupancy_agree_across_tables():
    perf = {"prefill_tokens_per_s": 5000, "decode_step_s": {"base": 0.02, "per_sequence": 0.0005},
            "max_batch": 32, "scheduler": "prefill_first", "kv_cache_tokens": 8192}
    data = scenario_dict(duration="20min", report_interval="5min",
                         providers=[dict(scenario_dict()["providers"][0], replicas=1, performance=perf)])
    data["customers"][0]["arrivals"] = {"type": "poisson", "rate": "1/s"}
    data["customers"][0]["output_tokens"] = {"type": "fixed", "value": 400}
    result = tokenecon.run(tokenecon.scenario_from_dict(data))
    preempted = int(result.requests["preemptions"].sum())
    assert preempted > 0
    assert result.summary()["preemptions"] == preempted == int(result.timeseries["preemptions"].sum())
    kv = result.timeseries["kv_occupancy"]
    assert kv.notna().all() and (kv > 0.5).any() and (kv <= 1.0).all()
    assert 0 < result.summary()["kv_occupancy"] <= 1
