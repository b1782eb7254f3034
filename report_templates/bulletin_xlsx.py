"""The bulletin's tables as a workbook beside its PDF (`bulletin.xlsx`), for offices that re-use the
figures: the ranking with sub-indices, the category overview with last year's values, the grade
distribution and the vetoes. Numbers are stored as numbers (not formatted text), rounded as the
bulletin prints them; text goes through `append_row` (never a formula); the bytes depend on the
content only, so an unchanged re-run rewrites nothing."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font

from transforms.intake.safe_cells import append_row, workbook_bytes

XLSX_NAME = "bulletin.xlsx"


def _r(x: object, places: int = 2) -> float | None:
    return None if x is None else round(float(x), places)


def _index_name(name: str) -> str:
    return name if name.endswith("指数") else f"{name}指数"


def bulletin_workbook(ctx: dict) -> bytes:
    """The workbook of one bulletin context (`transforms.reporting.context` `_Shared.bulletin`)."""
    doc, cats = ctx["doc"], ctx["categories"]
    ranked = sorted(ctx["counties"], key=lambda c: (c["rank"] is None, c["rank"] or 0))
    wb = Workbook()
    ws = wb.active
    ws.title = "评价考核结果"
    append_row(ws, [doc["title"]])
    append_row(ws, ["排名", "排名区间（第5百分位）", "排名区间（第95百分位）", "县（市、区）", "行政区划代码", "主体功能区",
                    "绿色发展指数", *(_index_name(c["name"]) for c in cats), "完成目标数", "目标总数", "考核得分",
                    "考核等级", "一票否决"])
    for c in ranked:
        append_row(ws, [c["rank"], _r(c.get("rank_p05"), 0), _r(c.get("rank_p95"), 0), c["name"], c["region_code"],
                        c.get("zone"), _r(c["gdi"]), *(_r(c["category_scores"].get(k["code"])) for k in cats),
                        c.get("targets_met"), c.get("targets_total"), _r(c["assessment_score"]), c["grade"],
                        "是" if c["vetoed"] else "否"])
    ws = wb.create_sheet("分类指数概览")
    append_row(ws, ["排名", "县（市、区）", *(f"{_index_name(c['name'])}（{y}）" for c in cats
                                             for y in ("本年", "上年")), "绿色发展指数（本年）", "绿色发展指数（上年）"])
    for c in ranked:
        prev = c.get("category_previous") or {}
        append_row(ws, [c["rank"], c["name"], *(v for k in cats for v in (_r(c["category_scores"].get(k["code"])),
                                                                         _r(prev.get(k["code"])))),
                        _r(c["gdi"]), _r(c.get("previous_gdi"))])
    ws = wb.create_sheet("等级分布")
    append_row(ws, ["考核等级", "县（市、区）数", "名单（按排名）"])
    for g in ctx["grade_distribution"]:
        append_row(ws, [g["grade"], g["count"], "、".join(c["name"] for c in ranked if c["grade"] == g["grade"])])
    ws = wb.create_sheet("一票否决")
    append_row(ws, ["县（市、区）", "考核等级", "否决规则", "规则编号", "指标或事件", "实际值", "目标", "报送文件", "版本", "SHA-256"])
    for v in ctx["vetoed"]:
        for item in v["items"]:
            e = item["evidence"]
            append_row(ws, [v["name"], v["grade"], item["rule_name"], item["rule_id"],
                            e.get("indicator_name") or e.get("event_kind") or e.get("description"), e.get("value"),
                            e.get("target"), e.get("file_name"), e.get("version"), e.get("sha256")])
    for sheet in wb.worksheets:
        for cell in sheet[1 if sheet.title != "评价考核结果" else 2]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A3" if sheet.title == "评价考核结果" else "A2"
    return workbook_bytes(wb)
