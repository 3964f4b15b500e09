"""Small functions: none in the package runs over 60 lines (from its `def` to its last line)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tokenecon"
LIMIT = 60


def long_functions(root: Path, limit: int = LIMIT) -> list[str]:
    """`path:line name (n lines)` of every function or method in `root` longer than `limit` lines."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_is_over_60_lines():
    assert long_functions(PACKAGE) == []


def test_a_long_function_is_found(tmp_path):
    """The check can fail: a 61-line function is named with its file, line and length; 60 lines pass."""
    fits = "def fits():\n" + "".join(f"    x{k} = {k}\n" for k in range(59))
    long = "class C:\n    def long(self):\n" + "".join(f"        x{k} = {k}\n" for k in range(60))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(fits + "\n\n" + long, encoding="utf-8")
    assert long_functions(tmp_path / "pkg") == ["pkg/m.py:64 long (61 lines)"]
