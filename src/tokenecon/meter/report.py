"""`tokenecon meter`: count a request log with several tokenizers, audit reported usage.

Streams the log in chunks (bounded memory), counts each chunk in batches on both cores, and
writes a folder atomically:
- ``counts.csv``: per request and tokenizer: ``<tok>.input`` (prompt with that family's chat
  overhead), ``<tok>.output`` (completion), ``<tok>.content`` (message texts + completion, no
  overhead), plus characters, script and image tokens;
- ``audit.csv``: requests whose log carries provider-reported usage, metered with the model's
  own tokenizer: reported vs metered input and output, the difference and a verdict;
- ``summary.csv``: per tokenizer and script: characters, content tokens, tokens per character,
  and the ratio to the reference tokenizer; ``summary.json``: totals, skipped lines and (with
  ``skip_bad``) the requests metered but not audited because no tokenizer is known for their model;
- ``divergence.png``: tokens per character and ratio to the reference, by script.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Protocol

import pandas as pd

from ..errors import TokenEconError
from ..folders import atomic_folder, check_output_dir
from ..usage import TokenUsage
from .images import openai_image_tokens, qwen_image_tokens
from .logs import LogReader, LogRequest
from .meter import Meter
from .models import tokenizer_for_model
from .scripts import SCRIPTS, classify_scripts

__all__ = ["meter_logs", "CHUNK"]

CHUNK = 2048


class _Writer(Protocol):
    def writerow(self, row: Iterable[object], /) -> object: ...


def _image_tokens(family: str, request: LogRequest) -> int:
    if family == "openai":
        return sum(openai_image_tokens(w, h, d) for w, h, d in request.images)
    if family == "qwen":
        return sum(qwen_image_tokens(w, h) for w, h, _ in request.images)
    return 0


def prompt_counts(meter: Meter, chunk: list[LogRequest]) -> list[int]:
    chats = [(i, r.messages) for i, r in enumerate(chunk) if r.messages is not None]
    plain = [i for i, r in enumerate(chunk) if r.messages is None]
    counts = [0] * len(chunk)
    for (i, _), n in zip(chats, meter.count_chats([messages for _, messages in chats])):
        counts[i] = n
    for i, n in zip(plain, meter.count_many([chunk[i].prompt or "" for i in plain])):
        counts[i] = n
    family = meter.tokenizer.family
    return [n + _image_tokens(family, r) for n, r in zip(counts, chunk)]


def _content(meter: Meter, chunk: list[LogRequest], contents: list[list[str]]) -> list[int]:
    flat = [t for texts in contents for t in texts]
    counts = meter.count_many(flat)
    out, k = [], 0
    for texts in contents:
        out.append(sum(counts[k:k + len(texts)]))
        k += len(texts)
    return out


class _Auditor:
    """Meters requests that carry reported usage with their model's own tokenizer."""

    COLUMNS = ["source", "line", "id", "customer", "model", "tokenizer", "usage_format", "reported_prompt_tokens",
               "metered_input_tokens", "input_difference", "reported_completion_tokens", "reported_reasoning_tokens",
               "metered_output_tokens", "output_difference", "reported_cached_tokens", "reported_cache_write_tokens",
               "verdict"]

    def __init__(self, override: str | None, meters: dict[str, Meter]):
        self.override = override
        self.meters = meters
        self.rows = self.billed_more = self.billed_less = 0
        self.unaudited: list[str] = []  # with skip_bad: requests metered, audit skipped (model without a tokenizer)

    def meter_for(self, request: LogRequest) -> Meter:
        name = self.override
        if name is None:
            try:
                name = tokenizer_for_model(request.model)
            except TokenEconError as exc:
                raise type(exc)(f"{request.source}: line {request.line}: {exc}") from None
        if name not in self.meters:
            self.meters[name] = Meter(name)
        return self.meters[name]

    def audit(self, chunk: list[LogRequest], writer: _Writer, skip: bool = False) -> None:
        """Audit the requests with reported usage; with `skip` (--skip-bad) a line whose model has no
        known tokenizer is not audited (it is metered, not skipped) and is counted in `unaudited`."""
        for name, group in self._by_tokenizer(chunk, skip).items():
            meter = self.meters[name]
            inputs = prompt_counts(meter, [r for r, _ in group])
            outputs = meter.count_many([r.completion for r, _ in group])
            for (r, u), metered_in, metered_out in zip(group, inputs, outputs):
                writer.writerow(self._row(r, u, name, metered_in, metered_out))

    def _by_tokenizer(self, chunk: list[LogRequest], skip: bool) -> dict[str, list[tuple[LogRequest, TokenUsage]]]:
        """The requests that report input or output tokens, with their usage, by the tokenizer that meters them."""
        groups: dict[str, list[tuple[LogRequest, TokenUsage]]] = defaultdict(list)
        for r in chunk:
            u = r.usage
            if u is None or (u.input is None and u.output is None):
                continue
            try:
                groups[self.meter_for(r).name].append((r, u))
            except TokenEconError as exc:
                if not skip:
                    raise
                self.unaudited.append(str(exc))
        return groups

    def _row(self, r: LogRequest, u: TokenUsage, tokenizer: str, metered_in: int, metered_out: int) -> list[object]:
        """One audit.csv row (read through tokenecon.usage: the same table trace replay uses); counts the verdict."""
        diff_in = None if u.input is None else u.input - metered_in
        diff_out = None if u.output is None else u.output - metered_out
        diffs = [d for d in (diff_in, diff_out) if d is not None]
        verdict = ("billed_more" if any(d > 0 for d in diffs) else
                   "billed_less" if any(d < 0 for d in diffs) else "match")
        self.billed_more += verdict == "billed_more"
        self.billed_less += verdict == "billed_less"
        self.rows += 1
        return [r.source, r.line, r.id, r.customer, r.model, tokenizer, u.format, _blank(u.input),
                metered_in, _blank(diff_in), _blank(u.completion), u.reasoning, metered_out, _blank(diff_out),
                u.cached_input, u.cache_write + u.cache_write_1h, verdict]


