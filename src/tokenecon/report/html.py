"""`report.html`: one self-contained page per report folder.

The page states the question, answers it in sentences computed from the folder's numbers, shows
the key tables and every figure (embedded as data URIs, so the file works offline, copied
anywhere) and links the folder's tables. It uses no script and loads nothing from outside.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import words
from .fonts import cjk_font_face

__all__ = ["Page", "Table", "write_page", "PAGE_NAME"]

PAGE_NAME = "report.html"

_NUMBER = re.compile(r"[-+\u2212]?(USD |CNY |\$|¥)?[\d.,]")  # a number, amount or percentage cell

_STYLE = """
body { font-family: "tokenecon CJK", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 1.5rem 2rem 3rem; color: #1d2330; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
.sub { color: #5b6475; margin: 0 0 1.2rem; }
.question { font-size: 1.2rem; font-weight: 600; border-left: 4px solid #2f6fdf; padding: .3rem .8rem;
            background: #f1f5fd; margin: 1rem 0 .6rem; }
.answer { font-size: 1.02rem; margin: 0 0 1.5rem; padding-left: 1.2rem; }
.answer li { margin: .25rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 1px solid #dde2ea; padding-bottom: .2rem; }
table { border-collapse: collapse; font-size: .9rem; margin: .4rem 0 1rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #e6e9ef; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th.t, td.t { text-align: left; }
th { background: #f5f7fa; }
.wrap { overflow-x: auto; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #e6e9ef; }
figcaption { color: #5b6475; font-size: .85rem; }
ul.files { columns: 2; }
.note { color: #5b6475; font-size: .85rem; }
"""


@dataclass
class Table:
    """A small table for the page: a caption, column headers and rows of already formatted cells."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Page:
    title: str
    subtitle: str = ""
    question: str | None = None
    answer: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # PNG file names in the folder
    notes: list[str] = field(default_factory=list)
    lang: str = "en"  # the language of the page's own words (tokenecon.i18n)


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


def _table(table: Table) -> str:
    # numbers right-aligned; a column of words (a segment or policy name beside the first) on the left
    words = [k > 0 and all(not _NUMBER.match(str(row[k])) for row in table.rows if str(row[k]))
             and any(str(row[k]) for row in table.rows) for k in range(len(table.columns))]
    cls = [' class="t"' if w else "" for w in words]
    head = "".join(f"<th{cls[k]}>{_esc(c)}</th>" for k, c in enumerate(table.columns))
    body = "".join("<tr>" + "".join(f"<td{cls[k]}>{_esc(c)}</td>" for k, c in enumerate(row)) + "</tr>"
                   for row in table.rows)
    return (f"<h2>{_esc(table.caption)}</h2><div class=\"wrap\"><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


def _files(folder: Path, heading: str) -> str:
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                   if p.is_file() and p.suffix.lower() not in (".png", ".html"))
    if not names:
        return ""
    items = "".join(f"<li><a href=\"{_esc(_href(n))}\">{_esc(n)}</a> ({_size((folder / n).stat().st_size)})</li>"
                    for n in names)
    return f"<h2>{_esc(heading)}</h2><ul class=\"files\">{items}</ul>"


def _href(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n} B"  # pragma: no cover


def render(page: Page, folder: Path) -> str:
    w = words(page.lang)
    parts = [f"<h1>{_esc(page.title)}</h1>"]
    if page.subtitle:
        parts.append(f"<p class=\"sub\">{_esc(page.subtitle)}</p>")
    if page.question:
        parts.append(f"<p class=\"question\" id=\"question\">{_esc(page.question)}</p>")
    if page.answer:
        parts.append("<ul class=\"answer\" id=\"answer\">" + "".join(f"<li>{_esc(s)}</li>" for s in page.answer)
                     + "</ul>")
    parts += [_table(t) for t in page.tables]
    figures = [name for name in page.figures if (folder / name).is_file()]
    if figures:
        parts.append(f"<h2>{_esc(w('html.figures'))}</h2>")
        for name in figures:
            parts.append(f"<figure><img src=\"{_image(folder / name)}\" alt=\"{_esc(name)}\">"
                         f"<figcaption>{_esc(w('html.caption', name=name))}</figcaption></figure>")
    parts.append(_files(folder, w("html.files")))
    parts += [f"<p class=\"note\">{_esc(n)}</p>" for n in page.notes]
    body = "\n".join(p for p in parts if p)
    # Chinese (or other CJK) names show on any machine: the glyphs they use travel with the page
    fonts = cjk_font_face(html.unescape(re.sub(r"<[^>]*>", " ", body)) + page.title)
    return (f"<!DOCTYPE html>\n<html lang=\"{w.html_lang}\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{_esc(page.title)}</title><style>{fonts}{_STYLE}</style></head><body>\n"
            + body + "\n</body></html>\n")


def write_page(page: Page, folder: Path) -> Path:
    """Write `report.html` into `folder` (the figures must already be there)."""
    path = folder / PAGE_NAME
    path.write_text(render(page, folder), encoding="utf-8")
    return path
