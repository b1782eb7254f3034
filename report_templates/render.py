"""Rendering documents: Jinja2 → HTML (self-contained) → WeasyPrint PDF with an embedded CJK font.

A `Renderer` is made once per run: one Jinja environment, one font configuration and one parsed
stylesheet serve every document, so per-document cost is layout and drawing only. Layout lives
in `report.css` (CSS paged media), not here. Files are written under a temporary name in the
target folder and renamed, so a reader never sees a half-written report.

The HTML file carries the stylesheet inline and its charts as inline SVG, so it opens offline from
the file system. The PDF is made from the same HTML (without the inline copy of the stylesheet)
plus the same stylesheet, parsed once per `Renderer`. WeasyPrint is never allowed to fetch
anything: documents reference no external resources, and the URL fetcher refuses every request.

Machine requirements (checked when PDF output is first prepared, see `check_harfbuzz_subset` and
`check_font`): Debian `libharfbuzz-subset0` and `fonts-noto-cjk`.
"""

from __future__ import annotations

import ctypes.util
import gc
import math
import re
import subprocess
import threading
import time
from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from report_templates.pdf_fonts import compact_fonts
from transforms.config.defaults import load_defaults
from transforms.config.framework import OP_SIGNS
from transforms.config.posts import full_title
from transforms.runtime.home import write_atomically  # 0640: reports name cadres

HERE = Path(__file__).resolve().parent
REPORT_FONT = "Noto Sans CJK SC"
KINDS = ("county", "cadre", "bulletin", "steward")
STYLE_SLOT = "<style></style>"  # base.html.j2 leaves this for the stylesheet

# Decimal places per unit, as a statistical bulletin prints them; anything not listed (and index
# scores, unit "score") gets 2.
DECIMALS = {"%": 1, "‰": 1, "μg/m³": 1, "千克/公顷": 1, "万亩": 2, "万公顷": 2, "亿元": 2, "亿立方米": 2,
            "万立方米": 2, "万吨标准煤": 2, "万元/吨": 2, "个": 0, "元/人": 0, "公顷": 0, "人": 0, "项": 0,
            "件": 0, "次": 0, "天": 0, "score": 2}
MISSING = "—"
MINUS = "−"  # U+2212, the typographic minus (same width as the digits in Noto Sans CJK SC)


class RenderSetupError(RuntimeError):
    """The machine lacks what correct, fast Chinese PDFs need (message in Chinese first)."""


def check_harfbuzz_subset() -> None:
    """Refuse to run silently without HarfBuzz subsetting: WeasyPrint would fall back to fontTools
    and take ~10 s instead of ~0.25 s per Chinese report (notes/stack-probe.md §4)."""
    if ctypes.util.find_library("harfbuzz-subset") is None:
        raise RenderSetupError(
            "缺少 Debian 软件包 libharfbuzz-subset0(HarfBuzz 字体子集化库)。没有它, WeasyPrint 会改用 fontTools "
            "对中文字体做子集化, 每份 PDF 报告约慢 40 倍(约 10 秒而非 0.25 秒)。"
            "请运行 `make setup` 或 `sudo apt-get install libharfbuzz-subset0` 后重试。"
            " / Debian package libharfbuzz-subset0 is missing: PDF rendering would fall back to fontTools and be "
            "~40x slower. Install it (make setup) and retry.")


def check_font() -> None:
    """The only font the reports use must be known to fontconfig, else every Chinese glyph is tofu."""
    try:
        family = subprocess.run(["fc-match", "-f", "%{family}", REPORT_FONT], capture_output=True, text=True,
                                timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        family = ""
    if REPORT_FONT not in family.split(","):
        raise RenderSetupError(
            f"未找到中文字体 {REPORT_FONT}(Debian 软件包 fonts-noto-cjk), fontconfig 匹配到的是"
            f"“{family or '无'}”; PDF 中的中文将无法正确显示。请运行 `make setup` 或 "
            "`sudo apt-get install fonts-noto-cjk` 后重试。"
            f" / font {REPORT_FONT} (Debian fonts-noto-cjk) is not installed; run make setup.")


# ---------------------------------------------------------------- filters

def _number(value: object) -> float | int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)  # Decimal, numpy scalars, numeric strings
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) or math.isinf(x) else x


