"""Rendering documents: Jinja2 → HTML (self-contained) → WeasyPrint PDF with an embedded CJK font.

A `Renderer` is made once per run: one Jinja environment, one font configuration and one parsed
stylesheet serve every document, so per-document cost is layout and drawing only. Layout lives
in `report.css` (CSS paged media), not here. Files are written under a temporary name and renamed,
so a reader never sees a half-written report.
"""

from __future__ import annotations

import ctypes.util
import os
import subprocess
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).resolve().parent
REPORT_FONT = "Noto Sans CJK SC"
STYLE_SLOT = "<style></style>"  # base.html.j2 leaves this for the stylesheet
DECIMALS = {"%": 2, "万亩": 2, "亿元": 2, "μg/m³": 1, "个": 0, "score": 2}


class RenderSetupError(RuntimeError):
    """The machine lacks what correct, fast Chinese PDFs need (message in Chinese first)."""


def check_harfbuzz_subset() -> None:
    """Refuse to run silently without HarfBuzz subsetting: WeasyPrint would fall back to fontTools
    and take ~10 s instead of ~0.25 s per Chinese report (notes/stack-probe.md §4)."""
    if ctypes.util.find_library("harfbuzz-subset") is None:
        raise RenderSetupError(
            "缺少 Debian 软件包 libharfbuzz-subset0: PDF 字体子集化将退回 fontTools, 每份中文报告约慢 40 倍。"
            "请运行 `make setup`(或 apt-get install libharfbuzz-subset0)。"
            " / libharfbuzz-subset0 is missing; run `make setup`.")


def check_font() -> None:
    try:
        found = subprocess.run(["fc-list", f":family={REPORT_FONT}", "family"], capture_output=True, text=True,
                               timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        found = ""
    if REPORT_FONT not in found:
        raise RenderSetupError(f"未找到中文字体 {REPORT_FONT}(Debian 软件包 fonts-noto-cjk), PDF 将无法显示中文。"
                               "请运行 `make setup`。 / the CJK font is missing; run `make setup`.")


def fmt_num(value: object, unit: str | None = "score") -> str:
    """A number as the bulletin prints it: decimals per unit, thousands separators, "—" if missing."""
    if value is None:
        return "—"
    places = DECIMALS.get(unit or "score", 2)
    return f"{value:,.{places}f}"


def fmt_signed(value: object, unit: str | None = "score") -> str:
    if value is None:
        return "—"
    text = fmt_num(abs(value), unit)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def fmt_date(value: object) -> str:
    if value in (None, ""):
        return "至今"
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.year}年{d.month}月{d.day}日"


def fmt_pct(value: object, places: int = 1) -> str:
    return "—" if value is None else f"{100 * value:.{places}f}%"


class Renderer:
    """One per run (or per worker): reuses the Jinja environment, fonts and stylesheet."""

    def __init__(self, pdf: bool = True) -> None:
        self.env = Environment(loader=FileSystemLoader(HERE), autoescape=select_autoescape(["html", "j2"]),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(num=fmt_num, signed=fmt_signed, date=fmt_date, pct=fmt_pct)
        self.css_text = (HERE / "report.css").read_text(encoding="utf-8")
        self._pdf_ready = False
        if pdf:
            self._prepare_pdf()

    def _prepare_pdf(self) -> None:
        check_harfbuzz_subset()
        check_font()
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        self.css = CSS(string=self.css_text, font_config=self.font_config)
        self._pdf_ready = True

    def render_html(self, kind: str, context: dict, inline_css: bool = True) -> str:
        """The document; with `inline_css` the stylesheet is embedded so the file stands alone offline."""
        html = self.env.get_template(f"{kind}.html.j2").render(**context)
        return html.replace(STYLE_SLOT, f"<style>\n{self.css_text}</style>", 1) if inline_css else html

    def write(self, kind: str, context: dict, html_path: Path, pdf_path: Path | None = None) -> None:
        bare = self.render_html(kind, context, inline_css=False)  # the PDF gets the pre-parsed stylesheet
        _write_atomically(html_path, bare.replace(STYLE_SLOT, f"<style>\n{self.css_text}</style>", 1).encode("utf-8"))
        if pdf_path is not None:
            if not self._pdf_ready:
                self._prepare_pdf()
            from weasyprint import HTML

            pdf = HTML(string=bare, base_url=str(html_path.parent)).write_pdf(
                stylesheets=[self.css], font_config=self.font_config)
            _write_atomically(pdf_path, pdf)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()

