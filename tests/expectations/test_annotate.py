"""The steward's workbook handed back annotated: flagged cells, comments, a failure sheet, and a fixed
copy that ingests and passes."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl

from expectations.annotate import FILLS, SHEET
from tests.support.validation import GOOD, STHJJ, failed, submit  # noqa: F401
from transforms.runtime.warehouse import rows

HEADER = STHJJ.split(",")
COL = {h.split("(")[0]: j for j, h in enumerate(HEADER, start=1)}  # 细颗粒物浓度 -> 3, ...


def _xlsx(lines: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025年数据"
    ws.append(["测试市2025年度考核数据 — 市生态环境局"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for line in lines:
        ws.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _flagged(ws) -> dict[str, str]:
    """Cells we marked: coordinate -> error|warning."""
    colours = {f.fgColor.rgb[-6:]: kind for kind, f in FILLS.items()}
    return {c.coordinate: colours[c.fill.fgColor.rgb[-6:]] for row in ws.iter_rows() for c in row
            if c.fill.fill_type == "solid" and c.fill.fgColor.rgb[-6:] in colours}


def _annotated(home, outcome) -> Path:
    [path] = (home.validation_root / str(outcome.submission_id)).glob("*_审核标注.xlsx")
    return path


def test_flagged_cells_comments_and_failure_sheet_then_the_fixed_copy_passes(cmini):
    home, con, fw = cmini
    bad = [["990001", "甲县", 30, 90.0, 80, 330, 320, 2],      # 优良 330 > 监测 320 (and the ratio: warning)
           ["990002", "乙县", 400, 85.0, "abc", 306, 360, 5],  # PM2.5 400 > 300; Ⅲ类 not a number
           ["990003", "丙县", 20, 80.0, 70, 292, 365, 10]]
    outcome = submit(home, con, fw, _xlsx(bad), "sthjj", name="生态环境局 2025.xlsx")
    assert outcome.status == "rejected"
    path = _annotated(home, outcome)
    assert path.name == "生态环境局_2025_审核标注.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    c = {name: openpyxl.utils.get_column_letter(j) for name, j in COL.items()}
    assert _flagged(ws) == {
        f"{c['空气质量优良天数']}3": "error", f"{c['空气质量有效监测天数']}3": "error",   # relation (error wins)
        f"{c['空气质量优良天数比例']}3": "warning",                                    # ratio, a warning only
        f"{c['细颗粒物浓度']}4": "error", f"{c['地表水达到或好于Ⅲ类水体比例']}4": "error"}
    pm = ws[f"{c['细颗粒物浓度']}4"].comment.text
    assert pm.startswith("【错误】“细颗粒物浓度(μg/m³)”须在合理范围内") and "期望: 0 至 300 μg/m³" in pm
    assert "修改方法: 核对数值与计量单位" in pm
    good_days = ws[f"{c['空气质量优良天数']}3"].comment.text
    assert "空气质量优良天数不得多于有效监测天数" in good_days and "【警告】优良天数比例应等于" in good_days
    assert "说明: 空气质量优良天数 = 330, 空气质量有效监测天数 = 320" in good_days
    assert ws["A1"].value == "测试市2025年度考核数据 — 市生态环境局" and ws["C4"].value == 400  # data untouched
    # the failure sheet lists every failing cell once per rule, after the data sheet
    assert wb.sheetnames == ["2025年数据", SHEET]
    listing = [r for r in wb[SHEET].iter_rows(min_row=5, values_only=True)]
    n_failures = sum(len(found) for _, found in failed(con, outcome.submission_id).values())
    assert len(listing) == n_failures == 7
    r = next(r for r in listing if r[2] == "value.range")
    assert (r[1], r[4], r[5], r[6], r[7], r[8]) == ("错误(退回)", f"{c['细颗粒物浓度']}4", 4, "乙县", "细颗粒物浓度", "400")
    assert r[10] == "0 至 300 μg/m³"

    # the steward fixes the flagged cells in this same copy and sends it again
    ws[f"{c['空气质量优良天数']}3"] = 324
    ws[f"{c['空气质量有效监测天数']}3"] = 360
    ws[f"{c['细颗粒物浓度']}4"] = 25
    ws[f"{c['地表水达到或好于Ⅲ类水体比例']}4"] = 90
    fixed = io.BytesIO()
    wb.save(fixed)
    again = submit(home, con, fw, fixed.getvalue(), "sthjj", name=path.name)
    assert (again.status, again.errors, again.warnings) == ("accepted", 0, 0)
    assert rows(con, "SELECT value FROM current_observation WHERE region_code = '990002' AND indicator_code = 'B'") \
        == [(25.0,)]


def test_a_resubmitted_annotated_copy_loses_the_marks_of_fixed_cells(cmini):
    home, con, fw = cmini
    bad = [["990001", "甲县", 400, 90.0, 80, 324, 360, 2], ["990002", "乙县", 500, 85.0, 90, 306, 360, 5],
           ["990003", "丙县", 20, 80.0, 70, 292, 365, 10]]
    first = submit(home, con, fw, _xlsx(bad), "sthjj", name="sthjj.xlsx")
    wb = openpyxl.load_workbook(_annotated(home, first))
    assert set(_flagged(wb.worksheets[0])) == {"C3", "C4"}
    wb.worksheets[0]["C3"] = 30  # only one of the two is fixed
    data = io.BytesIO()
    wb.save(data)
    second = submit(home, con, fw, data.getvalue(), "sthjj", name="sthjj_审核标注.xlsx")
    assert second.status == "rejected"
    wb2 = openpyxl.load_workbook(_annotated(home, second))
    assert set(_flagged(wb2.worksheets[0])) == {"C4"}
    assert wb2.worksheets[0]["C3"].comment is None
    assert wb2.sheetnames.count(SHEET) == 1


def test_a_csv_comes_back_as_a_workbook_with_formula_like_text_kept_as_text(cmini):
    home, con, fw = cmini
    lines = list(GOOD[2025]["sthjj"])
    lines[2] = "990001,甲县,=1+1,90.0,80,324,360,2"            # looks like a formula: not a number
    lines[3] = "990002,乙县,@SUM(A1),85.0,90,306,360,5"
    outcome = submit(home, con, fw, lines, "sthjj", name="sthjj.csv")
    assert outcome.status == "rejected"
    path = _annotated(home, outcome)
    assert path.suffix == ".xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    # same rows as the CSV lines: the title on 1, the header on 2, the counties from 3
    assert ws["A1"].value == lines[0] and ws["A3"].value == "990001" and ws["B5"].value == "丙县"
    assert ws["C3"].value == "=1+1" and ws["C3"].data_type == "s" and ws["C3"].quotePrefix
    assert ws["C4"].value == "@SUM(A1)" and ws["C4"].data_type == "s"
    assert ws["D5"].value == 80.0 and ws["A5"].data_type == "s"  # numbers stay numbers, region codes text
    assert set(_flagged(ws)) == {"C3", "C4"}
    every = [c for sheet in wb.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in every if c.data_type == "f"]  # nothing we wrote is a formula
    listed = [r[8] for r in wb[SHEET].iter_rows(min_row=5, values_only=True)]
    assert "=1+1" in listed and "@SUM(A1)" in listed
    ws["C3"], ws["C4"] = 30, 25
    fixed = io.BytesIO()
    wb.save(fixed)
    assert submit(home, con, fw, fixed.getvalue(), "sthjj", name=path.name).status == "accepted"


def test_no_annotated_copy_for_a_clean_file(cmini):
    home, con, fw = cmini
    outcome = submit(home, con, fw, GOOD[2025]["lyj"], "lyj")
    assert outcome.status == "accepted"
    assert not list((home.validation_root / str(outcome.submission_id)).glob("*_审核标注.xlsx"))


def test_marks_land_on_the_sheet_the_data_was_read_from_and_match_the_listing(cmini):
    """An instructions sheet in front: the marks go on the data sheet, one per cell the report lists."""
    home, con, fw = cmini
    wb = openpyxl.Workbook()
    wb.active.title = "填报说明"
    wb.active.append(["请在“2025年数据”工作表中填写"])
    ws = wb.create_sheet("2025年数据")
    ws.append(HEADER)
    for line in (["990001", "甲县", 400, 90.0, 80, 324, 360, 2],      # PM2.5 400 > 300
                 ["990002", "乙县", 25, 85.0, 90, 306, 360, 5],
                 ["990003", "乙县", 20, 80.0, 70, 292, 365, 10]):    # code of 丙县, name of 乙县
        ws.append(line)
    raw = io.BytesIO()
    wb.save(raw)
    outcome = submit(home, con, fw, raw.getvalue(), "sthjj", name="说明在前.xlsx")
    assert outcome.status == "rejected"
    back = openpyxl.load_workbook(_annotated(home, outcome))
    assert _flagged(back["填报说明"]) == {}
    assert _flagged(back["2025年数据"]) == {"C2": "error", "A4": "error"}
    assert "990003" in back["2025年数据"]["A4"].comment.text and "乙县" in back["2025年数据"]["A4"].comment.text
    listing = list(back[SHEET].iter_rows(min_row=5, values_only=True))
    n_failures = sum(len(found) for _, found in failed(con, outcome.submission_id).values())
    assert len(listing) == n_failures == 2 and {r[4] for r in listing} == {"C2", "A4"}
    assert "“2025年数据”" in back[SHEET]["A2"].value
