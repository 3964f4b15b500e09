"""report.html of every kind of folder, opened in a real headless Chromium (Debian's `chromium`).

Each page must load with no console message of type error or warning, request nothing but
itself (figures are data URIs: the file works offline, copied anywhere), show every figure of its
folder, and carry the question and an answer with the run's own numbers. Screenshots go to
`$TOKENECON_SCREENSHOTS` when set (to look at them), else to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run_cli, scenario_dict

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.slow  # whole-folder runs, a browser or installed-package subprocesses


def chromium_path() -> str:
    """The system Chromium; .ci/run installs it (Debian's `chromium`). Missing is a failure, not a skip."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "no chromium binary: install Debian's chromium (apt-get install -y chromium), as .ci/run does"
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield b
        b.close()


def open_page(browser, html: Path, shot: Path) -> dict:
    """Load a page; return its console messages, requests, image states, question and answer text."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    messages, requests = [], []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: messages.append(("pageerror", str(e))))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(html.resolve().as_uri(), wait_until="load")
    images = page.evaluate("Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
    question = page.inner_text("#question")
    answer = page.inner_text("#answer")
    links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    folder = Path(os.environ.get("TOKENECON_SCREENSHOTS", shot.parent))
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / shot.name), full_page=True)
    page.close()
    return {"messages": messages, "requests": requests, "images": images, "question": question,
            "answer": answer, "links": links}


def check_page(browser, folder: Path, shot: Path, question: str, numbers: list[str]) -> dict:
    html = folder / "report.html"
    assert html.is_file()
    seen = open_page(browser, html, shot)
    bad = [m for m in seen["messages"] if m[0] in ("error", "warning", "pageerror")]
    assert bad == []
    own = html.resolve().as_uri()
    assert [u for u in seen["requests"] if u != own and not u.startswith("data:")] == []  # nothing from outside
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert pngs, "a report folder has figures"
    assert sorted(alt for alt, _, _ in seen["images"]) == pngs
    assert all(done and width > 0 for _, done, width in seen["images"])  # every figure decoded
    assert seen["question"].strip() == question
    for number in numbers:
        assert number in seen["answer"]
    for link in seen["links"]:  # links to the folder's tables resolve
        assert (folder / link).is_file()
    return seen


def two_segments() -> dict:
    data = scenario_dict(name="html_run", question="What does each segment pay?")
    light = dict(data["customers"][0], name="light", count=2)
    heavy = dict(data["customers"][0], name="heavy", count=1, arrivals={"type": "poisson", "rate": "1/s"})
    data["customers"] = [light, heavy]
    data["pricing"]["cheap"] = {"type": "per_token", "input": 1.0, "output": 4.0}
    return data


def test_run_page(browser, tmp_path, write_yaml, capsys):
    path = write_yaml(two_segments())
    out = tmp_path / "run"
    assert run_cli(["run", str(path), "--out", str(out), "-q"], capsys)[0] == 0
    s = json.loads((out / "summary.json").read_text())
    seen = check_page(browser, out, tmp_path / "run.png", "What does each segment pay?",
                      [f"{s['requests_arrived']:,} requests arrived", f"{s['requests_completed']:,} completed",
                       f"USD {float(s['bill.heavy']):,.2f}", f"USD {float(s['revenue']):,.2f}"])
    assert "requests.csv" in seen["links"] and "invoices.csv" in seen["links"]
    # self-contained: the page alone, copied elsewhere, still shows every figure
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(out / "report.html", alone / "report.html")
    page = browser.new_page()
    page.goto((alone / "report.html").as_uri())
    assert all(w > 0 for w in page.evaluate("Array.from(document.images).map(i => i.naturalWidth)"))
    page.close()


def test_compare_page(browser, tmp_path, write_yaml, capsys):
    path = write_yaml(two_segments())
    out = tmp_path / "compare"
    code, _, err = run_cli(["compare", str(path), "--policy", "std", "--policy", "cheap", "--out", str(out)], capsys)
    assert code == 0, err
    table = (out / "comparison.csv").read_text()
    assert "cheap" in table
    import pandas as pd

    rows = pd.read_csv(out / "comparison.csv").set_index("policy")
    seen = check_page(browser, out, tmp_path / "compare.png", "What does each segment pay?",
                      [f"Revenue under cheap is USD {rows.loc['cheap', 'revenue']:,.2f}",
                       f"{int(rows.loc['std', 'requests_arrived']):,} requests each"])
    assert "comparison.csv" in seen["links"]


def test_replications_page(browser, tmp_path, write_yaml, capsys):
    path = write_yaml(scenario_dict(name="html_reps", duration="30min"))
    out = tmp_path / "reps"
    code, _, err = run_cli(["run", str(path), "--replications", "2", "--out", str(out), "-q"], capsys)
    assert code == 0, err
    check_page(browser, out, tmp_path / "replications.png", "How much do the results vary from seed to seed?",
               ["2 independent runs (seeds 1 to 2)", "revenue: "])


def test_sweep_page(browser, tmp_path, write_yaml, capsys):
    base = write_yaml(scenario_dict(name="html_sweep_base", duration="30min"))
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({
        "name": "html_sweep", "base": base.name, "replications": 1,
        "grid": {"pricing.std.output": [8, 12], "providers.p1.replicas": [1, 2]},
        "metrics": ["revenue", "utilization"],
        "optimize": {"maximize": "revenue"}}), encoding="utf-8")
    out = tmp_path / "sweep"
    code, _, err = run_cli(["sweep", str(sweep), "--serial", "--out", str(out)], capsys)
    assert code == 0, err
    best = json.loads((out / "best.json").read_text())
    at = ", ".join(f"{k} = {v}" for k, v in best["overrides"].items())
    check_page(browser, out, tmp_path / "sweep.png", "Which settings do best, within the constraints?",
               [f"The best point is {at}"])


def test_meter_page(browser, tmp_path, capsys):
    out = tmp_path / "meter"
    code, _, err = run_cli(["meter", str(ROOT / "scenarios" / "data" / "chat_log.jsonl"), "--out", str(out)], capsys)
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    check_page(browser, out, tmp_path / "meter.png",
               "How many tokens is the same text for each vendor's tokenizer?",
               [f"{s['requests']:,} requests metered", f"Of {s['audited_requests']:,} requests with reported usage"])


def test_chinese_names_render_from_the_embedded_font(browser, tmp_path, write_yaml, capsys):
    """A run named in Chinese: the page carries the few CJK glyphs it uses (a subset of Noto Sans
    CJK SC), and the browser loads and uses that face, whatever fonts the reader's machine has."""
    data = scenario_dict(name="方案甲", question="哪个客户群付得最多？")
    path = write_yaml(data)
    out = tmp_path / "run"
    assert run_cli(["run", str(path), "--out", str(out), "-q", "--no-figures"], capsys)[0] == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    assert text.count("@font-face") == 1 and 'font-family: "tokenecon CJK"' in text
    page = browser.new_page()
    messages = []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.goto((out / "report.html").resolve().as_uri(), wait_until="load")
    faces = page.evaluate("document.fonts.ready.then(() => Array.from(document.fonts)"
                          ".map(f => [f.family.replace(/\"/g, ''), f.status]))")
    covered = page.evaluate("document.fonts.check('16px \"tokenecon CJK\"', '方案甲哪个客户群付得最多？')")
    assert page.inner_text("#question").strip() == "哪个客户群付得最多？"
    page.close()
    assert faces == [["tokenecon CJK", "loaded"]] and covered
    assert [m for m in messages if m[0] in ("error", "warning")] == []


def test_pages_without_cjk_text_embed_no_font(tmp_path):
    from tokenecon.report.html import Page, render

    assert "@font-face" not in render(Page(title="quickstart", answer=["USD 12.50"]), tmp_path)
    page = render(Page(title="quickstart", answer=["客户 acme"]), tmp_path)
    assert page.count("@font-face") == 1 and len(page) < 40_000  # a subset of a few glyphs, not the 32 MB font


def embedded_cjk_glyphs(page_text: str) -> set[str]:
    """The characters the page's embedded CJK font (its @font-face data URI) has glyphs for."""
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    found = re.findall(r"url\(data:font/otf;base64,([A-Za-z0-9+/=]+)\)", page_text)
    assert len(found) == 1, "one embedded CJK font"
    font = TTFont(io.BytesIO(base64.b64decode(found[0])))
    return {chr(c) for c in font.getBestCmap()}


def check_chinese_page(browser, folder: Path, shot: Path, question: str, numbers: list[str]) -> dict:
    """A Chinese report.html: the checks of every page, lang zh-CN, and every CJK character the
    reader sees drawn from the embedded font (none left to a system font the reader may lack)."""
    from tokenecon.report.fonts import _is_cjk

    seen = check_page(browser, folder, shot, question, numbers)
    page = browser.new_page()
    page.goto((folder / "report.html").resolve().as_uri(), wait_until="load")
    lang = page.evaluate("document.documentElement.lang")
    text = page.evaluate("document.body.innerText + document.title")
    loaded = page.evaluate("document.fonts.ready.then(() => Array.from(document.fonts).map(f => f.status))")
    page.close()
    assert lang == "zh-CN" and loaded == ["loaded"]
    chinese = {ch for ch in text if _is_cjk(ch)}
    assert len(chinese) > 50  # headings, sentences and table headers, not just a name
    assert chinese - embedded_cjk_glyphs((folder / "report.html").read_text(encoding="utf-8")) == set()
    return seen


def installed_tokenecon(args: list[str], cwd: Path):
    """The installed console script in a subprocess: figures drawn by the real command, their
    warnings (a glyph missing from every font) on its stderr."""
    import subprocess
    import sys

    exe = Path(sys.executable).parent / "tokenecon"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "missing from" not in done.stderr and "Warning" not in done.stderr, done.stderr
    return done


def test_chinese_run_page_of_a_shipped_scenario(browser, tmp_path):
    scenario = ROOT / "scenarios" / "azure_trace_replay.yaml"
    out = tmp_path / "run"
    done = installed_tokenecon(["run", str(scenario), "--out", str(out), "--lang", "zh"], tmp_path)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    question = yaml.safe_load(scenario.read_text(encoding="utf-8"))["question"]
    seen = check_chinese_page(browser, out, tmp_path / "run_zh.png", question, [
        f"共到达 {s['requests_arrived']:,} 个请求：完成 {s['requests_completed']:,} 个",
        f"收入 {float(s['revenue']):,.2f} {'美元' if s['currency'] == 'USD' else '元'}",
        f"端到端时延：p50 {float(s['e2e_latency_p50_s']):,.2f} 秒"])
    assert "首词元时延（TTFT）" in seen["answer"] and "requests.csv" in seen["links"]
    assert f"到达 {s['requests_arrived']:,}：完成 {s['requests_completed']:,}" in done.stdout
    assert done.stdout.splitlines()[-1] == f"报告：{out / 'report.html'}"


def test_chinese_compare_page_of_a_shipped_scenario(browser, tmp_path):
    import pandas as pd

    scenario = ROOT / "scenarios" / "azure_trace_replay.yaml"
    out = tmp_path / "compare"
    done = installed_tokenecon(["compare", str(scenario), "--policy", "openai", "--policy", "deepseek", "--out",
                                str(out), "--lang", "zh"], tmp_path)
    rows = pd.read_csv(out / "comparison.csv").set_index("policy")
    cur = {"USD": "美元", "CNY": "元"}[rows["currency"].iloc[0]]
    question = yaml.safe_load(scenario.read_text(encoding="utf-8"))["question"]
    seen = check_chinese_page(browser, out, tmp_path / "compare_zh.png", question, [
        f"deepseek 方案收入 {rows.loc['deepseek', 'revenue']:,.2f} {cur}",
        f"每种方案 {int(rows.loc['openai', 'requests_arrived']):,} 个请求"])
    assert "comparison.csv" in seen["links"] and "端到端时延 p95：" in seen["answer"]
    assert done.stdout.splitlines()[-1] == f"报告：{out / 'report.html'}"


def test_chinese_replication_sweep_and_meter_pages(browser, tmp_path, write_yaml, capsys):
    """The other report folders in Chinese: replications (the scenario field), a sweep (its base
    scenario's field) and the meter (--lang), each with its answer in Chinese from its own numbers."""
    base = scenario_dict(name="html_zh", duration="30min", outputs={"language": "zh"})
    path = write_yaml(base, "base.yaml")
    out = tmp_path / "reps"
    code, text, err = run_cli(["run", str(path), "--replications", "2", "--out", str(out)], capsys)
    assert code == 0, err
    assert "html_zh：2 次重复运行（随机种子 1..2" in text
    check_chinese_page(browser, out, tmp_path / "replications_zh.png", "不同随机种子下结果波动多大？",
                       ["2 次独立运行（随机种子 1 至 2）", "收入："])
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(yaml.safe_dump({
        "name": "html_sweep_zh", "base": path.name, "replications": 1,
        "grid": {"pricing.std.output": [8, 12], "providers.p1.replicas": [1, 2]},
        "metrics": ["revenue", "utilization"], "optimize": {"maximize": "revenue"}}), encoding="utf-8")
    out = tmp_path / "sweep"
    code, text, err = run_cli(["sweep", str(sweep), "--serial", "--out", str(out)], capsys)
    assert code == 0, err
    best = json.loads((out / "best.json").read_text())
    at = ", ".join(f"{k} = {v}" for k, v in best["overrides"].items())
    check_chinese_page(browser, out, tmp_path / "sweep_zh.png", "在约束条件内，哪组设置最好？", [f"最优参数点为 {at}：收入"])
    assert text.splitlines()[-1] == f"报告：{out / 'report.html'}"
    out = tmp_path / "meter"
    code, text, err = run_cli(["meter", str(ROOT / "scenarios" / "data" / "chat_log.jsonl"), "--out", str(out),
                               "--lang", "zh"], capsys)
    assert code == 0, err
    s = json.loads((out / "summary.json").read_text())
    check_chinese_page(browser, out, tmp_path / "meter_zh.png", "同一段文本，各厂商的分词器各算出多少词元？",
                       [f"共计量 {s['requests']:,} 个请求", f"在 {s['audited_requests']:,} 个带有上报用量的请求中"])
    assert text.startswith(f"已计量 {s['requests']:,} 个请求")
