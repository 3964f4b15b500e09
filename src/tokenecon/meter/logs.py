"""Request logs for the meter: JSONL (one request a line) or plain text files, streamed.

A JSONL line holds ``id``, ``timestamp``, ``customer``, ``model``, ``messages`` (chat) or ``prompt``
(text), ``completion``, optional ``usage`` as any vendor reports it (read by `tokenecon.usage`:
OpenAI, Anthropic, DeepSeek, Gemini ``usageMetadata``, Qwen) and optional ``images``
(``[{width, height, detail}]``). Anything else on the line is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputDataError
from ..inputs import check_file
from ..usage import TokenUsage, read_usage, usage_object
from .chat import _text

__all__ = ["LogRequest", "LogReader", "JSONL_SUFFIXES"]

JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}
MAX_LINE_BYTES = 8 * 2**20      # one JSONL line (a request); longer lines are errors naming the line
MAX_TEXT_BYTES = 64 * 2**20     # one plain text file
MAX_IMAGE_SIDE = 1_000_000      # pixels


@dataclass
class LogRequest:
    source: str
    line: int
    id: str
    customer: str
    model: str
    timestamp: str
    messages: list | None
    prompt: str | None
    completion: str
    usage: TokenUsage | None
    images: list[tuple[int, int, str]] = field(default_factory=list)

    def contents(self) -> list[str]:
        """The texts of the request (message contents or prompt) and its completion."""
        texts = [_text(m, "content") for m in self.messages] if self.messages is not None else [self.prompt or ""]
        return texts + [self.completion]


def _images(raw, where: str) -> list[tuple[int, int, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InputDataError(f"{where}: 'images' must be a list of {{width, height}}")
    out = []
    for i, image in enumerate(raw):
        ok = isinstance(image, dict) and all(isinstance(side := image.get(k), int) and not isinstance(side, bool)
                                             and 0 < side <= MAX_IMAGE_SIDE for k in ("width", "height"))
        if not ok:
            raise InputDataError(f"{where}: images[{i}] needs whole 'width' and 'height' from 1 to "
                                 f"{MAX_IMAGE_SIDE:,} pixels")
        out.append((image["width"], image["height"], str(image.get("detail", "high"))))
    return out


def parse_line(data: object, source: str, line: int) -> LogRequest:
    where = f"{source}: line {line}"
    if not isinstance(data, dict):
        raise InputDataError(f"{where}: expected a JSON object, got {type(data).__name__}")
    messages, prompt = data.get("messages"), data.get("prompt")
    if messages is None and prompt is None:
        raise InputDataError(f"{where}: missing field 'messages' or 'prompt'")
    if messages is not None:
        if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
            raise InputDataError(f"{where}: 'messages' must be a list of {{role, content}} objects")
        for i, m in enumerate(messages):
            content = m.get("content")
            if not isinstance(m.get("role"), str) or not (content is None or isinstance(content, (str, list))):
                raise InputDataError(f"{where}: messages[{i}] needs a text 'role' and a text 'content'")
            for k, part in enumerate(content if isinstance(content, list) else []):
                if not isinstance(part, dict) or (part.get("type") == "text" and not isinstance(part.get("text"), str)):
                    raise InputDataError(f"{where}: messages[{i}].content[{k}] must be a part like "
                                         "{type: text, text: ...}")
    elif not isinstance(prompt, str):
        raise InputDataError(f"{where}: 'prompt' must be text")
    completion = data.get("completion", "")
    if completion is None:
        completion = ""
    if not isinstance(completion, str):
        raise InputDataError(f"{where}: 'completion' must be text")
    return LogRequest(
        source=source, line=line, id=str(data.get("id", line)), customer=str(data.get("customer", "")),
        model=str(data.get("model", "")), timestamp=str(data.get("timestamp", "")), messages=messages,
        prompt=prompt, completion=completion, usage=read_usage(usage_object(data), where),
        images=_images(data.get("images"), where),
    )


class LogReader:
    """Iterates requests from JSONL logs and text files; counts skipped lines with `skip_bad`."""

    def __init__(self, paths: list[Path], *, skip_bad: bool = False):
        self.paths = paths
        self.skip_bad = skip_bad
        self.skipped: list[str] = []
        self.bytes_read = 0
        for path in paths:
            limit = None if path.suffix.lower() in JSONL_SUFFIXES else MAX_TEXT_BYTES
            if check_file(path, "log file", max_bytes=limit) == 0:
                raise InputDataError(f"{path}: empty file")

    @property
    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.paths)

    def __iter__(self) -> Iterator[LogRequest]:
        for path in self.paths:
            if path.suffix.lower() in JSONL_SUFFIXES:
                yield from self._jsonl(path)
            else:
                yield self._text(path)

    def bad(self, message: str) -> None:
        """A per-line error: raised, or with skip_bad counted and skipped."""
        if not self.skip_bad:
            raise InputDataError(message)
        self.skipped.append(message)

    def _text(self, path: Path) -> LogRequest:
        raw = path.read_bytes()
        self.bytes_read += len(raw)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputDataError(f"{path}: invalid UTF-8 at byte {exc.start}") from None
        return LogRequest(str(path), 1, path.name, "", "", "", None, text, "", None)

    def _jsonl(self, path: Path) -> Iterator[LogRequest]:
        seen = 0
        for number, raw, size in bounded_lines(path, MAX_LINE_BYTES):
            self.bytes_read += size
            if raw is None:
                self.bad(f"{path}: line {number}: longer than {MAX_LINE_BYTES:,} bytes ({size:,})")
                continue
            try:
                data = parse_json_line(raw, number)
                if data is BLANK:
                    continue
                request = parse_line(data, str(path), number)
            except InputDataError as exc:
                self.bad(str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}")
                continue
            seen += 1
            yield request
        if seen == 0 and not self.skipped:
            raise InputDataError(f"{path}: no requests (only blank lines)")


def bounded_lines(path: Path, limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, bytes, size) per line, streamed; a line longer than `limit` comes as None
    (and is read past in pieces, never held whole). A UTF-8 byte-order mark is dropped."""
    with path.open("rb") as handle:
        number = 0
        while True:
            raw = handle.readline(limit + 1)
            if not raw:
                return
            number += 1
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if len(raw) > limit and not raw.endswith(b"\n"):
                size = len(raw)
                while raw and not raw.endswith(b"\n"):
                    raw = handle.readline(1 << 20)
                    size += len(raw)
                yield number, None, size
                continue
            yield number, raw, len(raw)


BLANK = object()  # what `parse_json_line` returns for a blank line (JSON `null` is a value, not a blank)


def parse_json_line(raw: bytes, number: int) -> object:
    """The JSON value of one line (`BLANK` for a blank line); errors name the line, never quote it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputDataError(f"line {number}: invalid UTF-8 at byte {exc.start}") from None
    if not text.strip():
        return BLANK
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputDataError(f"line {number}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise InputDataError(f"line {number}: invalid JSON: nested too deeply") from None
    except ValueError:  # Python's cap on the digits of an integer
        raise InputDataError(f"line {number}: invalid JSON: a number with too many digits") from None
