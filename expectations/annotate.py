"""The steward's own workbook handed back annotated.

A copy of the submitted workbook (a CSV becomes an XLSX with the same rows) in which every cell
named by a failed rule is filled (red: error, yellow: warning) and carries a comment in Chinese
with the rule, the expected range and how to fix it; a last sheet lists every failure, also those
with no cell (a missing county or indicator). The data sheet is otherwise untouched, so the steward
fixes the flagged cells and sends this same file again. Text we write into cells that Excel would
read as a formula (= + - @) is stored as text.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from transforms.config.framework import Framework
from transforms.intake import guards
from transforms.intake.parse import (
    EVENT_HEADERS,
    KNOWN_HEADERS,
    LONG_INDICATOR_HEADERS,
    LONG_VALUE_HEADERS,
    REGION_CODE_HEADERS,
    REGION_NAME_HEADERS,
    TENURE_HEADERS,
    decode_text,
    header_text,
    sniff_delimiter,
    split_unit,
)
from transforms.intake.safe_cells import neutralise
from transforms.runtime.home import private_dir, write_atomically

AUTHOR = "考核办数据审核"
SHEET = "审核问题清单"
FILLS = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
NO_FILL = PatternFill(fill_type=None)
# derived columns of the roster and event checks -> the header of the cell to fix
DERIVED_HEADERS = {"seat_known": "行政区划代码", "region_known": "行政区划代码", "overlaps": "任职开始",
                   "gap_days": "任职结束", "end_or_max": "任职结束", "event_year": "事件日期", "start_date": "任职开始"}
PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d+)?")


def write_text(cell: Cell, value: object) -> None:
    """Write a value; strings Excel would evaluate (= + - @) are stored and kept as text."""
    cell.value = value
    neutralise(cell)


def _csv_workbook(raw: bytes, file_name: str) -> openpyxl.Workbook:
    """A CSV as a one-sheet workbook, each record on the row of its line number (as parsed)."""
    text, _, _ = decode_text(raw, file_name)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text, file_name))
    code_cols: set[int] = set()
    for cells in reader:
        row = reader.line_num
        if not code_cols and any(c.strip() in REGION_CODE_HEADERS for c in cells):
            code_cols = {j for j, c in enumerate(cells) if c.strip() in REGION_CODE_HEADERS}
        for j, value in enumerate(cells):
            v = value.strip()
            if v and j not in code_cols and PLAIN_NUMBER.fullmatch(v):
                ws.cell(row=row, column=j + 1, value=float(v) if "." in v else int(v))
            elif value != "":
                write_text(ws.cell(row=row, column=j + 1), value)
    return wb


def _layout(ws: Worksheet, header_row: int | None, two_rows: bool) -> tuple[int | None, dict[str, int]]:
    """Header row and header text -> column: the row the parser read (a header over two rows: both
    rows' texts), else found as the parser finds it."""
    if header_row is None:
        for r, values in enumerate(ws.iter_rows(min_row=1, max_row=30, values_only=True), start=1):
            if any(header_text(str(v)) in KNOWN_HEADERS for v in values if v is not None):
                header_row = r
                break
        else:
            return None, {}
    headers: dict[str, int] = {}
    for r in range(header_row, header_row + (2 if two_rows else 1)):
        for j, v in enumerate(next(ws.iter_rows(min_row=r, max_row=r, values_only=True), ()), start=1):
            headers.setdefault(header_text(str(v)) if v is not None else "", j)
    return header_row, headers


def _column(item: dict, rule: dict, headers: dict[str, int], fw: Framework) -> int | None:
    """The column of the cell a failure is about: where the parser found it, else by its header."""
    if item.get("column_letter"):
        return column_index_from_string(item["column_letter"])
    if item.get("column") in headers:
        return headers[item["column"]]
    code = item.get("indicator")
    if code:
        if LONG_INDICATOR_HEADERS & set(headers):  # long form: the value cell of that row
            return next((headers[h] for h in LONG_VALUE_HEADERS if h in headers), None)
        names = {code} | {i.name for i in fw.reported_items if i.code == code}
        return next((j for h, j in headers.items() if h and split_unit(h)[0] in names), None)
    by_key = {v: k for k, v in {**EVENT_HEADERS, **TENURE_HEADERS}.items()}
    header = DERIVED_HEADERS.get(rule.get("column") or "") or by_key.get(rule.get("column") or "")
    if header in headers:
        return headers[header]
    return next((headers[h] for h in [*REGION_CODE_HEADERS, *REGION_NAME_HEADERS] if h in headers), None)


def _clear_previous(wb: openpyxl.Workbook) -> None:
    """A resubmitted annotated copy: drop our earlier marks before adding the new ones."""
    if SHEET in wb.sheetnames:
        del wb[SHEET]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == AUTHOR:
                    cell.comment = None
                    cell.fill = NO_FILL


def annotate_workbook(raw: bytes, file_name: str, report: dict, fw: Framework, out_dir: Path) -> Path | None:
    """Write `<file>_审核标注.xlsx` into `out_dir` if the file has failures; None if none or unreadable."""
    failures = [(rule, item) for rule in report["rules"] for item in (rule["rows"] or [{}])]
    if not failures:
        return None
    suffix = Path(file_name).suffix.lower()
    if guards.file_refusal(raw, file_name):  # too large, a bomb, encrypted: never load it whole
        return None
    try:
        if suffix in (".xlsx", ".xlsm"):
            wb = openpyxl.load_workbook(io.BytesIO(raw), keep_vba=suffix == ".xlsm")
        elif suffix in (".csv", ".txt"):
            wb = _csv_workbook(raw, file_name)
        else:
            return None
    except Exception as exc:  # an unreadable file has its answer in the report already
        logging.getLogger(__name__).warning("审核标注副本未生成 / no annotated copy of %s: %s", file_name, exc)
        return None
    _clear_previous(wb)
    ws = wb[report["sheet"]] if report.get("sheet") in wb.sheetnames else wb.worksheets[0]  # the sheet read
    header_row, headers = _layout(ws, report.get("header_row"), "表头占两行" in (report.get("sheet_reason") or ""))
    notes: dict[tuple[int, int], list[str]] = {}
    worst: dict[tuple[int, int], str] = {}
    listing = []
    for rule, item in failures:
        col = _column(item, rule, headers, fw) if headers else None
        row = item.get("row") or (header_row if item.get("column") else None)
        cell = (row, col) if row and col else None
        if cell:
            text = f"【{'错误' if rule['severity'] == 'error' else '警告'}】{rule['rule']}"
            text += f"\n期望: {rule['expected']}" if rule.get("expected") else ""
            text += f"\n说明: {item['note']}" if item.get("note") else ""
            text += f"\n修改方法: {rule['fix']}" if rule.get("fix") else ""
            notes.setdefault(cell, []).append(text)
            worst[cell] = "error" if "error" in (worst.get(cell), rule["severity"]) else "warning"
        listing.append([rule["severity_text"], rule["rule_id"], rule["rule"],
                        f"{get_column_letter(col)}{row}" if cell else "—", row, item.get("region_name")
                        or item.get("region_code"), item.get("indicator_name") or item.get("indicator"),
                        item.get("value"), item.get("note"), rule.get("expected"), rule.get("fix")])
    merged = {(r, c): rng for rng in ws.merged_cells.ranges
              for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col, rng.max_col + 1)}
    for (row, col), texts in notes.items():
        severity = worst[(row, col)]
        if (row, col) in merged:  # a merged cell takes its comment and fill on the range's first cell
            row, col = merged[(row, col)].min_row, merged[(row, col)].min_col
        c = ws.cell(row=row, column=col)
        old = c.comment.text + "\n\n" if c.comment is not None else ""
        c.comment = Comment(old + "\n\n".join(texts), AUTHOR, width=360, height=max(120, 60 * len(texts)))
        c.fill = FILLS[severity]
    _write_listing(wb.create_sheet(SHEET), report, listing, ws.title)
    stem = re.sub(r"[^\w.\-]", "_", Path(Path(file_name).name).stem)[:80] or "submission"
    path = private_dir(out_dir) / f"{stem}_审核标注{'.xlsm' if suffix == '.xlsm' else '.xlsx'}"
    buffer = io.BytesIO()
    wb.save(buffer)
    write_atomically(path, buffer.getvalue())  # 0640: the workbook holds a department's official data
    return path


def _write_listing(ws: Worksheet, report: dict, listing: list[list], data_sheet: str) -> None:
    verdict = {"accepted": "通过", "held": "待确认"}.get(report["status"], "未通过(退回)")
    write_text(ws.cell(row=1, column=1), f"审核问题清单 — {report['file_name']}(第 {report['version'] or '-'} 版): "
                                         f"{verdict}, 错误 {report['errors']} 项, 警告 {report['warnings']} 项")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    write_text(ws.cell(row=2, column=1), f"在工作表“{data_sheet}”中按批注逐格修改(红色为错误, 黄色为警告), 保存后重新报送"
                                         "本文件即可。本工作表不会被读取。")
    header = ["序号", "类别", "规则编号", "规则", "单元格", "行", "县(市、区)", "指标", "填报值", "说明", "期望", "修改方法"]
    for j, h in enumerate(header, start=1):
        ws.cell(row=4, column=j, value=h).font = Font(bold=True)
    for n, values in enumerate(listing, start=1):
        for j, v in enumerate([n, *values], start=1):
            write_text(ws.cell(row=4 + n, column=j), v)
    for j, width in enumerate([6, 10, 28, 40, 8, 6, 12, 24, 14, 40, 30, 40], start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "A5"
