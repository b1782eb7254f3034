"""Writing text into workbooks we hand out without it becoming a formula (CSV/formula injection).

openpyxl stores any string that starts with `=` as a formula, and Excel evaluates text starting
with `=`, `+`, `-` or `@` typed into a cell. Text that reaches a workbook we write (county and
department names, values as submitted, messages) is stored as a string cell with Excel's
quote prefix (the cell shows its text; editing it does not turn it into a formula). The text
itself is not changed, so a workbook filled in and sent back reads the same values.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(cell: Cell) -> Cell:
    """Make a text cell that could be read as a formula a plain string with a quote prefix."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def append_row(ws: Worksheet, values: Iterable[object]) -> None:
    """`ws.append` whose text cells are neutralised. Risky strings become ready-made cells, so a
    sheet of thousands of rows is not rescanned row by row."""
    row: list[object] = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
            value = neutralise(Cell(ws, value=value))
        row.append(value)
    ws.append(row)


FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes that depend on its content only: openpyxl stamps the document
    properties and every zip entry with the current time, so the same sheet saved twice would differ
    (a re-run that changes nothing must rewrite no file)."""
    wb.properties.created = wb.properties.modified = datetime(*FIXED_ZIP_TIME)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl writes 'modified' as now() regardless
                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*<", rb"<dcterms:modified\1>2025-01-01T00:00:00Z<", data)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()
