"""Report layer: Jinja2 templates → self-contained HTML → WeasyPrint PDF (Chinese, bookmarks, one font).

Every document kind is rendered from the hand-built contexts in `report_fixtures.py` (no warehouse)
and checked on its text (pdftotext), its structure (pages, outline, TOC page numbers, tables that
repeat their header) and its font (embedded Noto Sans CJK SC only; every character has a glyph).
Needs Debian poppler-utils, fonts-noto-cjk and libharfbuzz-subset0 (`make setup`).
"""

from __future__ import annotations

import html as htmllib
import re
import subprocess
from pathlib import Path

import pytest

from report_templates.render import Renderer, fmt_date, fmt_file, fmt_num, fmt_pct, fmt_signed
from tests.support.report_contexts import CONTEXTS, SHA, SYNTHETIC_NOTE, XSS, bulletin_context, cadre_context, county_context, department_head_context
from transforms.runtime.home import FILE_MODE

DOCS = dict(CONTEXTS, department_head=department_head_context)
KIND = {"department_head": "cadre"}


def test_filters():
    assert fmt_num(3.14159, "%") == "3.1"
    assert fmt_num(45.1234, "万亩") == "45.12" and fmt_num(16.7, "亿元") == "16.70"
    assert fmt_num(12345, "个") == "12,345"
    assert fmt_num(83.4149) == "83.41" and fmt_num(None, "%") == "—"
    assert fmt_num(-2.5, "%") == "−2.5" and fmt_num(-0.01, "%") == "0.0"
    assert fmt_signed(1.234) == "+1.23" and fmt_signed(-1.234) == "−1.23" and fmt_signed(None) == "—"
    assert fmt_pct(0.236) == "23.6%" and fmt_pct(None) == "—"
    assert fmt_date("2025-06-14") == "2025年6月14日" and fmt_date(None) == "—" and fmt_date(None, "至今") == "至今"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[str, Path]]:
    out = tmp_path_factory.mktemp("reports")
    renderer = Renderer()
    result = {}
    for name, build in DOCS.items():
        html_path, pdf_path = out / f"{name}.html", out / f"{name}.pdf"
        renderer.write(KIND.get(name, name), build(), html_path, pdf_path)
        result[name] = (html_path.read_text("utf-8"), pdf_path)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.{e}" for k in DOCS for e in ("html", "pdf")), \
        "temporary files left behind"
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} <= {FILE_MODE, 0o600}, "reports must not be world-readable"
    return result


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    """pdftotext drops the narrow spaces between CJK glyphs and digits: compare without whitespace."""
    return re.sub(r"\s+", "", text)


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


@pytest.mark.parametrize("name", DOCS)
def test_html_is_self_contained_and_escaped(rendered, name):
    html, _ = rendered[name]
    assert "<style>" in html and "@page" in html
    assert ("<svg" in html) == (name in ("county", "bulletin"))  # charts are inline SVG
    assert not re.search(r"""(?:src|href)=["'](?:https?:|//|file:)""", html), "external asset in the HTML"
    assert "<link" not in html and "<script" not in html and "<img" not in html
    if name != "department_head":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # submitted text is autoescaped
    assert SYNTHETIC_NOTE in html and "演示用虚构数据" in html
    assert "target-counter" in html  # the TOC's page numbers live in the inlined stylesheet


