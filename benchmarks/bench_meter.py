"""Meter speed against raw tiktoken, side by side in one process.

The corpus: the example chat log, tokenecon's own source files (English prose and code) and,
when present, the seed article (Chinese), cut into paragraphs and made distinct with a numbered
suffix, about 20 MB in all. Reports tokens per second of
- raw tiktoken: ``Encoding.encode_ordinary_batch(texts, num_threads=2)`` on cl100k_base;
- the meter: ``Meter("cl100k_base").count_many(texts)``, first counts (every text new);
- the meter again on the same texts (every text a cache hit),
with the ratios meter / raw and repeat / first.

    python benchmarks/bench_meter.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tokenecon.meter import Meter, get_tokenizer

ROOT = Path(__file__).resolve().parent.parent


def corpus(target_bytes: int = 20_000_000) -> list[str]:
    pieces = []
    for line in (ROOT / "scenarios" / "data" / "chat_log.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        pieces += [m["content"] for m in record.get("messages", [])] + [record.get("prompt", ""), record["completion"]]
    for path in sorted((ROOT / "tokenecon").rglob("*.py")):
        pieces += path.read_text(encoding="utf-8").split("\n\n")
    for seeds in (ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")):
        for path in sorted(seeds.glob("*.txt")) if seeds.is_dir() else []:
            pieces += path.read_text(encoding="utf-8").split("\n\n")
    pieces = [p for p in pieces if p.strip()]
    texts, size, i = [], 0, 0
    while size < target_bytes:
        text = f"{pieces[i % len(pieces)]} #{i}"
        texts.append(text)
        size += len(text.encode("utf-8"))
        i += 1
    return texts


def timed(fn):
    began = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - began


def main() -> None:
    texts = corpus()
    encoding = get_tokenizer("cl100k_base").encoding  # load outside the timings
    raw_ids, raw_s = timed(lambda: encoding.encode_ordinary_batch(texts, num_threads=2))
    tokens = sum(len(ids) for ids in raw_ids)
    del raw_ids
    meter = Meter("cl100k_base")
    first, first_s = timed(lambda: meter.count_many(texts))
    again, again_s = timed(lambda: meter.count_many(texts))
    assert sum(first) == sum(again) == tokens, "the meter must count exactly what tiktoken counts"
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"corpus: {len(texts):,} distinct texts, {mb:.1f} MB, {tokens:,} tokens (cl100k_base)")
    print(f"raw tiktoken encode_ordinary_batch : {tokens / raw_s / 1e6:6.2f} M tokens/s")
    print(f"meter, first counts                : {tokens / first_s / 1e6:6.2f} M tokens/s"
          f"  -> {raw_s / first_s:.2f} of raw tiktoken")
    print(f"meter, repeated corpus (cache hits): {tokens / again_s / 1e6:6.2f} M tokens/s"
          f"  -> {first_s / again_s:.1f}x faster than first counts")


if __name__ == "__main__":
    main()
