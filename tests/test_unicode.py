"""Names in any script: a Chinese scenario validates, runs, compares and draws its names (no
missing glyphs); file names come from safe slugs; CSVs for Excel start with a byte-order mark."""

from __future__ import annotations

import json
import logging
import warnings

import pandas as pd
import pytest

from tokenecon.names import check_name, slug, unique_slugs

from .conftest import run_cli, scenario_dict


def chinese() -> dict:
    data = scenario_dict(name="中国词元经济", question="每个客户群付多少钱？")
    data["providers"][0]["name"] = "深度求索"
    data["providers"][0]["price"] = "标准价"
    data["pricing"] = {"标准价": data["pricing"]["std"], "夜间折扣": {"type": "per_token", "input": 1, "output": 4}}
    data["customers"][0]["name"] = "中小企业"
    data["customers"][0]["providers"] = ["深度求索"]
    return data


def test_names_of_any_script():
    assert check_name("深度求索") == "深度求索"
    assert check_name("qwen-3.6_plus") == "qwen-3.6_plus"
    for bad in ("", "-x", "a b", "a/b", "a=b", "x" * 65):
        with pytest.raises(ValueError, match="letters or digits of any script"):
            check_name(bad)
    assert slug("中国/词元 经济") == "中国_词元_经济"
    assert slug("../..") != "" and "/" not in slug("../..")
    assert unique_slugs(["方案甲", "Plan", "plan"]) == {"方案甲": "方案甲", "Plan": "Plan", "plan": "plan-2"}


def test_bad_name_says_what_a_name_may_hold(tmp_path, write_yaml, capsys):
    data = chinese()
    data["providers"][0]["name"] = "深度 求索"
    code, _, err = run_cli(["validate", str(write_yaml(data))], capsys)
    assert code == 2
    assert "letters or digits of any script" in err and "^[" not in err  # no raw regex
    assert len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_chinese_scenario_runs_and_draws_without_missing_glyphs(tmp_path, write_yaml, capsys, caplog, monkeypatch):
    path = write_yaml(chinese(), "中国.yaml")
    assert run_cli(["validate", str(path)], capsys)[0] == 0
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("always")
        code, out, err = run_cli(["run", str(path), "--excel"], capsys)
    assert code == 0, err
    glyphs = [str(w.message) for w in caught if "Glyph" in str(w.message) or "missing" in str(w.message)]
    assert glyphs == [] and [r for r in caplog.records if "findfont" in r.getMessage() or "Glyph" in r.getMessage()] == []
    folder = tmp_path / "reports" / "中国词元经济"
    assert (folder / "report.html").is_file() and (folder / "bill_by_segment.png").is_file()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == "中国词元经济" and "bill.中小企业" in summary and "深度求索.margin" in summary
    raw = (folder / "invoices.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8
    assert set(pd.read_csv(folder / "invoices.csv")["customer"].str[:4]) == {"中小企业"}
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "每个客户群付多少钱？" in html and "中小企业" in html


def test_the_cjk_font_has_every_glyph_of_the_names():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from tokenecon.report.fonts import CJK_FAMILY, use_cjk_font

    assert use_cjk_font()
    font = FT2Font(font_manager.findfont(CJK_FAMILY, fallback_to_default=False))
    for ch in "中国词元经济深度求索中小企业每个客户群付多少钱夜间折扣":
        assert font.get_char_index(ord(ch)) != 0, ch


def test_compare_of_two_chinese_files_keeps_both_runs(tmp_path, write_yaml, capsys):
    first = chinese()
    second = chinese()
    second["providers"][0]["price"] = "夜间折扣"
    a, b = write_yaml(first, "方案甲.yaml"), write_yaml(second, "方案乙.yaml")
    out = tmp_path / "cmp"
    code, _, err = run_cli(["compare", str(a), str(b), "--out", str(out), "--no-figures"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["方案乙", "方案甲"]
    assert list(pd.read_csv(out / "comparison.csv")["policy"]) == ["方案甲", "方案乙"]
    assert not (out / "comparison.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM only when asked


def test_terminal_tables_pad_chinese_names_by_display_width():
    from tokenecon.cli.columns import cells, left, right

    assert cells("阿里云") == 6 and cells("acme") == 4 and cells("ｄ") == 2
    assert left("阿里云", 14) == "阿里云" + " " * 8 and left("acme", 14) == f"{'acme':<14}"
    assert right("中小企业", 14) == " " * 6 + "中小企业" and right("sme", 14) == f"{'sme':>14}"
    assert left("a-very-long-provider-name", 4) == "a-very-long-provider-name"  # never cut
