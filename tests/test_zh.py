"""Chinese reports: `--lang zh` or `outputs: {language: zh}`.

The words come from one message catalogue per language (`tokenecon.i18n`): the same keys, the
same fields, so a Chinese sentence carries the numbers of its English twin. Numbers expected here
are recomputed from the run's own summary.json, never written down.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conftest import run_cli, scenario_dict

OPTIONAL = ("currency.", "meter.script.", "fmt.1e", "fmt.approx")  # names only some languages have
SPELLING = {"cur", "unit", "approx"}  # how an amount is named: a code, a word, 万/亿


def _two_segments(**changes) -> dict:
    data = scenario_dict(name="zh_run", question="各客户群付多少钱？", **changes)
    light = dict(data["customers"][0], name="轻度用户", count=2)
    heavy = dict(data["customers"][0], name="heavy", count=1, arrivals={"type": "poisson", "rate": "1/s"})
    data["customers"] = [light, heavy]
    return data


def test_the_catalogues_have_the_same_messages_with_the_same_fields():
    from tokenecon.i18n import en, fields, zh

    english, chinese = en.MESSAGES, zh.MESSAGES
    assert set(english) == {k for k in chinese if not k.startswith(OPTIONAL)}
    assert not [k for k in english if k.startswith(OPTIONAL)]
    differ = {k: (fields(english[k]), fields(chinese[k])) for k in english
              if fields(english[k]) - SPELLING != fields(chinese[k]) - SPELLING}
    assert differ == {}
    assert chinese["html.lang"] == "zh-CN" and english["html.lang"] == "en"
    # every message with English words in it reads in Chinese (names like GPU or p95 stay as they are)
    def words_in(text: str) -> set[str]:
        found = re.findall(r"[A-Za-z_]{3,}", re.sub(r"\{[^}]*\}", "", text))
        return {w for w in found if "_" not in w} - {"GPU", "GPUs", "TTFT", "PUE", "Student"}  # field names stay

    untranslated = [k for k in english if words_in(english[k]) and words_in(chinese[k])]
    assert untranslated == []


def test_chinese_numbers_name_wan_and_yi_beside_the_exact_digits():
    from tokenecon.i18n import words

    zh = words("zh")
    assert zh.money(14_184_556_533.33, "CNY") == "14,184,556,533.33 元（约 141.85 亿元）"
    assert zh.money(1_234_567.891, "USD") == "1,234,567.89 美元（约 123.46 万美元）"
    assert zh.money(99_999, "CNY") == "99,999.00 元" and zh.money(3, "EUR") == "3.00 欧元"
    assert zh.money(2.5, "XYZ") == "2.50 XYZ"  # a code without a Chinese name stays a code
    assert words("en").money(14_184_556_533.33, "CNY") == "CNY 14,184,556,533.33"
    assert zh.secs(float("nan")) == "无" and zh.change(5, 5) == "持平" and zh.change(11, 10) == "+10.0%"
    from tokenecon.report.style import figure_language, short_number

    with figure_language(zh, fonts=False):  # figure ticks and titles: 万 / 亿 / 万亿
        assert [short_number(v) for v in (2320, 12_300, 4.2e9, 1.4e14, -5e8, 1e11, 99_995_000)] == [
            "2,320", "1.23万", "42亿", "140万亿", "-5亿", "1000亿", "9999.5万"]
    assert [short_number(v) for v in (12_300, 4.2e9)] == ["12.3k", "4.2bn"]  # English again after


def test_a_chinese_run_answers_in_chinese_in_the_terminal_and_the_page(tmp_path, write_yaml, capsys):
    from tokenecon.cli.columns import cells

    out = tmp_path / "run"
    code, text, err = run_cli(["run", str(write_yaml(_two_segments())), "--out", str(out), "--no-figures",
                               "--lang", "zh"], capsys)
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    lines = text.splitlines()
    assert lines[0] == "问题：各客户群付多少钱？"
    assert (f"  请求       到达 {s['requests_arrived']:,}：完成 {s['requests_completed']:,}，"
            f"拒绝 {s['requests_rejected']:,}，超时 {s['requests_timed_out']:,}") in text
    assert f"精确值 {s['revenue']} 美元，开票 {s['revenue_invoiced']} 美元（{s['invoices']:,} 张账单）" in text
    assert f"首词元 p50 {s['ttft_p50_s']:.2f} 秒" in text
    header = next(k for k, line in enumerate(lines) if line.startswith("  服务商"))
    assert lines[header].split() == ["服务商", "完成", "拒绝", "超时", "利用率", "收入", "成本", "毛利"]
    assert cells(lines[header]) == cells(lines[header + 1])  # columns line up on a terminal
    assert lines[-1] == f"报告：{out / 'report.html'}"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert f"共到达 {s['requests_arrived']:,} 个请求：完成 {s['requests_completed']:,} 个" in page
    assert f"收入 {float(s['revenue']):,.2f} 美元" in page and "<h2>各客户群账单</h2>" in page
    assert "<th>毛利（美元）</th>" in page and "本文件夹中的文件" in page
    # file names and columns stay English: code reading them does not change with the language
    assert (out / "requests.csv").read_text(encoding="utf-8").startswith("request_id,")
    resolved = json.loads((out / "scenario.resolved.json").read_text(encoding="utf-8"))
    assert resolved["outputs"]["language"] == "zh"


def test_the_scenario_field_and_the_option_choose_the_same_language(tmp_path, write_yaml, capsys):
    by_field = write_yaml(_two_segments(outputs={"language": "zh"}), "field.yaml")
    plain = write_yaml(_two_segments(), "plain.yaml")
    pages = {}
    for name, args in (("field", [str(by_field)]), ("option", [str(plain), "--lang", "zh"]),
                       ("overridden", [str(by_field), "--lang", "en"]), ("english", [str(plain)])):
        out = tmp_path / name
        code, text, err = run_cli(["run", *args, "--out", str(out), "--no-figures"], capsys)
        assert code == 0, err
        page = (out / "report.html").read_text(encoding="utf-8")
        pages[name] = re.sub(r'<p class="sub">.*?</p>', "", page)  # the subtitle holds the wall time
        pages[name + ".txt"] = re.sub(r"\d+\.\d s", "", text.replace(str(out), ""))
    assert pages["field"] == pages["option"] and 'lang="zh-CN"' in pages["field"]
    assert pages["overridden"] == pages["english"] and 'lang="en"' in pages["english"]
    assert pages["overridden.txt"] == pages["english.txt"] and "requests" in pages["english.txt"]
    # the language left unset is not written: an English run folder is what it was before
    resolved = json.loads((tmp_path / "english" / "scenario.resolved.json").read_text(encoding="utf-8"))
    assert "language" not in resolved["outputs"]


def test_schema_and_validation_know_the_language(tmp_path, write_yaml, capsys):
    code, text, _ = run_cli(["schema"], capsys)
    assert code == 0
    schema = json.loads(text)
    language = schema["$defs"]["Outputs"]["properties"]["language"]
    assert language["enum"] == ["en", "zh"] and language["default"] == "en"
    code, _, err = run_cli(["validate", str(write_yaml(_two_segments(outputs={"language": "fr"})))], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "outputs.language" in err
    code, _, err = run_cli(["run", str(write_yaml(_two_segments())), "--lang", "fr"], capsys)
    assert code == 2 and "--lang" in err and "Traceback" not in err


def test_chinese_figures_draw_every_word_in_chinese_with_every_glyph(tmp_path, monkeypatch):
    """Every text a Chinese run's figures draw: no English figure words left, and no glyph missing
    from the fonts (matplotlib warns 'Glyph ... missing from font(s)' when one is)."""
    import warnings

    import matplotlib.figure
    from matplotlib.text import Text

    from tokenecon.i18n import en
    from tokenecon.report.figures import write_figures
    from tokenecon.runner import run
    from tokenecon.scenario.loading import scenario_from_dict

    drawn: dict[str, list[str]] = {}
    save = matplotlib.figure.Figure.savefig

    def record(fig, path, *args, **kwargs):
        drawn[str(path)] = [t.get_text() for t in fig.findobj(Text) if t.get_text()]
        return save(fig, path, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", record)
    data = _two_segments(outputs={"language": "zh"}, duration="1h")
    data["providers"][0]["carbon_g_per_kwh"] = 500
    result = run(scenario_from_dict(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write_figures(result, tmp_path)
    assert [str(c.message) for c in caught if "missing from" in str(c.message)] == []
    assert len(drawn) == 6  # bill, cost, throughput, latency, utilization, energy
    english = {word for k, v in en.MESSAGES.items() if k.startswith("fig.")
               for word in re.findall(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", "", v))} - {"TTFT"}
    texts = [t for ts in drawn.values() for t in ts]
    assert len(english) > 100 and [t for t in texts if set(re.findall(r"[A-Za-z]+", t)) & english] == []
    # every Chinese character drawn at its weight (regular or bold), none left to the thin variable font
    from tokenecon.report import fonts

    assert {ch for text in texts for ch in text if fonts._is_cjk(ch)} <= fonts._static_chars
    titles = {Path(p).name: ts for p, ts in drawn.items()}
    assert any(t.startswith("zh_run（随机种子 1）：各客户群支付多少") for t in titles["bill_by_segment.png"])
    assert "当地时间（UTC+0000）" in titles["cost_over_time.png"]