def test_county_html_content(rendered):
    html, _ = rendered["county"]
    assert 'href="#indicators"' in html and 'id="indicators"' in html
    assert "ab12cd34ef56" in html and "ab12cd34ef560" not in html  # first 12 hex of the evidence file
    assert str(fmt_file("events_2025.csv")) in html and "第1版" in html  # file names break after separators
    assert html.count('class="ind-row') == 37
    assert "−1.90" in html and "+4.65" in html  # gap to the median, signed with a true minus
    assert "≥3.0" in html and "2.8%" in html  # target of GT01; the veto evidence's value with its unit
    assert '排名区间<span class="nobr">第2–6名</span>' in html and "上年第5名" in html  # a rank never broken
    # 佐证材料: under the veto whose event it proves, and in the data-quality list with what it proves
    veto = html.split('class="veto"')[1].split('class="veto"')[0]
    assert str(fmt_file("贡江断面应急监测报告.pdf")) in veto and "9f8e7d6c5b4a" in veto
    listed = html.split('id="quality-evidence"')[1]
    assert listed.count("<tr>") == 3 and "事件EV-2025-003" in listed and "整份文件" in listed
    assert "应急监测报告 &lt;script&gt;" in listed and "<script>alert" not in listed  # a department's note, escaped


@pytest.mark.parametrize("name,expected", [
    ("county", ["章贡区", "单位GDP能耗降低率", "实际值2.8%，目标≥3.0%", "一票否决", "ab12cd34ef56", "排名区间第2–6名",
                # every year in the warehouse, the never-scored one said so; data quality: warnings, missing, versions
                "2021", "有已审核数据，尚未运行该年度评价", "随下一年度评价同时计算", "审核警告", "第4行·EP03：填报值51.2",
                "缺失数据及处理", "党政干部参加生态文明培训比例", "所用报送文件及版本", "市统计局_2025年度指标报送.xlsx",
                "佐证材料", "贡江断面应急监测报告.pdf", "事件EV-2025-003",
                # issue 18: the grade explained, the absolute change, whose target, improvement by direction
                "距“优秀”（≥90.00分）还差2.80分", "未完成约束性目标1项：森林覆盖率", "改善21项、恶化10项",
                "净改善+31.3%", "相对位置", "县级分解", "改善", "不涉及的指标"]),
    ("cadre", ["王建国", "终身追责", "寻乌县委书记", "章贡区区长", "党政同责", "按在任比例加权", "81.00",
               "任期内一票否决", "VETO-EVENT", "贡江断面应急监测报告.pdf", "自然资源资产离任（任中）审计", "离任审计：章贡区区长",
               "比较2018年与2025年", "−2.4", "+1.8", "本年度考核结果：绿色发展指数81.00，考核等级合格"]),
    ("department_head", ["苏海燕", "市林业局主要负责人", "一岗双责", "部门内权数", "30.0%", "林下经济产业综合产值", "14/18",
                         "在13个责任部门中列第4位", "章贡区（本部门负责指标引发）", "VETO-ENERGY", "任中审计",
                         "比较2022年与2025年"]),
    ("bulletin", ["龙南市", "等级分布", "方法说明", "排名区间", "改善", "恶化", "+25.0%", "−30.0%", "等级说明",
                  "相对位置", "还差（分）", "附件：数据来源与校验信息", "生态文明建设领导小组办公室",
                  "实际值2.8%，目标≥3.0%", "第2版"]),  # the veto evidence's target with its operator
    ("steward", ["市林业局_2025.xlsx", "未通过", "176.4", "森林覆盖率应在0–100之间", "按百分数填写"]),
])
def test_pdf_text(rendered, name, expected):
    pdf = rendered[name][1]
    text = _pdftotext(pdf)
    pages = _pages(pdf)
    flat = _flat(text)
    for needle in expected + ["第1页共", f"第{pages}页共{pages}页", "演示用虚构数据", "目录"]:
        assert _flat(needle) in flat, f"{needle!r} not in the {name} PDF text"
    assert text.count("\f") == pages
    if name != "department_head":
        assert "<script>alert(1)</script>" in flat  # escaped in the HTML, so shown as text in the PDF
    assert "\ufffd" not in text