def fmt_num(value: object, unit: str | None = "score") -> str:
    """A number as the bulletin prints it: decimals per unit (% 1, 万亩/亿元 2, 个 0, scores 2),
    thousands separators, a true minus sign, "—" when missing."""
    x = _number(value)
    if x is None:
        return MISSING if value is None or isinstance(value, (int, float)) else str(value)
    places = DECIMALS.get(unit or "score", 2)
    text = f"{abs(x):,.{places}f}"
    return (MINUS + text) if x < 0 and float(text.replace(",", "")) != 0 else text


def fmt_signed(value: object, unit: str | None = "score") -> str:
    """A change: +1.23 / −1.23 / 0.00; "—" when missing."""
    x = _number(value)
    if x is None:
        return MISSING
    text = fmt_num(abs(x), unit)
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if x > 0 else MINUS) + text


PLACES_MAX = 6  # beyond this a value and its target are the same number for any reader


def _places(unit: str | None) -> int:
    return DECIMALS.get(unit or "score", 2)


def _rounded(x: float, places: int) -> float:
    return float(f"{x:.{places}f}")


def _holds(op: str, a: float, b: float) -> bool | None:
    return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b, "==": a == b}.get(op)


def verdict_places(value: object, unit: str | None, target: object, op: object, met: object) -> int:
    """The decimals that make a printed value agree with its verdict: the unit's usual decimals, more
    where the value and target as printed would say the opposite of `met` (3.97 against ≥ 4.0 prints
    3.97, not 4.0, beside its ×). The target is printed with the same decimals."""
    places = _places(unit)
    x, t = _number(value), _number(target)
    if x is None or t is None or not isinstance(met, bool) or _holds(str(op), x, t) is None:
        return places
    while places < PLACES_MAX and _holds(str(op), _rounded(x, places), _rounded(t, places)) != met:
        places += 1
    return places


def fmt_verdict(value: object, unit: str | None, target: object, op: object, met: object) -> str:
    """A value judged against a target, with as many decimals as its verdict needs (see `verdict_places`)."""
    return fmt_num_places(value, verdict_places(value, unit, target, op, met))


def fmt_target(target: object, unit: str | None, value: object = None, op: object = None, met: object = None) -> str:
    """The target beside a value printed by `fmt_verdict`: the same decimals, never fewer than its own."""
    places = verdict_places(value, unit, target, op, met)
    return fmt_num_places(target, places)


def fmt_num_places(value: object, places: int) -> str:
    x = _number(value)
    if x is None:
        return MISSING if value is None or isinstance(value, (int, float)) else str(value)
    text = f"{abs(x):,.{places}f}"
    return (MINUS + text) if x < 0 and float(text.replace(",", "")) != 0 else text


def direction(value: object, unit: str | None = "score", sign: object = 1) -> str:
    """"up", "down" or "" for a change as printed: a change that rounds to zero is neutral whatever
    its sign (no colour, no arrow); `sign` −1 for an indicator where lower is better."""
    x = _number(value)
    if x is None or _rounded(abs(x), _places(unit)) == 0:
        return ""
    good = x * (_number(sign) or 1) > 0
    return "up" if good else "down"


def fmt_pct(value: object, places: int = 1) -> str:
    """A share given as a fraction (0.236 → 23.6%)."""
    x = _number(value)
    return MISSING if x is None else f"{100 * x:.{places}f}%"


def fmt_date(value: object, missing: str = MISSING) -> str:
    """2025-06-14 → 2025年6月14日; `missing` (default "—", e.g. "至今" for an open tenure) if None."""
    if value in (None, ""):
        return missing
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    else:
        try:
            d = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_hash(value: object, length: int = 12) -> str:
    """The first `length` hex digits of a SHA-256, enough to identify a file version."""
    return MISSING if not value else str(value)[:length]


