"""Readable numbers in figures: no scientific notation, no offsets; one colour per name."""

from __future__ import annotations

from tokenecon.report.style import palette, short_number


def test_short_numbers():
    assert [short_number(v) for v in (0, 0.5, 2320, 12345, 133187, 4.2e9, 1e14, -460.48, 999.9, 0.000021)] == [
        "0", "0.5", "2,320", "12.3k", "133k", "4.2bn", "100tn", "-460", "1,000", "0.000021"]
    assert all("e" not in short_number(v) for v in (1.5e-7, 2.32e3, 1e10, 3.74e3))


def test_one_colour_per_name_in_order():
    colors = palette(["acme", "budget", "acme", "third"])
    assert list(colors) == ["acme", "budget", "third"] and len(set(colors.values())) == 3
    assert palette(["acme", "budget"]) == {k: colors[k] for k in ("acme", "budget")}