@pytest.mark.parametrize("name", DOCS)
def test_pdf_embeds_only_noto_sans_cjk(rendered, name):
    out = subprocess.run(["pdffonts", str(rendered[name][1])], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert 1 <= len(rows) <= 2, out  # Regular and Bold, nothing else
    for row in rows:
        cols = row.split()
        assert re.fullmatch(r"[A-Z]{6}\+Noto-?Sans-?CJK-?SC(-Bold|-Regular)?", cols[0]), out
        assert cols[-5:-2] == ["yes", "yes", "yes"], out  # embedded, subset, with a ToUnicode map


@pytest.fixture(scope="module")
def font_cmap() -> set[int]:
    """Code points the report font (Regular and Bold, as fontconfig finds them) has glyphs for."""
    from fontTools.ttLib import TTCollection

    cmaps = []
    for style in ("", ":bold"):
        path = subprocess.run(["fc-match", "-f", "%{file}", f"Noto Sans CJK SC{style}"], capture_output=True,
                              text=True, check=True).stdout
        font = next(f for f in TTCollection(path).fonts if "SC" in f["name"].getDebugName(1))
        cmaps.append(set(font.getBestCmap()))
    return cmaps[0] & cmaps[1]


@pytest.mark.parametrize("name", DOCS)
def test_every_character_has_a_glyph_in_the_report_font(rendered, name, font_cmap):
    """No tofu: every character of the page text (and of the running header and footer) is in the font."""
    html, _ = rendered[name]
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", body)) + "第页共 · 年度运行"
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in font_cmap})
    assert not missing, f"no glyph for {missing} in {name}"


def test_svg_chart_labels_are_the_same_text_in_html_and_pdf(rendered):
    """Charts are SVG drawn by the templates: their Chinese labels are real text in both outputs."""
    for name in ("county", "bulletin"):
        html, pdf = rendered[name]
        labels = {htmllib.unescape(t) for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S)
                  for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)}
        assert any(re.search(r"[\u4e00-\u9fff]", t) for t in labels), labels
        flat = _flat(_pdftotext(pdf))
        absent = [t for t in labels if _flat(t) not in flat]
        assert not absent, f"{name}: chart labels missing from the PDF: {absent}"
    assert "未评价" in rendered["county"][0] and "全市中位数" in rendered["county"][0]


OUTLINE = {"county": ["总体结果与一票否决", "分类指数", "指标明细", "优势与短板", "领导干部（党政同责）", "历年变化",
                      "数据质量与来源", "审核警告", "缺失数据及处理", "所用报送文件及版本"],
           "cadre": ["基本信息与任职经历", "本年度任职与考核结果", "任期内一票否决与生态环境事件（终身追责）",
                     "任期内一票否决", "历年考核记录", "自然资源资产离任（任中）审计"],
           "department_head": ["一岗双责：负责指标"],
           "bulletin": ["总体情况", "等级分布", "各县（市、区）评价考核结果", "分类指数概览", "一票否决情况", "等级说明",
                        "较上年改善和恶化最多的县（市、区）", "方法说明", "附件：数据来源与校验信息"],
           "steward": ["审核结论", "未通过的规则及需修改的单元格", "文件信息"]}


@pytest.mark.parametrize("name", DOCS)
def test_pdf_outline_and_toc_page_numbers_point_at_the_headings(rendered, name):
    from pypdf import PdfReader

    pdf = rendered[name][1]
    reader = PdfReader(pdf)
    title = DOCS[name]()["doc"]["title"]
    assert reader.metadata.title == title
    flat_outline = list(_flatten(reader.outline))
    titles = [o.title for o in flat_outline]
    assert title in titles and "目录" in titles
    for heading in OUTLINE[name]:
        assert heading in titles, (heading, titles)
    # h3 sub-sections are nested under their h2 (bookmark-level 2)
    if name == "county":
        top = [o.title for o in reader.outline if not isinstance(o, list)]
        assert "审核警告" not in top and "数据质量与来源" in top
    # the TOC on the cover gives each section's page (target-counter); it must be the bookmark's page
    page_of = {o.title: reader.get_destination_page_number(o) + 1 for o in flat_outline}
    cover = _pdftotext(pdf).split("\f")[0]
    toc = [(m.group(1), int(m.group(2))) for m in re.finditer(r"^\s*\d+\s+(\S.*?)\s+(\d+)\s*$", cover, re.M)]
    assert len(toc) >= 3, cover
    for heading, page in toc:
        assert page_of.get(heading) == page, (heading, page, page_of)
    assert len(reader.pages) == _pages(pdf) >= 2


