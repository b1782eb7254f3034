"""Report layer: Jinja2 templates → self-contained HTML → WeasyPrint PDF (Chinese, bookmarks, one font).

Contexts are built here by hand, in the shape `transforms/report_context.py` hands to the renderer,
so this test needs no warehouse. Needs pdftotext/pdffonts (Debian poppler-utils), fonts-noto-cjk
and libharfbuzz-subset0.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report_templates.render import Renderer, fmt_date, fmt_num, fmt_pct, fmt_signed

SYNTHETIC_NOTE = "本报告所用指标数值、干部信息和事件均为演示用虚构数据。"
XSS = "<script>alert(1)</script>"
SHA = "ab12cd34ef56" + "0" * 52

# (code, name, category, unit, binding, op, target, department) — the demo framework's 38 indicators
INDICATORS = [
    ("GT01", "单位GDP能耗降低率", "GT", "%", True, ">=", 3.0, "市发展改革委"),
    ("GT02", "单位GDP二氧化碳排放降低率", "GT", "%", True, ">=", 3.5, "市发展改革委"),
    ("GT03", "万元GDP用水量下降率", "GT", "%", True, ">=", 3.0, "市水利局"),
    ("GT04", "单位GDP建设用地使用面积下降率", "GT", "%", False, ">=", 4.0, "市自然资源局"),
    ("GT05", "可再生能源装机容量占比", "GT", "%", False, ">=", 50, "市发展改革委"),
    ("GT06", "数字经济核心产业增加值占GDP比重", "GT", "%", False, ">=", 10, "市工信局"),
    ("GT07", "工业技术改造投资增长率", "GT", "%", False, ">=", 10, "市工信局"),
    ("GT08", "公交车新能源汽车占比", "GT", "%", False, ">=", 80, "市交通运输局"),
    ("GT09", "出租汽车新能源汽车占比", "GT", "%", False, ">=", 75, "市交通运输局"),
    ("GT10", "新建公共机构建筑可安装光伏覆盖率", "GT", "%", False, ">=", 50, "市住建局"),
    ("GT11", "节能环保产品政府采购占比", "GT", "%", False, ">=", 90, "市财政局"),
    ("EQ01", "空气质量优良天数比例", "EQ", "%", True, ">=", 85, "市生态环境局"),
    ("EQ02", "细颗粒物(PM2.5)年均浓度", "EQ", "μg/m³", True, "<=", 35, "市生态环境局"),
    ("EQ03", "地表水达到或好于Ⅲ类水体比例", "EQ", "%", True, ">=", 80, "市生态环境局"),
    ("EQ04", "出境断面水质达到或好于Ⅱ类比例", "EQ", "%", False, ">=", 100, "市生态环境局"),
    ("EQ05", "集中式饮用水水源地水质达标率", "EQ", "%", True, ">=", 100, "市生态环境局"),
    ("EQ06", "受污染耕地安全利用率", "EQ", "%", True, ">=", 93, "市生态环境局"),
    ("EQ07", "重点建设用地安全利用率", "EQ", "%", False, ">=", 95, "市生态环境局"),
    ("EQ08", "化学需氧量排放量减少率", "EQ", "%", True, ">=", 2.0, "市生态环境局"),
    ("EQ09", "氨氮排放量减少率", "EQ", "%", True, ">=", 2.0, "市生态环境局"),
    ("EQ10", "生活污水集中收集率", "EQ", "%", False, ">=", 55, "市城管局"),
    ("EQ11", "城镇生活垃圾无害化处理率", "EQ", "%", False, ">=", 100, "市城管局"),
    ("EQ12", "危险废物安全处置率", "EQ", "%", False, ">=", 100, "市生态环境局"),
    ("EP01", "森林覆盖率", "EP", "%", True, ">=", 76, "市林业局"),
    ("EP02", "水土保持率", "EP", "%", True, ">=", 83.4, "市水利局"),
    ("EP03", "湿地保护率", "EP", "%", False, ">=", 62, "市林业局"),
    ("EP04", "国家重点保护野生动植物保护率", "EP", "%", False, ">=", 95, "市林业局"),
    ("EP05", "耕地保有量", "EP", "万亩", True, ">=", 45.12, "市自然资源局"),
    ("EP06", "受保护地区占国土面积比例", "EP", "%", False, ">=", 22, "市林业局"),
    ("PV01", "林下经济产业综合产值", "PV", "亿元", False, ">=", 16.7, "市林业局"),
    ("PV02", "绿色有机名特优新农产品数量", "PV", "个", False, ">=", 78, "市农业农村局"),
    ("PV03", "油茶产业产值", "PV", "亿元", False, ">=", 11.1, "市林业局"),
    ("PV04", "生态产品总值(GEP)增长率", "PV", "%", False, ">=", 3.0, "市统计局"),
    ("GL01", "城镇新建绿色建筑比例", "GL", "%", False, ">=", 50, "市住建局"),
    ("GL02", "公众绿色出行率", "GL", "%", False, ">=", 50, "市交通运输局"),
    ("GL03", "公众对生态环境质量满意程度", "GL", "%", False, ">=", 80, "市统计局"),
    ("GL04", "党政干部参加生态文明培训比例", "GL", "%", False, ">=", 100, "市委组织部"),
]
CATEGORIES = [("GT", "绿色低碳转型"), ("EQ", "生态环境质量"), ("EP", "生态系统保护"), ("PV", "生态产品价值实现"),
              ("GL", "绿色生活与制度")]
COUNTIES = [("360702", "章贡区"), ("360703", "南康区"), ("360704", "赣县区"), ("360722", "信丰县"),
            ("360723", "大余县"), ("360724", "上犹县"), ("360725", "崇义县"), ("360726", "安远县"),
            ("360728", "定南县"), ("360729", "全南县"), ("360730", "宁都县"), ("360731", "于都县"),
            ("360732", "兴国县"), ("360733", "会昌县"), ("360734", "寻乌县"), ("360735", "石城县"),
            ("360781", "瑞金市"), ("360783", "龙南市")]
ZONES = ["重点开发区", "农产品主产区", "重点生态功能区"]


def doc(kind: str, title: str) -> dict:
    return {"kind": kind, "title": title, "jurisdiction_name": "赣州市", "year": 2025,
            "framework_name": "赣州市生态文明建设年度评价考核指标体系(演示)", "generated_at": "2026-11-22 18:00",
            "synthetic": True, "synthetic_note": SYNTHETIC_NOTE, "run_id": "r20261122-180000-ab12cd"}


def county_context() -> dict:
    """章贡区, vetoed by an event whose description carries a script tag; 37 indicator rows."""
    cat_names = dict(CATEGORIES)
    indicators = []
    for k, (code, name, cat, unit, binding, op, target, dept) in enumerate(INDICATORS[:37]):
        value = None if code == "GL04" else round(target * (1.08 if k % 5 else 0.93), 3)
        met = None if value is None else (value >= target if op == ">=" else value <= target)
        score = None if value is None else round(60 + (k * 7.3) % 40, 2)
        indicators.append({
            "code": code, "name": name, "category_name": cat_names[cat], "unit": unit, "value": value,
            "target_op": op, "target_value": target, "met": met, "binding": binding, "score": score,
            "weight": 0.027, "contribution": None if score is None else round(score * 0.027, 2),
            "department_name": dept, "flag": "缺失(按权重重新分配)" if value is None else None})
    return {
        "doc": doc("county", "章贡区2025年度生态文明建设评价考核报告"),
        "county": {"region_code": "360702", "name": "章贡区", "zone": "重点开发区"},
        "result": {"gdi": 83.41, "rank": 3, "n_regions": 18, "assessment_score": 87.2, "targets_met": 30,
                   "targets_total": 37, "binding_missed": 1, "grade": "不合格", "grade_before_veto": "良好",
                   "vetoed": True, "missing_count": 1},
        "vetoes": [
            {"rule_id": "VETO-EVENT", "rule_name": "发生重大生态环境事件", "effect": "fail", "cap_grade": None,
             "evidence": {"indicator_name": None, "value": None, "target": None, "unit": None,
                          "event_kind": "重特大突发环境事件", "event_date": "2025-06-14",
                          "description": f"贡江某断面氨氮超标 {XSS} & 下游取水口临时关停",
                          "file_name": "events_2025.csv", "version": 1, "sha256": SHA}},
            {"rule_id": "VETO-ENERGY", "rule_name": "未完成节能减排目标(单位GDP能耗降低率)", "effect": "fail",
             "cap_grade": None,
             "evidence": {"indicator_name": "单位GDP能耗降低率", "value": 2.79, "target": 3.0, "unit": "%",
                          "event_kind": None, "event_date": None, "description": None,
                          "file_name": "发改委_2025.xlsx", "version": 2, "sha256": SHA}},
        ],
        "categories": [{"code": c, "name": n, "score": s, "weight": w, "median": m}
                       for (c, n), s, w, m in zip(CATEGORIES, [78.2, 88.65, 91.3, 47.0, None],
                                                   [0.23, 0.31, 0.21, 0.12, 0.13], [80.1, 84.0, 86.2, 72.5, 75.0])],
        "indicators": indicators,
        "cadres": [{"cadre_id": "C001", "name": "李明华", "post": "党委书记", "share": 1.0, "start": "2021-03-01",
                    "end": None},
                   {"cadre_id": "C002", "name": "王建国", "post": "政府主要负责人", "share": 0.45,
                    "start": "2019-01-10", "end": "2025-06-15"},
                   {"cadre_id": "C003", "name": "陈", "post": "政府主要负责人", "share": 0.55,
                    "start": "2025-06-16", "end": None}],
        "submissions": [{"department_name": d, "file_name": f"{d}_2025年度指标报送.xlsx", "version": v,
                         "sha256": SHA, "status": "accepted", "warnings": w}
                        for d, v, w in [("市林业局", 2, 1), ("市生态环境局", 1, 0), ("市发展改革委", 2, 0),
                                        ("市自然资源局", 1, 0), ("市统计局", 1, 2)]],
        "warnings": [{"department_name": "市林业局", "message": f"湿地保护率较上年下降超过 10 个百分点, 请核实 {XSS}"},
                     {"department_name": "市统计局", "message": "生态产品总值(GEP)增长率为初步核算数"}],
    }


def cadre_context() -> dict:
    return {
        "doc": doc("cadre", "王建国同志2025年度生态文明建设考核结果"),
        "cadre": {"cadre_id": "C002", "name": "王建国"},
        "posts": [{"post": "政府主要负责人", "region_name": "章贡区", "region_code": "360702", "start": "2019-01-10",
                   "end": "2025-06-15", "share": 0.45, "gdi": 83.41, "rank": 3, "grade": "不合格", "vetoed": True},
                  {"post": "党委书记", "region_name": "寻乌县", "region_code": "360734", "start": "2025-06-16",
                   "end": None, "share": 0.55, "gdi": 79.02, "rank": 12, "grade": "合格", "vetoed": False}],
        "events": [{"date": "2025-06-14", "region_name": "章贡区", "kind": "重特大突发环境事件",
                    "description": f"贡江某断面氨氮超标 {XSS}", "post": "政府主要负责人", "year": 2025},
                   {"date": "2021-09-02", "region_name": "章贡区", "kind": "造成恶劣社会影响的环境污染责任事件",
                    "description": "某工业园区废气扰民, 群众集中投诉", "post": "政府主要负责人", "year": 2021}],
    }


def bulletin_context() -> dict:
    counties = []
    for k, (code, name) in enumerate(COUNTIES):
        gdi = round(90.5 - k * 1.37 - (k % 3) * 0.21, 2)
        vetoed = name in ("章贡区", "寻乌县")
        counties.append({
            "rank": k + 1, "name": name, "region_code": code, "zone": ZONES[k % 3], "gdi": gdi,
            "assessment_score": round(gdi + 3.1, 2),
            "grade": "不合格" if vetoed else "优秀" if gdi + 3.1 >= 90 else "良好" if gdi + 3.1 >= 80 else "合格",
            "vetoed": vetoed, "category_scores": {c: round(gdi - 4 + j * 2.1, 2) for j, (c, _) in enumerate(CATEGORIES)},
            "targets_met": 33 - k % 5, "targets_total": 37, "report_href": f"county/{code}.html"})
    counties[-1]["category_scores"]["PV"] = None
    grades = ["优秀", "良好", "合格", "不合格"]
    return {
        "doc": doc("bulletin", "赣州市2025年度生态文明建设评价考核结果公报"),
        "categories": [{"code": c, "name": n} for c, n in CATEGORIES],
        "counties": counties,
        "grade_distribution": [{"grade": g, "count": sum(c["grade"] == g for c in counties)} for g in grades],
        "vetoed": [{"name": "章贡区", "reasons": ["发生重大生态环境事件(重特大突发环境事件, 2025-06-14)"]},
                   {"name": "寻乌县", "reasons": ["未完成节能减排目标(单位GDP能耗降低率)", f"说明 {XSS}"]}],
        "method_notes": ["个体指数采用效能系数法: 正向指标 60 + 40 × (x − 最小值)/(最大值 − 最小值), 逆向指标反之。",
                         "权数按 ★◆○ = 3:2:1 在全部指标间归一; 缺失指标按权数重新分配并注明。",
                         "一票否决: 发生规定的重大生态环境事件、耕地保有量低于红线或未完成节能目标的, 等级定为不合格。"],
    }


CONTEXTS = {"county": county_context, "cadre": cadre_context, "bulletin": bulletin_context}


# ---------------------------------------------------------------- tests

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
    for kind, build in CONTEXTS.items():
        html_path, pdf_path = out / f"{kind}.html", out / f"{kind}.pdf"
        renderer.write(kind, build(), html_path, pdf_path)
        result[kind] = (html_path.read_text("utf-8"), pdf_path)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.{e}" for k in CONTEXTS for e in ("html", "pdf")), \
        "temporary files left behind"
    return result


@pytest.mark.parametrize("kind", CONTEXTS)
def test_html_is_self_contained_and_escaped(rendered, kind):
    html, _ = rendered[kind]
    assert "<style>" in html and "@page" in html
    assert ("<svg" in html) == (kind != "cadre")  # charts are inline SVG
    assert not re.search(r"""(?:src|href)=["'](?:https?:|//)""", html), "external asset in the HTML"
    assert "<link" not in html and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # submitted text is autoescaped
    assert SYNTHETIC_NOTE in html and "演示用虚构数据" in html
    assert "target-counter" in html  # the TOC's page numbers live in the inlined stylesheet


