"""Write the request lists replayed through Vidur and tokenecon (columns as Vidur's trace replay reads).

    python tests/data/vidur/make_workloads.py [AzureLLMInferenceTrace_code.csv]

Three mixes, each at three Poisson loads and one overload burst (1,200 requests each, seed 7):
- ``prefill``: every prompt 4,000 tokens, 96 output tokens (the model's whole 4,096-token context);
- ``code``: prompt and output lengths of the Azure LLM inference trace 2023 (coding), rows whose
  prompt and output fit the 4,096-token context, drawn in random order;
- ``mixed``: each request at random either such an Azure row or a 256-token prompt with 1,024 output
  tokens (the decode-heavy chat shape).

Three more, checked after the serving model was settled (Poisson, no burst):
- ``reasoning``: 500-token prompts, 2,000 output tokens (600 requests at two loads);
- ``chat``: 200-token prompts, 150 output tokens, at high loads (1,200 requests);
- ``tail``: heavy-tailed lengths, prompt and output lognormal (medians 300 and 120 tokens, sigma
  1.2 and 1.4), cut to the 4,096-token context (1,200 requests).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
AZURE = HERE.parents[3] / "shared" / "data" / "azure-llm-inference-2023" / "AzureLLMInferenceTrace_code.csv"
N = 1200
RATES = {"prefill": (0.15, 0.30, 0.42, 1.0), "code": (0.5, 1.0, 1.4, 3.0), "mixed": (0.3, 0.55, 0.8, 1.6)}
LATER = {"reasoning": (600, (0.08, 0.15)), "chat": (1200, (2.0, 3.0, 3.6)), "tail": (1200, (0.6, 0.9, 1.2, 1.05))}


def lengths(mix: str, rng: np.random.Generator, azure: pd.DataFrame, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    if mix == "reasoning":
        return np.full(n, 500), np.full(n, 2000)
    if mix == "chat":
        return np.full(n, 200), np.full(n, 150)
    if mix == "tail":
        prompt = np.clip(np.round(rng.lognormal(np.log(300), 1.2, n)), 1, 4000).astype(int)
        output = np.clip(np.round(rng.lognormal(np.log(120), 1.4, n)), 1, None).astype(int)
        return prompt, np.minimum(output, 4096 - prompt)
    if mix == "prefill":
        return np.full(N, 4000), np.full(N, 96)
    rows = azure.iloc[rng.integers(0, len(azure), N)]
    prompt, output = rows["ContextTokens"].to_numpy(), rows["GeneratedTokens"].to_numpy()
    if mix == "mixed":
        chat = rng.random(N) < 0.5
        prompt, output = np.where(chat, 256, prompt), np.where(chat, 1024, output)
    return prompt, output


def main() -> None:
    azure = pd.read_csv(sys.argv[1] if len(sys.argv) > 1 else AZURE)
    azure = azure[azure["ContextTokens"] + azure["GeneratedTokens"] <= 4096]
    for mix, rates in RATES.items():
        for k, rate in enumerate(rates):
            rng = np.random.default_rng([7, k, len(mix)])
            arrived = np.cumsum(rng.exponential(1.0 / rate, N))
            arrived -= arrived[0]
            prompt, output = lengths(mix, rng, azure)
            name = f"{mix}_burst_r{rate:g}" if k == 3 else f"{mix}_r{rate:g}"
            write(name, arrived, prompt, output)
    for key, (mix, (n, rates)) in enumerate(LATER.items()):
        for k, rate in enumerate(rates):
            rng = np.random.default_rng([8, k, key])
            arrived = np.cumsum(rng.exponential(1.0 / rate, n))
            write(f"{mix}_r{rate:g}", arrived - arrived[0], *lengths(mix, rng, azure, n))


def write(name: str, arrived: np.ndarray, prompt: np.ndarray, output: np.ndarray) -> None:
    pd.DataFrame({"arrived_at": arrived.round(6), "num_prefill_tokens": prompt,
                  "num_decode_tokens": output}).to_csv(HERE / "workloads" / f"{name}.csv", index=False)


if __name__ == "__main__":
    main()
