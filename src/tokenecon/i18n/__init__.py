"""The words of reports: one message catalogue per language (`en`, `zh`), one way to fill them.

Every sentence, heading, table header and figure label a report shows is a keyed message with
named fields (`en.MESSAGES`, `zh.MESSAGES`: the same keys and the same fields in each). A report
computes each number once and hands it to `Words`; the language only chooses the words and how a
number is written (``USD 1,234.56`` or ``1,234.56 美元``). File names and CSV columns stay English.
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Literal

__all__ = ["LANGUAGES", "Language", "Words", "words", "fields"]

Language = Literal["en", "zh"]
LANGUAGES: tuple[str, ...] = ("en", "zh")


def _messages(lang: str) -> dict[str, str]:
    if lang == "zh":
        from .zh import MESSAGES
    else:
        from .en import MESSAGES
    return MESSAGES


def fields(message: str) -> set[str]:
    """The named fields of a message ('{n} requests' -> {'n'})."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(message) if name}


class Words:
    """A language's messages, and numbers written as that language writes them."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)} (got {lang!r})")
        self.lang = lang
        self.messages = _messages(lang)
        self.html_lang = self.messages["html.lang"]

    def __call__(self, key: str, **values: object) -> str:
        return self.messages[key].format(**values)

    def join(self, parts, key: str = "sep.list") -> str:
        """Parts of a sentence joined by the language's separator (', ' or '，'; 'sep.parts': '; ' or '；')."""
        return self.messages[key].join(parts)

    def currency(self, code: str) -> str:
        """The currency's name in running text: 'USD' or '美元' (a code without a name stays a code)."""
        return self.messages.get(f"currency.{code}", code)

    def cur(self, code: str) -> dict[str, str]:
        """The fields a message naming a currency may use: `cur` (the code) and `unit` (its name)."""
        return {"cur": code, "unit": self.currency(code)}

    def label(self, metric: str) -> str:
        """A summary metric's name for a reader ('revenue', or '收入'); unknown names stay as they are."""
        if metric.startswith("bill."):
            return self("metric.bill", segment=metric[5:])
        return self.messages.get(f"metric.{metric}", metric)

    def money(self, value, currency: str) -> str:
        """An amount in running text: 'USD 1,234.56'; '1,234,567.89 元（约 123.46 万元）' (Chinese
        names large amounts in 万 / 亿 / 万亿 beside the exact digits; tables keep the digits alone)."""
        value = float(value)
        return self("fmt.money", value=f"{value:,.2f}", cur=currency, unit=self.currency(currency),
                    approx=self.approx(value, self.currency(currency)))

    def approx(self, value: float, unit: str = "") -> str:
        """'（约 141.85 亿元）' for a large number in a language with such words (Chinese), else ''."""
        for limit, word in ((1e12, "fmt.1e12"), (1e8, "fmt.1e8"), (1e6, "fmt.1e4")):
            if word in self.messages and abs(value) >= limit:
                scale = 1e4 if word == "fmt.1e4" else limit
                return self("fmt.approx", value=f"{value / scale:,.2f}", big=self(word), unit=unit)
        return ""

    def pct(self, value: float, digits: int = 0) -> str:
        return f"{100 * value:.{digits}f}%"

    def share(self, part: int, whole: int) -> str:
        """part of whole as a percentage that never reads 100% (or 0%) unless it is: '>99.9%', '<0.1%'."""
        if whole <= 0 or part == whole or part == 0:
            return "100%" if whole > 0 and part == whole else "0%"
        text = self.pct(part / whole, 1)
        return ">99.9%" if text == "100.0%" else "<0.1%" if text == "0.0%" else text

    def change(self, new: float, old: float) -> str:
        """'+12.3%' / '-4.0%' / 'unchanged'; 'from 0' when there is no base."""
        if old == new:
            return self("change.same")
        if old == 0:
            return self("change.from_zero")
        return f"{100 * (new - old) / abs(old):+.1f}%"

    def secs(self, value) -> str:
        value = float(value)
        if value != value:  # NaN: nothing completed
            return self("fmt.na")
        return self("fmt.secs", value=f"{value:,.2f}" if value < 100 else f"{value:,.0f}")


@lru_cache(maxsize=None)
def words(lang: str = "en") -> Words:
    """The `Words` of a language ('en' or 'zh')."""
    return Words(lang)