def test_county_html_content(rendered):
    html, _ = rendered["county"]
    assert 'href="#indicators"' in html and 'id="indicators"' in html
    assert "ab12cd34ef56" in html and "ab12cd34ef560" not in html  # first 12 hex of the evidence file
    assert "events_2025.csv" in html and "第 1 版" in html
    assert html.count('class="ind-row') == 37
    assert "−1.90" in html and "+4.65" in html  # gap to the median, signed with a true minus
    assert "≥3.0" in html and "2.8%" in html  # target of GT01; the veto evidence's value with its unit


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                   reason="poppler-utils not installed")


def _flat(text: str) -> str:
    """pdftotext drops the narrow spaces between CJK glyphs and digits: compare without whitespace."""
    return re.sub(r"\s+", "", text)


@needs_poppler
@pytest.mark.parametrize("kind,expected", [("county", ["章贡区", "单位GDP能耗降低率", "一票否决", "ab12cd34ef56"]),
                                           ("cadre", ["王建国", "终身追责", "寻乌县"]),
                                           ("bulletin", ["龙南市", "等级分布", "方法说明"])])
def test_pdf_text(rendered, kind, expected):
    text = _pdftotext(rendered[kind][1])
    pages = text.count("\f")
    flat = _flat(text)
    for needle in expected + ["第 1 页 共", f"第 {pages} 页 共 {pages} 页", "演示用虚构数据", "目录"]:
        assert _flat(needle) in flat, f"{needle!r} not in the {kind} PDF text"
    assert "<script>alert(1)</script>" in flat  # escaped in the HTML, so shown as text in the PDF


