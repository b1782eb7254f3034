"""The Excel template a department fills in: its indicators as columns, every county a row.

Built from the framework so the template and the validation rules can never disagree: headers
are `指标名称(单位)` exactly as the parser reads them, each value cell carries Excel data
validation with the indicator's valid range, a 缺失原因说明 column takes the reason for a value
that does not exist, an instructions sheet says what to do in Chinese, and last year's accepted
values are on a reference sheet. A filled template ingests unchanged. Text that comes from data
(names, notes) is always written as a plain string, never as a formula.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from transforms.config.framework import Framework
from transforms.intake.parse import column_header
from transforms.intake.safe_cells import append_row
from transforms.runtime.warehouse import frame

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
NOTE_HEADER = "缺失原因说明"


def data_sheet_name(year: int) -> str:
    """Named so the parser finds it even if a department reorders the sheets."""
    return f"{year}年考核数据"


def write_template(con: duckdb.DuckDBPyConnection, fw: Framework, department: str, year: int, path: Path) -> Path:
    indicators = [i for i in fw.indicators if i.department == department]
    supporting = [i for i in fw.supporting_items if i.department == department]  # 基础数据, cross-checked
    if not indicators:
        raise ValueError(f"部门 {department!r} 在指标体系 {fw.id} 中没有负责的指标 / no indicators for this department")
    dept_name = frame(con, "SELECT name FROM department WHERE code = ?", [department])["name"].to_list()
    dept_name = dept_name[0] if dept_name else department
    counties = frame(con, "SELECT region_code, name FROM region WHERE parent_code = ? ORDER BY region_code",
                     [fw.jurisdiction])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = data_sheet_name(year)
    headers = ["行政区划代码", "县(市、区)"] + [column_header(i) for i in indicators + supporting] + [NOTE_HEADER]
    append_row(ws, [f"{fw.name} — {dept_name} {year} 年度指标数据填报表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for code, name in counties.iter_rows():
        append_row(ws, [code, name])
    last = 2 + counties.height
    for n, ind in enumerate(indicators + supporting, start=3):
        col = get_column_letter(n)
        lo, hi = ind.valid_range
        dv = DataValidation(type="decimal", operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}", allow_blank=True,
                            showErrorMessage=True, errorTitle="数值超出范围",
                            error=f"{ind.name}应在 {lo:g} 至 {hi:g} {ind.unit} 之间; 确无数据请留空并在“{NOTE_HEADER}”列说明")
        dv.add(f"{col}3:{col}{last}")
        ws.add_data_validation(dv)
        target = getattr(ind, "target", None)
        kind = ("目标 " + (f"{target.op} {target.value:g} {ind.unit}" if target.value is not None else "见逐级分解表")
                + f"\n{'约束性' if ind.binding else '预期性'}指标") if target else \
            ("基础数据(不计分, 用于与指标相互核对)" if ind in supporting else "预期性指标")
        ws.cell(row=2, column=n).comment = Comment(f"{ind.code} {ind.name}\n单位: {ind.unit}\n合理范围: {lo:g}–{hi:g}\n"
                                                   f"{kind}", "考核办")
        ws.column_dimensions[col].width = max(14, len(ind.name) * 2)
    note_col = get_column_letter(len(headers))
    ws.column_dimensions[note_col].width = 36
    ws.cell(row=2, column=len(headers)).comment = Comment(
        "某项指标确无数据时, 该格留空, 并在本列写明原因(如“本县无该类设施”)。原因随数据保存, 并在审核报告和考核报告中注明。",
        "考核办")
    for row in ws.iter_rows(min_row=3, max_row=last, min_col=1, max_col=1):
        for cell in row:
            cell.number_format = "@"  # codes stay text (leading digits, no 3.6E+05)
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 12
    ws.freeze_panes = "C3"

    guide = wb.create_sheet("填报说明")
    for line in [
        f"{dept_name} {year} 年度生态文明建设考核指标数据填报说明",
        f"1. 请在“{ws.title}”工作表中为每个县(市、区)填写全部指标, 不要增删行列, 不要修改表头和工作表名称。",
        "2. 数值直接填写数字; 百分比指标填写百分数(如 85.2 表示 85.2%), 也可输入 85.2%。可用千分位逗号(1,234.5)。",
        f"3. 确无数据的, 该格留空, 并在最后一列“{NOTE_HEADER}”写明原因。有原因的缺失按缺失处理并在报告中注明原因;"
        " 没有原因的空格将被退回。",
        "4. 计量单位以表头括号内为准; 如需使用其他单位(如“亩”代替“万亩”、“公顷”代替“万亩”), 请修改表头括号内的单位,"
        " 系统按 data/units.yaml 自动换算; 无法换算的单位将被退回。",
        "5. 报送前可运行 `ecoassess validate <文件> -d <部门>` 自查, 规则与正式审核完全一致。",
        "6. 参考数据工作表列出上一年度已通过审核的数值, 仅供核对, 不必修改。",
        "7. 同一年度再次报送视为新版本, 以最新一个通过审核的版本为准; 以前的版本保留备查。",
    ]:
        append_row(guide, [line])
    guide.column_dimensions["A"].width = 110
    guide["A1"].font = Font(bold=True, size=13)

    ref = wb.create_sheet(f"参考_{year - 1}年已审核")
    previous = frame(con, """SELECT region_code, indicator_code, value, note FROM current_observation
                             WHERE department = ? AND year = ?""", [department, year - 1])
    append_row(ref, ["行政区划代码", "县(市、区)"] + [column_header(i) for i in indicators + supporting]
                 + [NOTE_HEADER])
    values = {(r[0], r[1]): r[2] for r in previous.iter_rows()}
    notes: dict[str, list[str]] = {}
    for code, ind_code, _, note in previous.iter_rows():
        if note:
            notes.setdefault(code, []).append(note)
    for code, name in counties.iter_rows():
        append_row(ref, [code, name] + [values.get((code, i.code)) for i in indicators + supporting]
                     + ["; ".join(sorted(set(notes.get(code, [])))) or None])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
