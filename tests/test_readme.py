"""Every command in the README runs verbatim, top to bottom, in a fresh copy of the repository.

Commands are the lines of ```bash blocks and the `$ ` lines of plain ``` blocks (a trailing
backslash continues a line). The one command not run here is the test-suite command itself
(`... python -m pytest`), which is what runs this test. The install command builds a fresh
virtualenv and installs tokenecon into it, as a new user would.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT


def readme_commands(text: str) -> list[str]:
    commands, block, pending = [], None, ""
    for line in text.splitlines():
        if line.startswith("```"):
            block = None if block is not None else (line[3:].strip() or "plain")
            continue
        if block == "bash":
            command = line
        elif block == "plain" and (line.startswith("$ ") or pending):
            command = line[2:] if line.startswith("$ ") and not pending else line
        else:
            continue
        command = command.split("  # ")[0].rstrip() if not pending else command.rstrip()
        if not command or command.lstrip().startswith("#"):
            continue
        if command.endswith("\\"):
            pending += command[:-1] + " "
            continue
        commands.append((pending + command).strip())
        pending = ""
    return commands


def transcripts(text: str) -> list[tuple[str, list[str]]]:
    """(command, the output lines shown for it) from the README: each `$ ` line of a plain block and the
    lines under it, and a plain block without `$ ` lines that the prose before it says a command prints
    (``Its last command, `tokenecon run ...`, prints``)."""
    found, lines = [], text.splitlines()
    k = 0
    while k < len(lines):
        if not lines[k].startswith("```"):
            k += 1
            continue
        end = lines.index("```", k + 1)
        block, plain = lines[k + 1:end], lines[k] == "```"
        said = re.search(r"`([^`]+)`, prints", " ".join(lines[max(0, k - 3):k]))
        if plain and block and not block[0].startswith("$ ") and said:
            found.append((said.group(1), block))
        for j, line in enumerate(block):
            if plain and line.startswith("$ "):
                command, rest = line[2:], iter(block[j + 1:])
                while command.endswith("\\"):  # a command continued on the next line
                    command = command[:-1].rstrip() + " " + next(rest).strip()
                shown = []
                for follow in rest:
                    if follow.startswith("$ "):
                        break
                    shown.append(follow)
                found.append((command, shown))
        k = end + 1
    return [(c, shown) for c, shown in found if shown]


def _steady(line: str) -> str:
    """A transcript line without what changes from run to run: the wall time (English or Chinese)."""
    line = re.sub(r"simulated in [0-9.]+ s", "simulated in ... s", line.rstrip())
    return re.sub(r"用时 [0-9.]+ 秒", "用时 ... 秒", line)


def shown_lines_missing(shown: list[str], printed: str) -> list[str]:
    """The lines of `shown` that do not appear, in order, in `printed` (wall times aside; a line
    `...` stands for lines left out)."""
    actual = iter([_steady(line) for line in printed.splitlines()])
    return [line for line in shown if line != "..." and _steady(line) not in actual]


DOC_PAGES = ("docs/library.md", "docs/experiments.md", "docs/meter.md")


def doc_transcripts() -> list[tuple[str, str, list[str]]]:
    """(page, command, lines shown) for every `$ tokenecon ...` transcript of the user guides."""
    return [(page, command, shown) for page in DOC_PAGES
            for command, shown in transcripts((ROOT / page).read_text(encoding="utf-8"))
            if command.startswith("tokenecon ")]


def test_transcripts_are_found_and_compared():
    found = dict(transcripts((ROOT / "README.md").read_text(encoding="utf-8")))
    assert found["tokenecon run scenarios/quickstart.yaml"][0].startswith("question: ")
    assert found["tokenecon validate scenarios/quickstart.yaml"][0].startswith("scenarios/quickstart.yaml: OK")
    assert "tokenecon run scenarios/quickstart.yaml --force" not in found  # no output shown for it
    shown = ["a: 24 h simulated in 14.8 s, seed 7", "  b 1"]
    assert shown_lines_missing(shown, "x\na: 24 h simulated in 16.0 s, seed 7\n  b 1\n") == []
    assert shown_lines_missing(shown, "  b 1\na: 24 h simulated in 1 s, seed 7\n") == ["  b 1"]  # order counts
    assert shown_lines_missing(shown, "a: 24 h simulated in 1 s, seed 7\n  b 2\n") == ["  b 1"]
    assert shown_lines_missing(["n：模拟 19,704 小时，用时 66.1 秒，随机种子 2026"], "n：模拟 19,704 小时，用时 9.0 秒，随机种子 2026") == []


def test_scenario_tables_quote_each_scenarios_question():
    import yaml

    for page in ("README.md", "docs/library.md"):
        rows = re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", (ROOT / page).read_text(encoding="utf-8"), flags=re.M)
        assert len(rows) == len(list((ROOT / "scenarios").glob("*.yaml"))), page
        for name, question in rows:
            asked = yaml.safe_load((ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8"))["question"]
            assert question == asked, (page, name)


def test_doc_transcripts_are_found():
    found = {(page, command) for page, command, _ in doc_transcripts()}
    assert ("docs/library.md", "tokenecon run scenarios/anthropic_caching.yaml") in found
    assert ("docs/experiments.md", "tokenecon sweep scenarios/sweeps/quickstart_price_fleet.yaml") in found
    assert ("docs/meter.md", "tokenecon meter scenarios/data/chat_log.jsonl") in found
    assert shown_lines_missing(["a", "...", "c"], "a\nb\nc\n") == []


def test_readme_commands_are_found():
    commands = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert commands[0].startswith("python3 -m venv .venv && . .venv/bin/activate && pip install .")
    assert "tokenecon validate scenarios/quickstart.yaml" in commands
    assert any(c.startswith("tokenecon compare ") for c in commands)
    assert any(c.startswith("tokenecon meter ") for c in commands)


def _fresh_copy(target: Path) -> None:
    """The repository's tracked files (what a clone holds), copied as they are in this tree."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = ROOT / name
        if source.is_file():
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(source.read_bytes())


@pytest.mark.slow
def test_readme_runs_top_to_bottom(tmp_path):
    commands = [c for c in readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))
                if "python -m pytest" not in c]
    clone = tmp_path / "tokenecon"
    _fresh_copy(clone)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    script = "set -euo pipefail\n" + "".join(
        f"echo '>>> {c.replace(chr(39), '')}'\n{c}\n" for c in commands)
    done = subprocess.run(["bash", "-c", script], cwd=clone, env=env, capture_output=True, text=True, timeout=3000)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    ran = [line[4:] for line in done.stdout.splitlines() if line.startswith(">>> ")]
    assert len(ran) == len(commands)
    printed = dict(zip(ran, done.stdout.split(">>> ")[1:]))  # each command's stdout, after its marker line
    for command, shown in transcripts((ROOT / "README.md").read_text(encoding="utf-8")):
        output = next(out for ran_command, out in printed.items()
                      if ran_command == command or ran_command.endswith("&& " + command))
        assert shown_lines_missing(shown, output) == [], (command, output[-3000:])
    for page, command, shown in doc_transcripts():  # the guides' transcripts of commands run here
        if command in printed:
            assert shown_lines_missing(shown, printed[command]) == [], (page, command, printed[command][-3000:])
    assert (clone / "reports" / "quickstart" / "report.html").is_file()
    assert (clone / "reports" / "compare-deepseek_offpeak" / "report.html").is_file()