def _blank(value: int | None) -> int | str:
    return "" if value is None else value


def meter_logs(paths: list[Path], out: Path, *, tokenizers: list[str], reference: str, skip_bad: bool = False,
               audit_tokenizer: str | None = None, force: bool = False, progress: bool = False,
               report: Callable[[Path, dict], None] | None = None) -> dict:
    """Meter request logs into the folder `out` (written whole or not at all); returns the summary.

    `report(folder, summary)`, when given, adds its files (figures, a page) before the folder appears:
    the CLI passes `tokenecon.report.write_meter_report`.
    """
    check_output_dir(out, force)
    if reference not in tokenizers:
        tokenizers = [reference] + tokenizers
    meters = {name: Meter(name) for name in tokenizers}
    tokenizers = [meters[n].name for n in tokenizers]  # canonical names (aliases resolved)
    reference = meters[reference].name
    reader = LogReader(paths, skip_bad=skip_bad)
    with atomic_folder(out, force) as tmp:
        summary = _stream(reader, tmp, meters, tokenizers, reference, audit_tokenizer, progress)
        _write_summary(tmp, summary)
        if report is not None:
            report(tmp, summary)
    return summary["totals"]


def _stream(reader, tmp, meters, tokenizers, reference, audit_tokenizer, progress):
    from tqdm import tqdm

    chars = defaultdict(int)  # script -> characters
    tokens = defaultdict(int)  # (tokenizer, script) -> content tokens
    requests = defaultdict(int)
    auditor = _Auditor(audit_tokenizer, dict(meters))
    columns = ["source", "line", "id", "customer", "model", "script", "characters", "image_tokens_openai",
               "image_tokens_qwen"]
    for name in tokenizers:
        columns += [f"{name}.input", f"{name}.output", f"{name}.content"]
    bar = tqdm(total=reader.total_bytes, unit="B", unit_scale=True, desc="metering", delay=2.0, leave=False,
               disable=None if progress else True)
    total = 0
    with (tmp / "counts.csv").open("w", newline="", encoding="utf-8") as counts_file, \
            (tmp / "audit.csv").open("w", newline="", encoding="utf-8") as audit_file:
        counts_csv, audit_csv = csv.writer(counts_file), csv.writer(audit_file)
        counts_csv.writerow(columns)
        audit_csv.writerow(_Auditor.COLUMNS)
        iterator = iter(reader)
        while chunk := list(islice(iterator, CHUNK)):
            contents = [r.contents() for r in chunk]
            n_chars = [sum(len(t) for t in texts) for texts in contents]
            scripts = classify_scripts(["".join(texts) for texts in contents])
            per_tok = {}
            for name in tokenizers:
                m = meters[name]
                per_tok[name] = (prompt_counts(m, chunk), m.count_many([r.completion for r in chunk]),
                                 _content(m, chunk, contents))
            for i, r in enumerate(chunk):
                row = [r.source, r.line, r.id, r.customer, r.model, scripts[i], n_chars[i],
                       _image_tokens("openai", r), _image_tokens("qwen", r)]
                for name in tokenizers:
                    inp, outp, cont = per_tok[name]
                    row += [inp[i], outp[i], cont[i]]
                    tokens[name, scripts[i]] += cont[i]
                chars[scripts[i]] += n_chars[i]
                requests[scripts[i]] += 1
                counts_csv.writerow(row)
            auditor.audit(chunk, audit_csv, reader.skip_bad)
            total += len(chunk)
            bar.update(reader.bytes_read - bar.n)
    bar.close()
    rows = _script_table(tokenizers, reference, meters, chars, tokens, requests)
    totals = {
        "requests": total, "skipped_lines": len(reader.skipped), "tokenizers": tokenizers, "reference": reference,
        "audited_requests": auditor.rows, "audit_billed_more": auditor.billed_more,
        "audit_billed_less": auditor.billed_less, "unaudited_requests": len(auditor.unaudited),
        "cache_hits": sum(m.hits for m in meters.values()), "cache_misses": sum(m.misses for m in meters.values()),
    }
    if total == 0:
        raise TokenEconError(f"{', '.join(map(str, reader.paths))}: no requests to meter "
                             f"({len(reader.skipped)} bad lines skipped)")
    return {"table": pd.DataFrame(rows), "totals": totals, "skipped": reader.skipped, "unaudited": auditor.unaudited}