def _flatten(items):
    for item in items:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def test_long_tables_repeat_their_header_and_keep_rows_whole(tmp_path):
    """A table longer than a page carries its header on every page, and no row is cut in two."""
    ctx = county_context()
    ctx["submissions"] = [{"department_name": f"部门{k:02d}", "kind": "indicators", "file_name": f"文件第{k:02d}号_报送数据.xlsx",
                           "version": 1, "sha256": SHA, "status": "accepted", "warnings": 0} for k in range(90)]
    pdf = tmp_path / "long.pdf"
    Renderer().write("county", ctx, tmp_path / "long.html", pdf)
    pages = _pdftotext(pdf).split("\f")
    holding = [i for i, p in enumerate(pages) if "文件第" in p]
    assert len(holding) >= 2, "the fixture should make the table span pages"
    for i in holding:
        assert "报送单位" in pages[i] and "SHA-256" in pages[i], f"page {i + 1} lacks the table header"
    for k in range(90):  # each row (department, file, hash) lies on one page
        assert sum(f"部门{k:02d}" in p and f"文件第{k:02d}号" in p for p in pages) == 1, k


def test_bulletin_vetoes_carry_their_evidence(rendered):
    html, _ = rendered["bulletin"]
    section = html.split('id="vetoed"')[1].split("<h2")[0]
    assert section.count('class="veto"') == 3  # 章贡区 two hits, 寻乌县 one
    assert str(fmt_file("events_2025.csv")) in section and str(fmt_file("发改委_2025.xlsx")) in section
    assert 'href="county/360702.html"' in section
    # a public bulletin: rule ids and hashes are in its annex, numbered, not in the text
    assert "ab12cd34ef56" not in section and "VETO-" not in section and "见附件第1项" in section
    annex = html.split('id="annex"')[1]
    assert annex.count(SHA) == 3 and "VETO-EVENT" in annex
    assert "贡江断面应急监测报告" not in html  # 佐证材料 are for reviewers, not in the public bulletin


def test_unknown_kind_and_missing_key_fail_loudly():
    renderer = Renderer(pdf=False)
    with pytest.raises(ValueError):
        renderer.render_html("nope", {})
    ctx = county_context()
    del ctx["result"]
    with pytest.raises(Exception):
        renderer.render_html("county", ctx)


def test_setup_checks_refuse_a_machine_that_would_be_slow_or_show_tofu(monkeypatch):
    import ctypes.util

    from report_templates import render

    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None if name == "harfbuzz-subset" else real(name))
    with pytest.raises(RuntimeError, match="libharfbuzz-subset0"):
        Renderer()
    Renderer(pdf=False).render_html("cadre", cadre_context())  # HTML alone needs neither
    monkeypatch.setattr(ctypes.util, "find_library", real)
    monkeypatch.setattr(render, "REPORT_FONT", "No Such Font CJK XX")
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        Renderer()


def test_bulletin_fixture_is_consistent():
    """Guard the fixture itself: 18 counties, grades add up, movers split by sign."""
    b = bulletin_context()
    assert len(b["counties"]) == 18 and sum(g["count"] for g in b["grade_distribution"]) == 18
    assert all(m["change"] > 0 for m in b["movers"]["up"]) and all(m["change"] < 0 for m in b["movers"]["down"])
    assert XSS in b["vetoed"][0]["items"][0]["evidence"]["description"]


