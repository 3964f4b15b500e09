"""Meter speed against raw tiktoken, side by side in one process.

The corpus: the example chat log, tokenecon's own source files (English prose and code) and,
when present, the seed article (Chinese), cut into paragraphs and made distinct with a numbered
suffix, about 20 MB in all. Reports tokens per second of
- raw tiktoken: ``Encoding.encode_ordinary_batch(texts, num_threads=2)`` on cl100k_base;
- the meter: ``Meter("cl100k_base").count_many(texts)``, first counts (every text new);
- the meter again on the same texts (every text a cache hit),
with the ratios meter / raw and repeat / first.

With ``--whole``: whole processes instead, side by side (A B A B ..., the ratio pair by pair) on a
40 MB JSONL log of mixed English, Chinese, code and emoji prompts: ``tokenecon meter LOG -t
cl100k_base`` against a plain script that reads the JSONL, calls tiktoken's
``encode_ordinary_batch`` on two threads and writes the counts. The ratio is the plain script's
wall time over tokenecon's (1.0: as fast; goal: at least 0.9).

    python benchmarks/bench_meter.py
    python benchmarks/bench_meter.py --whole [--pairs 3] [--mb 40]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tokenecon.meter import Meter, get_tokenizer

ROOT = Path(__file__).resolve().parent.parent


def corpus(target_bytes: int = 20_000_000) -> list[str]:
    pieces = []
    for line in (ROOT / "scenarios" / "data" / "chat_log.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        pieces += [m["content"] for m in record.get("messages", [])] + [record.get("prompt", ""), record["completion"]]
    for path in sorted((ROOT / "src" / "tokenecon").rglob("*.py")):
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


# The plain script: tiktoken on the same offline cl100k_base file, nothing else.
PLAIN = """
import csv, json, sys
import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tiktoken_ext import openai_public
from importlib.resources import files
local = str(files("tiktoken_ext") / "data" / "cl100k_base.tiktoken")
openai_public.load_tiktoken_bpe = lambda url, expected_hash=None: load_tiktoken_bpe(local)
encoding = tiktoken.Encoding(**openai_public.cl100k_base())
ids, inputs, outputs = [], [], []
with open(sys.argv[1], encoding="utf-8") as log:
    for line in log:
        record = json.loads(line)
        ids.append(record["id"])
        inputs.append("".join(m["content"] for m in record["messages"]))
        outputs.append(record["completion"])
counts = [len(t) for t in encoding.encode_ordinary_batch(inputs + outputs, num_threads=2)]
with open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    writer = csv.writer(out)
    writer.writerow(["id", "input", "output"])
    writer.writerows(zip(ids, counts[:len(ids)], counts[len(ids):]))
"""

_EMOJI = "😀😂🥲😍🤖🚀🔥✨🎉👍🙏💡📈🧠🌏🍜☕️🐼🇨🇳🇺🇸👩‍💻"


def write_log(path: Path, megabytes: float) -> int:
    """A JSONL chat log of mixed English, Chinese, code and emoji prompts, distinct lines."""
    pieces = [p for p in corpus(2_000_000) if p.strip()]
    english = [p for p in pieces if p.isascii() and "def " not in p and "=" not in p]
    code = [p for p in pieces if p.isascii() and ("def " in p or "=" in p)]
    chinese = [p for p in pieces if sum("\u4e00" <= c <= "\u9fff" for c in p) > len(p) // 3]
    kinds = [k for k in (english, chinese, code) if k]
    target, size, n = int(megabytes * 1e6), 0, 0
    with path.open("w", encoding="utf-8") as out:
        while size < target:
            kind = kinds[n % len(kinds)]
            prompt = kind[(n * 7) % len(kind)][:1500]
            if n % 5 == 0:
                prompt += " " + "".join(_EMOJI[(n + k) % len(_EMOJI)] for k in range(12))
            completion = kinds[(n + 1) % len(kinds)][(n * 11) % len(kinds[(n + 1) % len(kinds)])][:600]
            record = {"id": f"r{n}", "customer": f"c{n % 50}", "model": "gpt-4",
                      "messages": [{"role": "user", "content": f"{prompt} #{n}"}],
                      "completion": f"{completion} (r{n})"}  # every text distinct: no cache hits
            line = json.dumps(record, ensure_ascii=False) + "\n"
            out.write(line)
            size += len(line.encode("utf-8"))
            n += 1
    return n


def _run(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the process and its threads) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def whole(pairs: int, megabytes: float) -> None:
    exe = Path(sys.executable).parent / "tokenecon"
    exe = str(exe) if exe.exists() else shutil.which("tokenecon")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "mixed.jsonl"
        lines = write_log(log, megabytes)
        script = Path(tmp) / "plain.py"
        script.write_text(PLAIN)
        plain = [sys.executable, str(script), str(log), str(Path(tmp) / "plain_counts.csv")]
        meter = [exe, "meter", str(log), "-t", "cl100k_base", "--out", str(Path(tmp) / "meter"), "--force"]
        print(f"log: {lines:,} requests, {log.stat().st_size / 1e6:.1f} MB", flush=True)
        _run(plain), _run(meter)  # warm the file cache
        runs = []
        for k in range(pairs):
            runs.append((_run(meter), _run(plain)))
            (m_wall, m_cpu), (p_wall, p_cpu) = runs[-1]
            print(f"  pair {k + 1}: tokenecon meter {m_wall:.2f} s ({m_cpu:.2f} s CPU), plain script {p_wall:.2f} s "
                  f"({p_cpu:.2f} s CPU), load {os.getloadavg()[0]:.1f}", flush=True)
    ratio = statistics.median(p[0] / m[0] for m, p in runs)
    cpu_ratio = statistics.median(p[1] / m[1] for m, p in runs)
    print(f"whole process, plain script / tokenecon meter: {ratio:.2f} wall, {cpu_ratio:.2f} CPU (goal: at least 0.9)")
    print(f"(medians of {pairs} pairs; 1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    if "--whole" in sys.argv:
        pairs = int(sys.argv[sys.argv.index("--pairs") + 1]) if "--pairs" in sys.argv else 3
        mb = float(sys.argv[sys.argv.index("--mb") + 1]) if "--mb" in sys.argv else 40.0
        whole(pairs, mb)
    else:
        main()
