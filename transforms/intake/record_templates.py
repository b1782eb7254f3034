"""Excel templates for the two submissions that are records rather than indicator values: the events
file (生态环境事件, 市生态环境局) and the cadre roster (领导干部任职情况, 市委组织部).

Their headers are exactly those the parser reads (`parse.EVENT_HEADERS`, `parse.TENURE_HEADERS`);
where a wrong value would be refused later, Excel refuses it at once: drop-downs for counties (code and
name), event kinds, severities, posts, departments and 是否代理, date checks (an event in the year or
before; a tenure starting by the end of the year, ending no earlier than it started), all from the
same lists the validation suites use (`vocabulary`). The lists live on a visible 填报说明_选项 sheet the
parser never reads as data. Header locked, a block for 填报人 / 联系电话 / 填报日期 under the table
(`excel_template.signature_block`), instructions a clerk can follow.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
from openpyxl.styles import Alignment, Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from transforms.config.framework import Framework
from transforms.intake.excel_template import HEADER_FILL, INPUT_FILL, KINDS, protect, signature_block, write_guide
from transforms.intake.safe_cells import append_row
from transforms.intake.vocabulary import ACTING, EVENT_KINDS, POSTS, SEVERITIES
from transforms.runtime.warehouse import frame

OPTIONS_SHEET = "填报说明_选项"  # starts with 填报说明: never taken for the data sheet
EARLIEST = 1990  # dates before this are typing errors in either file

# (header, width, what the column takes) in the order of the demo files
EVENT_COLUMNS = [("事件编号", 12, "text"), ("行政区划代码", 14, "code"), ("县(市、区)", 12, "county"),
                 ("事件日期", 13, "event_date"), ("事件类型", 30, "kind"), ("严重程度", 10, "severity"),
                 ("事件描述", 60, "text")]
TENURE_COLUMNS = [("干部编号", 10, "text"), ("姓名", 10, "text"), ("职务", 16, "post"), ("行政区划代码", 14, "code"),
                  ("县(市、区)", 12, "county"), ("单位", 16, "department"), ("任职开始", 13, "start"),
                  ("任职结束", 13, "end"), ("是否代理", 10, "acting")]


def _options(wb, lists: dict[str, list[str]]) -> dict[str, str]:
    """Write each list in a column of the options sheet; returns list name -> absolute range formula."""
    ws = wb.create_sheet(OPTIONS_SHEET)
    refs = {}
    for n, (name, values) in enumerate(lists.items(), start=1):
        col = get_column_letter(n)
        ws.cell(row=1, column=n, value=f"可选{name}").font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            ws.cell(row=r, column=n, value=value)
        ws.column_dimensions[col].width = max(12, max((len(v) for v in values), default=4) * 2)
        refs[name] = f"'{OPTIONS_SHEET}'!${col}$2:${col}${len(values) + 1}"
    ws.protection.sheet = True
    return refs


def _list(ref: str, what: str) -> DataValidation:
    return DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True,
                          errorTitle="请从下拉列表中选择", error=f"{what}须从下拉列表中选择(列表见“{OPTIONS_SHEET}”工作表)")


def _date(lo: str, hi: str, error: str) -> DataValidation:
    return DataValidation(type="date", operator="between", formula1=lo, formula2=hi, allow_blank=True,
                          showErrorMessage=True, errorTitle="日期无效", error=error)


def write_record_template(con: duckdb.DuckDBPyConnection, fw: Framework, department: str, kind: str, year: int,
                          path: Path) -> Path:
    """The events (`kind="events"`) or roster (`"tenures"`) template for `department` and `year`."""
    dept_name = (frame(con, "SELECT name FROM department WHERE code = ?", [department])["name"].to_list()
                 or [department])[0]
    counties = frame(con, "SELECT region_code, name FROM region WHERE parent_code = ? ORDER BY region_code",
                     [fw.jurisdiction])
    jurisdiction = (frame(con, "SELECT name FROM region WHERE region_code = ?", [fw.jurisdiction])["name"].to_list()
                    or [""])[0]
    departments = frame(con, "SELECT name FROM department ORDER BY code")["name"].to_list()
    columns = EVENT_COLUMNS if kind == "events" else TENURE_COLUMNS
    # room for every event of a year, or two leaders per county, the department heads and changes in post
    rows = max(50, counties.height * 2) if kind == "events" else counties.height * 3 + len(departments) + 20

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"{year}年{KINDS[kind]}"
    append_row(ws, [f"{jurisdiction}{year}年度{KINDS[kind]}报送表 — {dept_name}"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [h for h, _, _ in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    first, last = 3, 2 + rows
    refs = _options(wb, {"行政区划代码": counties["region_code"].to_list(), "县(市、区)": counties["name"].to_list(),
                         "事件类型": sorted(EVENT_KINDS | {k for r in fw.veto_rules for k in r.event_kinds}),
                         "严重程度": SEVERITIES, "职务": POSTS, "单位": departments, "是否代理": ACTING})
    checks = {
        "code": _list(refs["行政区划代码"], "行政区划代码"), "county": _list(refs["县(市、区)"], "县(市、区)"),
        "kind": _list(refs["事件类型"], "事件类型"), "severity": _list(refs["严重程度"], "严重程度"),
        "post": _list(refs["职务"], "职务"), "department": _list(refs["单位"], "单位(部门主要负责人填写)"),
        "acting": _list(refs["是否代理"], "是否代理"),
        "event_date": _date(f"DATE({EARLIEST},1,1)", f"DATE({year},12,31)",
                            f"事件日期须为 {EARLIEST} 年至 {year} 年 12 月 31 日之间的日期, 如 {year}-06-14"),
        "start": _date(f"DATE({EARLIEST},1,1)", f"DATE({year},12,31)",
                       f"任职开始须为 {year} 年 12 月 31 日以前的日期, 如 {year - 1}-07-01"),
    }
    for n, (header, width, what) in enumerate(columns, start=1):
        col = get_column_letter(n)
        ws.column_dimensions[col].width = width
        span = f"{col}{first}:{col}{last}"
        if what == "end":  # blank while in post; else a date no earlier than the start (the column before)
            start_col = get_column_letter(n - 1)
            check = DataValidation(type="custom", formula1=f"AND(ISNUMBER({col}{first}),{col}{first}>={start_col}{first})",
                                   allow_blank=True, showErrorMessage=True, errorTitle="日期无效",
                                   error="任职结束须为日期且不早于任职开始; 仍在任的留空")
            ws.add_data_validation(check)
            check.add(span)
        elif what in checks:
            ws.add_data_validation(checks[what])
            checks[what].add(span)
        for row in ws.iter_rows(min_row=first, max_row=last, min_col=n, max_col=n):
            cell = row[0]
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
            if what in ("event_date", "start", "end"):
                cell.number_format = "yyyy-mm-dd"
            elif what in ("code", "text"):
                cell.number_format = "@"  # codes and ids stay text
            if what == "text" and header == "事件描述":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    protect(ws)
    signature_block(ws, last + 2, year)
    write_guide(wb, f"{jurisdiction}{year}年度{KINDS[kind]}报送说明({dept_name})",
                _event_guide(year) if kind == "events" else _tenure_guide(year))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _event_guide(year: int) -> list[str]:
    return [
        f"在“{year}年{KINDS['events']}”工作表中, 每起事件填一行(黄色区域), 从第 3 行起连续填写。本年度没有事件的, "
        "不报送本表。",
        "事件编号由本部门编定, 每起事件唯一(如 E2025-001), 更正时沿用原编号。",
        "行政区划代码和县(市、区)从下拉列表中选择, 两者须对应同一个县(市、区)。",
        f"事件日期为事件发生的日期, 填写如 {year}-06-14; 以前年度的事件(如本年度查实的)也可填报, 系统会提示核实。",
        "事件类型和严重程度从下拉列表中选择; 严重程度按《国家突发环境事件应急预案》的分级。一票否决按事件类型认定, "
        "请如实选择。",
        "事件描述写明经过、影响和处理情况, 如有认定文件请注明文号。",
        "表格下方填写填报人、联系电话和填报日期。",
    ]


def _tenure_guide(year: int) -> list[str]:
    return [
        f"在“{year}年{KINDS['tenures']}”工作表中, 每一段任职填一行(黄色区域): 县(市、区)党委书记、政府主要负责人, "
        f"以及市直部门主要负责人; 凡 {year} 年内任职过的都要填写, 年内调整的前后任各填一行。",
        "干部编号由组织部门编定, 同一人始终使用同一编号(调任他职也不变)。",
        "职务从下拉列表中选择。县级职务须选择行政区划代码和县(市、区); 部门主要负责人须选择“单位”, 县(市、区)留空。",
        f"任职开始、任职结束填写日期, 如 {year - 1}-07-01; 仍在任的, 任职结束留空。前任结束日期的次日为后任开始日期, "
        "同一职务的任职期间不能重叠。",
        "代为主持工作的, “是否代理”选“是”。",
        "表格下方填写填报人、联系电话和填报日期。本表含干部个人信息, 请按规定渠道报送, 勿通过公开渠道传递。",
    ]