def test_shared_work_is_done_once_per_renderer(monkeypatch, tmp_path):
    """Stylesheet parsing, font configuration and template compilation happen when the Renderer is
    made, not again for every PDF (WeasyPrint would otherwise redo them per document)."""
    import weasyprint
    from weasyprint.text import fonts

    renderer = Renderer()
    renderer.render_pdf("cadre", cadre_context())  # templates compiled, WeasyPrint imported
    made = {"css": 0, "fonts": 0, "templates": 0}

    def counting(key, real):
        def wrapper(*args, **kwargs):
            made[key] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(weasyprint.CSS, "__init__", counting("css", weasyprint.CSS.__init__))
    monkeypatch.setattr(fonts.FontConfiguration, "__init__", counting("fonts", fonts.FontConfiguration.__init__))
    monkeypatch.setattr(renderer.env, "_compile", counting("templates", renderer.env._compile))
    for build in (cadre_context, cadre_context, department_head_context):
        assert renderer.render_pdf("cadre", build()).startswith(b"%PDF")
    assert made == {"css": 0, "fonts": 0, "templates": 0}


@pytest.mark.parametrize("name", ["county", "bulletin", "cadre"])
def test_compacted_fonts_draw_exactly_what_weasyprint_drew(name, tmp_path):
    """report_templates/pdf_fonts.py renumbers the glyphs of the embedded font: the pages must look the
    same to the pixel and read the same as WeasyPrint's own PDF, which embeds ~63,000 empty glyph slots."""
    from PIL import Image, ImageChops
    from weasyprint import HTML

    from report_templates.render import STYLE_SLOT, _refuse_fetch

    renderer = Renderer()
    bare = renderer.render_html(KIND.get(name, name), DOCS[name](), inline_css=False)
    plain = HTML(string=bare.replace(STYLE_SLOT, "", 1), base_url=None, url_fetcher=_refuse_fetch).write_pdf(
        stylesheets=[renderer.css], font_config=renderer.font_config)
    compact = renderer.render_pdf(KIND.get(name, name), DOCS[name]())
    (tmp_path / "plain.pdf").write_bytes(plain)
    (tmp_path / "compact.pdf").write_bytes(compact)
    assert len(compact) < 0.7 * len(plain)
    assert _pdftotext(tmp_path / "compact.pdf") == _pdftotext(tmp_path / "plain.pdf")
    for label in ("plain", "compact"):
        subprocess.run(["pdftoppm", "-r", "72", "-png", str(tmp_path / f"{label}.pdf"), str(tmp_path / label)], check=True)
    pages = sorted(tmp_path.glob("plain-*.png"))
    assert pages and len(pages) == len(list(tmp_path.glob("compact-*.png")))
    for page in pages:
        a = Image.open(page).convert("RGB")
        b = Image.open(page.with_name(page.name.replace("plain", "compact"))).convert("RGB")
        assert ImageChops.difference(a, b).getbbox() is None, page.name
    fonts = subprocess.run(["pdffonts", str(tmp_path / "compact.pdf")], capture_output=True, text=True).stdout
    assert fonts.count("Noto-Sans-CJK-SC") == 2 and "CID Type 0C" in fonts  # still both weights, embedded


def _many_counties(n: int) -> dict:
    """The bulletin fixture with `n` counties (index falling 0.05 a rank; every seventh vetoed)."""
    ctx = bulletin_context()
    model = ctx["counties"][0]
    ctx["counties"] = [model | {"rank": k + 1, "name": f"测试{k + 1:03d}县", "region_code": f"9{k:05d}",
                                "gdi": round(88.0 - 0.05 * k, 2), "vetoed": k % 7 == 6,
                                "grade": "不合格" if k % 7 == 6 else "良好" if k < n // 2 else "合格",
                                "report_href": f"county/9{k:05d}.html", "rank_p05": k + 1, "rank_p95": k + 1}
                       for k in range(n)]
    ctx["grade_distribution"] = [{"grade": g, "count": sum(c["grade"] == g for c in ctx["counties"])}
                                 for g in ("优秀", "良好", "合格", "不合格")]
    ctx["vetoed"], ctx["movers"] = [], None
    return ctx