def fmt_qty(value: object, unit: str | None = None, places: int | None = None) -> Markup:
    """A number with its unit, Chinese style (no space) and never broken across lines: 2.8%, 45.12万亩;
    "—" when missing. `places` overrides the unit's decimals (see `verdict_places`)."""
    text = fmt_num(value, unit) if places is None else fmt_num_places(value, places)
    if text == MISSING or not unit or unit in ("score", "—"):
        return Markup(escape(text))
    return Markup('<span class="nobr">{}{}</span>').format(text, unit)


def cjk_words(text: object) -> Markup:
    """A short Chinese label (a table header) that wraps only between its words: 绿色低碳/转型指数,
    not 绿色低碳转/型 (WeasyPrint has no `word-break: keep-all`: each word is an unbreakable span). Chinese
    has no spaces; official terms are mostly two-character words, so the label is cut into pairs
    from its start, a connective (与, 和, 及) begins a three-character word and a last single
    character stays with the word before it (主体/功能区). Latin runs and brackets stay whole."""
    s = "" if text is None else str(text)
    chunks, k = [], 0
    while k < len(s):
        if not _is_cjk(s[k]):
            j = k
            while j < len(s) and not _is_cjk(s[j]):
                j += 1
            chunks.append(s[k:j])
            k = j
            continue
        n = 3 if s[k] in "与和及" else 2
        j = k
        while j < len(s) and j - k < n and _is_cjk(s[j]):
            j += 1
        if j < len(s) and _is_cjk(s[j]) and (j + 1 == len(s) or not _is_cjk(s[j + 1])):
            j += 1  # a lone last character joins this word
        chunks.append(s[k:j])
        k = j
    # a bracketed part stays with the word before it: 县（市、区） is one unit
    merged: list[str] = []
    for c in chunks:
        if merged and (merged[-1].count("（") > merged[-1].count("）") or c[0] in "（(）)、"):
            merged[-1] += c
        else:
            merged.append(c)
    chunks = merged
    # each word unbreakable; lines break between words (Chinese text may break between any two characters)
    return Markup("").join(Markup('<span class="w">{}</span>').format(c) if _is_cjk(c[0]) else escape(c)
                           for c in chunks)


def fmt_file(name: object) -> Markup:
    """A file name shown exactly as it is, breaking after its separators (_ . - /) rather than inside a
    word or number: each piece up to a separator is kept whole, unless it is too long to fit a cell
    (over 16 characters, or over 8 with Chinese, which breaks between characters as Chinese text does)."""
    if not name:
        return Markup(MISSING)
    pieces = re.findall(r"[^_.\-/]*[_.\-/]?", str(name))
    whole = lambda p: len(p) <= (8 if re.search(f"[{_CJK}]", p) else 16)  # noqa: E731
    return Markup("").join(Markup('<span class="w">{}</span>' if whole(p) else "{}").format(p) for p in pieces if p)


_CJK = "\u4e00-\u9fff"
_HALF_PUNCT = re.compile(rf"(?<=[{_CJK}])\s*([,;:])\s*|\s*([,;:])\s*(?=[{_CJK}])")
_PAREN = re.compile(r"\(([^()]*)\)")
_DIGIT_SPACE = re.compile(rf"(?<=[{_CJK}]) +(?=[0-9])|(?<=[0-9]) +(?=[{_CJK}])")
_FULL = {",": "，", ";": "；", ":": "："}


def typeset(value: object) -> object:
    """Every value a template prints, set as a Chinese document is (GB/T 15834): half-width , ; : ( )
    next to Chinese characters become full-width, and no space stays between digits and Chinese
    characters. Configuration and submitted text (indicator names, messages, event descriptions) are
    printed this way without being changed where they are stored; numbers, codes and times have no
    Chinese neighbour and are left alone, and file names are printed through `fmt_file` (Markup,
    which is not touched) so a name is shown exactly as the file has it."""
    if not isinstance(value, str) or isinstance(value, Markup) or not re.search(f"[{_CJK}]", value):
        return value
    text = _PAREN.sub(lambda m: f"（{m.group(1)}）" if re.search(f"[{_CJK}]", m.group(0)) or _cjk_around(m) else
                      m.group(0), value)
    text = _HALF_PUNCT.sub(lambda m: _FULL[m.group(1) or m.group(2)], text)
    return _DIGIT_SPACE.sub("", text)