@needs_poppler
@pytest.mark.parametrize("kind", CONTEXTS)
def test_pdf_embeds_only_noto_sans_cjk(rendered, kind):
    out = subprocess.run(["pdffonts", str(rendered[kind][1])], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert 1 <= len(rows) <= 2, out  # Regular and Bold, nothing else
    for row in rows:
        cols = row.split()
        name, emb = cols[0], cols[-5]
        assert re.fullmatch(r"[A-Z]{6}\+Noto-?Sans-?CJK-?SC(-Bold|-Regular)?", name), out
        assert emb == "yes", out


FIRST_SECTION = {"county": "总体结果与一票否决", "cadre": "基本信息", "bulletin": "总体情况"}


@pytest.mark.parametrize("kind", CONTEXTS)
def test_pdf_has_outline_and_toc_page_numbers(rendered, kind):
    from pypdf import PdfReader

    reader = PdfReader(rendered[kind][1])
    titles = [o.title for o in _flatten(reader.outline)]
    assert FIRST_SECTION[kind] in titles and "目录" in titles, titles
    assert len(titles) >= 4, titles
    assert reader.metadata.title == CONTEXTS[kind]()["doc"]["title"]
    if shutil.which("pdftotext"):
        # the TOC on the cover carries each target's page number (target-counter): "1  总体情况 ..... 2"
        cover = _pdftotext(rendered[kind][1]).split("\f")[0]
        line = next(x for x in cover.splitlines() if FIRST_SECTION[kind] in x)
        assert re.search(r"\s(\d+)$", line.rstrip()), line
        assert int(line.split()[-1]) == 2  # cover is page 1, content starts on page 2


def _flatten(items):
    for item in items:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


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