def test_the_bulletin_ranking_chart_shows_every_county_of_a_long_list(tmp_path):
    """A dot per county: 100 counties no longer fit one page, so the chart is drawn in panels that flow
    over pages (it used to be one SVG, cut off at the bottom of the page after the 61st county)."""
    ctx = _many_counties(100)
    pdf = tmp_path / "bulletin.pdf"
    Renderer().write("bulletin", ctx, tmp_path / "bulletin.html", pdf)
    html = (tmp_path / "bulletin.html").read_text("utf-8")
    chart = html.split('class="chart ranking-dots"')[1].split("</figure>")[0]
    assert chart.count("<svg") == 3  # 44 + 44 + 12
    pages = [_flat(p) for p in _pdftotext(pdf).split("\f")]
    for c in ctx["counties"]:  # every label is on a page, i.e. drawn inside it
        label = _flat(f"{c['rank']}. {c['name']}")
        assert any(label in p for p in pages), label
    assert sum("测试001县" in p or "测试045县" in p or "测试089县" in p for p in pages) >= 3


def test_a_large_bulletin_draws_the_distribution_instead(tmp_path):
    """Beyond 150 counties the bulletin draws the index histogram (report_context.index_histogram),
    stacked by grade; each county's value stays in the ranking table."""
    import polars as pl

    from transforms.reporting.context import index_histogram

    ctx = _many_counties(400)  # index 88.00 … 68.05: width 1, bins 68 … 88
    frame = pl.DataFrame([{"gdi": c["gdi"], "grade": c["grade"]} for c in ctx["counties"]])
    ctx["index_histogram"] = index_histogram(frame)
    assert ctx["index_histogram"]["width"] == 1.0
    assert [b["lo"] for b in ctx["index_histogram"]["bins"]] == list(range(68, 89))
    assert sum(b["total"] for b in ctx["index_histogram"]["bins"]) == 400
    pdf = tmp_path / "bulletin.pdf"
    Renderer().write("bulletin", ctx, tmp_path / "bulletin.html", pdf)
    html = (tmp_path / "bulletin.html").read_text("utf-8")
    assert 'class="chart ranking-dots"' not in html and 'aria-label="各县（市、区）绿色发展指数分布"' in html
    chart = html.split('aria-label="各县（市、区）绿色发展指数分布"')[1].split("</svg>")[0]
    stacked = sum(len(b["counts"]) for b in ctx["index_histogram"]["bins"])
    assert chart.count("<rect") == stacked + 4  # a bar piece per (bin, grade), a legend swatch per grade
    text = _flat(_pdftotext(pdf))
    assert "绿色发展指数分布" in text and "测试400县" in text  # the ranking table still lists everyone


def test_a_large_bulletin_without_any_index_draws_no_chart(tmp_path):
    """A year in which no county has an index (every indicator file rejected): no histogram (None) and
    no dots; the bulletin still renders with its tables."""
    ctx = _many_counties(200)
    for c in ctx["counties"]:
        c["gdi"] = None
    ctx["index_histogram"] = None
    pdf = tmp_path / "bulletin.pdf"
    Renderer().write("bulletin", ctx, tmp_path / "bulletin.html", pdf)
    html = (tmp_path / "bulletin.html").read_text("utf-8")
    assert 'class="chart ranking-dots"' not in html and "绿色发展指数分布" not in html
    assert "测试200县" in _flat(_pdftotext(pdf))