def _cjk_around(m: re.Match) -> bool:
    s, a, b = m.string, m.start(), m.end()
    return (a > 0 and _is_cjk(s[a - 1])) or (b < len(s) and _is_cjk(s[b]))


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def fmt_op(op: object) -> str:
    return OP_SIGNS.get(str(op), str(op or ""))


def diff(a: object, b: object) -> float | None:
    """a − b, or None when either is missing (changes, gaps to the median)."""
    x, y = _number(a), _number(b)
    return None if x is None or y is None else x - y


def has_any(rows: object, key: str) -> bool:
    """True if any row (a dict) has a non-None value for `key`: optional table columns."""
    return any(isinstance(r, dict) and r.get(key) is not None for r in (rows or []))


# ---------------------------------------------------------------- renderer

class Renderer:
    """One per run (or per worker thread): reuses the Jinja environment, fonts and stylesheet.

    `Renderer()` checks at once that PDFs can be made well (HarfBuzz subsetting, the CJK font) and
    raises `RenderSetupError` (a `RuntimeError`) if not. `Renderer(pdf=False)` is for HTML-only
    callers; the checks then run on the first PDF written.
    """

    def __init__(self, pdf: bool = True, tagged: bool = True) -> None:
        """`pdf`: prepare fonts and the stylesheet for PDFs now. `tagged`: tagged PDF (structure for
        screen readers, issue 19); off only to measure what tagging costs (benchmarks/bench_reports.py)."""
        self.tagged = tagged
        self.env = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html", "j2"]),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=typeset)
        self.env.filters.update(num=fmt_num, signed=fmt_signed, date=fmt_date, pct=fmt_pct, sha=fmt_hash,
                                op=fmt_op, qty=fmt_qty, words=cjk_words, file=fmt_file, direction=direction)
        # palette and page thresholds from data/defaults.yaml: the sheets get the colours as custom
        # properties; the SVG charts get the same values as Python strings, since WeasyPrint does not
        # resolve var() in SVG (a fill="var(--accent)" prints black)
        defaults = load_defaults()
        self.env.globals.update(has_any=has_any, diff=diff, colours=defaults.palette.values(),
                                grade_colours=defaults.palette.grade_values(), pagination=defaults.pagination,
                                verdict=fmt_verdict, target=fmt_target, verdict_places=verdict_places,
                                post_title=full_title)
        palette_css = defaults.palette.css()
        # print and screen; the PDF's sheet
        self.css_text = (HERE / "report.css").read_text(encoding="utf-8") + palette_css
        # the HTML file's sheet adds screen-only rules (media features WeasyPrint would warn about)
        self.html_css_text = self.css_text + (HERE / "screen.css").read_text(encoding="utf-8")
        self.index_assets = {"css": Markup((HERE / "index.css").read_text(encoding="utf-8") + palette_css),
                             "js": Markup((HERE / "index.js").read_text(encoding="utf-8"))}
        self._pdf_ready = False
        self._lock = threading.Lock()
        if pdf:
            self._prepare_pdf()

    def _prepare_pdf(self) -> None:
        with self._lock:
            if self._pdf_ready:
                return
            check_harfbuzz_subset()
            check_font()
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            self.font_config = FontConfiguration()
            self.css = CSS(string=self.css_text, font_config=self.font_config, url_fetcher=_refuse_fetch)
            self._pdf_ready = True

    def render_html(self, kind: str, context: dict, inline_css: bool = True) -> str:
        """The document as HTML; with `inline_css` the stylesheet is embedded so the file stands alone."""
        if kind not in KINDS:
            raise ValueError(f"未知的报告类型 {kind!r}; 应为 {', '.join(KINDS)} 之一")
        html = self.env.get_template(f"{kind}.html.j2").render(**context)
        return html.replace(STYLE_SLOT, f"<style>\n{self.html_css_text}</style>", 1) if inline_css else html

    def render_index(self, context: dict) -> str:
        """The year's index page (see index_site.py), its stylesheet and script inlined."""
        return self.env.get_template("index.html.j2").render(**context, assets=self.index_assets)

    def render_pdf(self, kind: str, context: dict) -> bytes:
        return self._pdf(self.render_html(kind, context, inline_css=False))

    def write(self, kind: str, context: dict, html_path: Path, pdf_path: Path | None = None,
              timings: dict[str, list[float]] | None = None) -> None:
        """Write the self-contained HTML and, if `pdf_path` is given, the PDF; each atomically.
        `timings` (optional) gains, under "<kind>.html|pdf|write", [documents, wall s, CPU s]."""
        clock = StepClock(timings, kind)
        bare = self.render_html(kind, context, inline_css=False)
        clock.lap("html")
        self.write_page(bare, html_path, pdf_path, clock)

    def write_page(self, bare_html: str, html_path: Path, pdf_path: Path | None = None,
                   clock: "StepClock | None" = None) -> None:
        """Write a page rendered with `render_html(..., inline_css=False)`: the HTML with its stylesheet
        inlined and, if `pdf_path` is given, the PDF. Both are made before either is written, so a
        failure leaves the old files in place."""
        clock = clock or StepClock(None, "")
        html = bare_html.replace(STYLE_SLOT, f"<style>\n{self.html_css_text}</style>", 1).encode("utf-8")
        pdf = self._pdf(bare_html) if pdf_path is not None else None
        if pdf is not None:
            clock.lap("pdf")
        write_atomically(Path(html_path), html)
        if pdf is not None:
            write_atomically(Path(pdf_path), pdf)
        clock.lap("write")

    def write_pdf(self, bare_html: str, pdf_path: Path, clock: "StepClock | None" = None) -> None:
        """Only the PDF of a page whose HTML is already there (a PDF run after a run without PDFs)."""
        clock = clock or StepClock(None, "")
        pdf = self._pdf(bare_html)
        clock.lap("pdf")
        write_atomically(Path(pdf_path), pdf)
        clock.lap("write")

    def _pdf(self, bare_html: str) -> bytes:
        if not self._pdf_ready:
            self._prepare_pdf()
        from weasyprint import HTML

        # base_url=None keeps relative links (bulletin → county/<code>.html) relative in the PDF; the empty
        # style slot goes, else WeasyPrint would build a stylesheet object for it in every document
        return HTML(string=bare_html.replace(STYLE_SLOT, "", 1), base_url=None, url_fetcher=_refuse_fetch).write_pdf(
            stylesheets=[self.css], font_config=self.font_config, finisher=compact_fonts, pdf_tags=self.tagged)


