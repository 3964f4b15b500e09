"""The decode step table of the built-in profile `llama2-70b-a100x2-tp2`, from Vidur's own predictor.

Run inside Vidur's environment with the arguments of a Vidur run (README.md; the predictor is the one
those runs train and cache), for example:

    cd vidur && python /path/to/decode_table.py --replica_config_model_name meta-llama/Llama-2-70b-hf ... \\
        --trace_request_generator_config_trace_file WORKLOAD.csv [the rest of the README's arguments]

For every batch size b of 1-64 and every context of 64-4,096 tokens (steps of 64) it asks the predictor
for the time of a decode step of b sequences of that context, and fits, per b, seconds + seconds per
context token of the batch by least squares. Vidur predicts the attention at the batch's mean context
rounded up to 64 tokens: a batch's real context is on average 31.5 tokens per sequence below that,
which the fit's seconds absorb. Prints the `decode_step_s_by_batch` entries and the fit's errors.
"""

import numpy as np
from vidur.config import SimulationConfig
from vidur.entities import Batch, Request
from vidur.simulator import Simulator


def main() -> None:
    sim = Simulator(SimulationConfig.create_from_cli_args())
    predictor = sim._scheduler._replica_schedulers[0]._replica_stage_schedulers[0]._execution_time_predictor
    contexts = np.arange(64, 4097, 64)
    table, errors = {}, []
    for b in range(1, 65):
        step = []
        for ctx in contexts:
            requests = []
            for _ in range(b):
                r = Request(0.0, int(ctx) - 1, 4096 - int(ctx) + 1, int(ctx))
                r._is_prefill_complete = True
                requests.append(r)
            step.append(predictor.get_execution_time(Batch(0, requests, [1] * b), 0).total_time)
        step = np.array(step)
        design = np.c_[np.ones(len(contexts)), b * (contexts - 31.5)]
        (seconds, per_token), *_ = np.linalg.lstsq(design, step, rcond=None)
        table[b] = (float(f"{seconds:.5g}"), float(f"{per_token:.4g}"))
        errors.extend((design @ (seconds, per_token) - step) / step)
    errors = np.array(errors)
    print(f"# rms error {100 * np.sqrt(np.mean(errors ** 2)):.2f}%, largest {100 * np.abs(errors).max():.2f}%")
    print(", ".join(f"{b}: ({s}, {k:.4g})" for b, (s, k) in table.items()))


if __name__ == "__main__":
    main()