@pytest.mark.parametrize("copies", [1, 3])
def test_a_long_indicator_table_starts_right_after_the_categories(tmp_path, copies):
    """37 indicator rows fit a page and start on a page of their own; 111 rows cannot fit one anyway,
    so they start right after the category section instead of leaving the rest of its page empty."""
    from pypdf import PdfReader

    ctx = county_context()
    ctx["vetoes"] = []  # a short first section: the categories end half-way down their page
    # … and a short headline: no change, satisfaction, rank driver or grade gap sentences
    ctx["result"]["change_balance"], ctx["satisfaction"], ctx["result"]["rank_driver"] = None, None, None
    ctx["grade_gap"], ctx["binding_missed_names"] = None, []
    ctx["result"]["rank_p05"] = None  # nor the rank-interval explanation
    ctx["indicators"] = [dict(i, code=f"{i['code']}{k}") for k in range(copies) for i in ctx["indicators"]]
    pdf = tmp_path / "county.pdf"
    Renderer().write("county", ctx, tmp_path / "county.html", pdf)
    reader = PdfReader(pdf)
    page_of = {o.title: reader.get_destination_page_number(o) for o in _flatten(reader.outline)}
    after = page_of["指标明细"] - page_of["分类指数"]
    assert after == (1 if copies == 1 else 0), page_of


HALF_WIDTH_AFTER_CJK = re.compile(r"[\u4e00-\u9fff][,;:()!?]|[(][\u4e00-\u9fff]")


def half_width_punctuation(text: str) -> list[str]:
    """Half-width punctuation touching a Chinese character (GB/T 15834: full-width in Chinese text),
    with some context, in text extracted from a PDF (pdftotext without -layout keeps lines whole)."""
    return [text[max(0, m.start() - 12):m.end() + 12] for m in HALF_WIDTH_AFTER_CJK.finditer(text)]


@pytest.mark.parametrize("name", DOCS)
def test_pdf_text_has_only_full_width_punctuation_in_chinese(rendered, name):
    text = subprocess.run(["pdftotext", str(rendered[name][1]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert half_width_punctuation(text) == []
    assert not re.search(r"[\u4e00-\u9fff] \d|\d [\u4e00-\u9fff]", html_text(rendered[name][0])), \
        "a space between a digit and a Chinese character"


def html_text(html: str) -> str:
    """The visible text of a page: tags and the inline stylesheet dropped, entities decoded."""
    body = re.sub(r"<style>.*?</style>|<svg.*?</svg>", "", html, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", "", body))


@pytest.mark.parametrize("name", DOCS)
def test_pdf_is_tagged_with_language_title_and_bookmarks(rendered, name):
    from pypdf import PdfReader

    pdf = rendered[name][1]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    reader = PdfReader(pdf)
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert reader.metadata.title == DOCS[name]()["doc"]["title"]
    assert len(list(_flatten(reader.outline))) >= 3


def test_the_bulletin_is_fit_to_publish(rendered):
    """No run id or generation time on the cover; a 落款 (issuing office, date) after the text; rule ids
    and hashes in the annex; the overview with colour bands and arrows; the rank chart coloured by grade."""
    html, pdf = rendered["bulletin"]
    pages = _pdftotext(pdf).split("\f")
    doc = bulletin_context()["doc"]
    assert doc["run_id"] not in pages[0] and "生成时间" not in pages[0] and "运行编号" not in pages[0]
    signed = [p for p in pages[1:] if "生态文明建设领导小组办公室" in _flat(p)]
    assert len(signed) == 1 and "一票否决：" in _flat(signed[0])  # the 落款 shares its page with the last note
    assert f"{len(bulletin_context()['method_notes'])}.一票否决：" in _flat(signed[0])  # numbered on, not from 1
    annex_page = next(p for p in pages[1:] if "附件：数据来源与校验信息" in p)
    assert doc["run_id"] in _flat(annex_page)
    overview = html.split('id="overview"')[1].split("<h2")[0]
    assert "band-" in overview and ("↑" in overview or "↓" in overview)
    chart = html.split('class="chart ranking-dots"')[1].split("</figure>")[0]
    assert "排名区间" in chart and "#1f6f43" in chart or "#2c5f8a" in chart  # dots in grade colours


def test_a_county_report_has_no_page_holding_only_the_colophon(rendered):
    """The run stamp is on the cover; the last page carries content of the last section."""
    pages = _pdftotext(rendered["county"][1]).split("\f")
    last = [p for p in pages if p.strip()][-1]
    assert "SHA-256" in last or "报送单位" in last  # the sources table, not a lone colophon