# CPython's default is 700; see `collect_less_often`
RENDERING_GC_THRESHOLD = 10_000


def collect_less_often() -> None:
    """In a process that renders PDFs: run the garbage collector's young generation every 10,000
    allocations instead of every 700. WeasyPrint allocates about a million objects per county report
    (boxes, styles, PDF operators) that live as long as the document, so with the default the
    collector walks the growing box tree again and again. Measured in a render worker (5 county and 8
    cadre reports, twice, one process per setting): 15–23 % less CPU per PDF, peak memory ~300 MB
    instead of 215 (benchmarks/README.md, "Garbage collection"). The document's garbage is still
    collected, a little later; a process that already collects less often is left as it is."""
    young, middle, old = gc.get_threshold()
    if young < RENDERING_GC_THRESHOLD:
        gc.set_threshold(RENDERING_GC_THRESHOLD, middle, old)


class StepClock:
    """Wall and CPU time of the steps of one document, added to a `timings` dict (benchmarks/run.py
    reads them from the render results: worker processes are not visible to a profiler in the parent)."""

    def __init__(self, timings: dict[str, list[float]] | None, kind: str) -> None:
        self.timings, self.kind = timings, kind
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self, step: str) -> None:
        if self.timings is None:
            return
        wall, cpu = time.perf_counter(), time.process_time()
        acc = self.timings.setdefault(f"{self.kind}.{step}", [0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += wall - self.wall
        acc[2] += cpu - self.cpu
        self.wall, self.cpu = wall, cpu


def _refuse_fetch(url: str, *args, **kwargs):
    raise ValueError(f"reports load no external resources (refused: {url[:80]})")