def _script_table(tokenizers, reference, meters, chars, tokens, requests) -> list[dict]:
    """Per tokenizer and script (and all scripts): characters, tokens, tokens per character, ratio."""
    rows = []
    for name in tokenizers:
        for script in SCRIPTS + ("all",):
            c = chars[script] if script != "all" else sum(chars.values())
            t = tokens[name, script] if script != "all" else sum(tokens[name, s] for s in SCRIPTS)
            ref = tokens[reference, script] if script != "all" else sum(tokens[reference, s] for s in SCRIPTS)
            n = requests[script] if script != "all" else sum(requests.values())
            if n == 0:
                continue
            rows.append({"tokenizer": name, "exact": meters[name].tokenizer.exact, "script": script, "requests": n,
                         "characters": c, "tokens": t, "tokens_per_character": t / c if c else float("nan"),
                         f"ratio_to_{reference}": t / ref if ref else float("nan")})
    return rows


def _write_summary(tmp: Path, summary: dict) -> None:
    table: pd.DataFrame = summary["table"]
    table.to_csv(tmp / "summary.csv", index=False)
    data = dict(summary["totals"], skipped=summary["skipped"][:100], unaudited=summary["unaudited"][:100])
    (tmp / "summary.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_calibration(report: Path, target: Path, sources) -> None:
    """Write the ratios of a meter report (all scripts together) as a scenario calibration file."""
    import datetime

    import yaml

    table = pd.read_csv(report / "summary.csv")
    totals = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    reference = totals["reference"]
    rows = table[(table["script"] == "all") & table["exact"]]
    ratios = {name: round(float(r), 4) for name, r in zip(rows["tokenizer"], rows[f"ratio_to_{reference}"])
              if name != reference}
    chars = int(table[(table["script"] == "all")]["characters"].iloc[0])
    header = (f"# tokenecon meter --calibrate: token counts relative to {reference}, measured on\n"
              f"# {', '.join(map(str, sources))} ({totals['requests']} requests, {chars:,} characters)"
              f" on {datetime.date.today().isoformat()}.\n"
              "# Size distributions of a scenario are in reference tokens; a provider metering with another\n"
              "# tokenizer multiplies them by its ratio.\n")
    body = yaml.safe_dump({"reference": reference, "ratios": ratios}, sort_keys=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(header + body, encoding="utf-8")
    tmp.replace(target)
