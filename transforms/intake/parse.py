"""Turn a department's file (CSV in any Chinese encoding, or XLSX) into tidy frames.

Departments send what their Excel produced: GBK CSVs, title rows above the header, units in the
header, `85%` (typed in Excel, that is 0.85 in a percent-formatted cell), `1,234.5`, full-width
digits, `—` with a reason in a 备注 column. Parsing never guesses silently: the encoding, the
sheet, the header row and every column's interpretation are recorded, an encoding that only a
guess could settle is flagged, and anything it cannot read becomes a `Problem` with file, row
and column, which the steward sees in Chinese.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl

from transforms.config.framework import Framework
from transforms.intake import guards

REGION_CODE_HEADERS = {"行政区划代码", "地区代码", "区划代码", "region_code"}
REGION_NAME_HEADERS = {"县(市、区)", "县（市、区）", "地区", "地区名称", "县市区", "region_name"}
EVENT_HEADERS = {"事件日期": "event_date", "事件类型": "kind", "事件描述": "description", "事件编号": "event_id", "严重程度": "severity"}
TENURE_HEADERS = {"干部编号": "cadre_id", "姓名": "name", "职务": "post", "任职开始": "start_date",
                  "任职结束": "end_date", "是否代理": "acting"}
OPTIONAL_HEADERS = {"单位": "department"}  # tenures: the department a 部门主要负责人 heads
# What a file says about itself, checked against the inbox folder it came in (year, department)
DECLARATION_HEADERS = {"年度", "年份", "报送年度", "填报单位", "报送单位"}
LONG_INDICATOR_HEADERS = {"指标代码", "指标名称"}
LONG_VALUE_HEADERS = ("数值", "指标值", "值")
# the reason for a missing value (or any remark on the row); kept with each observation as its note
NOTE_HEADERS = ("缺失原因说明", "缺失原因", "原因说明", "情况说明", "备注", "说明", "note")
OBSERVATION_COLUMNS = ["row", "region_code", "region_name", "indicator_code", "value", "raw_text", "note"]
MISSING_TOKENS = ["", "—", "——", "-", "--", "/", "／", "无", "NA", "N/A", "null"]
# sheets a workbook may carry besides the data (our own template has the first two)
NON_DATA_SHEET_PREFIXES = ("填报说明", "参考", "说明", "目录", "封面", "审核问题清单")  # the last: our annotated copy
HEADER_SEARCH_ROWS = 30
# a row holding one of these is the header row
KNOWN_HEADERS = REGION_CODE_HEADERS | REGION_NAME_HEADERS | set(TENURE_HEADERS)
_FULLWIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"．": ".", "，": ",", "－": "-", "％": "%", "＋": "+",
                                                            "\u2212": "-"}  # U+2212 minus sign
# a number as people write it: optional sign, thousands separators only in groups of three (so a
# decimal comma such as `85,5` is refused rather than read as 855), decimals, exponent, percent
_NUMBER_RE = r"^[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?([eE][+-]?\d+)?%?$"
# headers whose presence confirms a reading of a CSV's bytes (non-ASCII, so they tell encodings apart)
_CONFIRMING_HEADERS = sorted(h for h in REGION_CODE_HEADERS | REGION_NAME_HEADERS | set(TENURE_HEADERS)
                             | set(EVENT_HEADERS) if not h.isascii())


class ParseError(ValueError):
    """The file cannot be read as a table at all (message in Chinese, names the file)."""

    def __init__(self, message: str, rule_id: str = "file.unreadable",
                 fix: str = "用 Excel 打开并另存后重新报送") -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.fix = fix


@dataclass
class Problem:
    """A finding of parsing: same shape as a failed expectation so stewards see one list."""

    rule_id: str
    severity: str  # "error" | "warning"
    message: str
    row: int | None = None
    column: str | None = None
    expected: str | None = None
    fix: str | None = None
    found: str | None = None  # the cell's text as submitted


@dataclass
class ParsedSubmission:
    kind: str  # "indicators" | "events" | "tenures"
    file_name: str
    encoding: str | None
    header_row: int
    # indicators: long observations (row, region_code, region_name, indicator_code, value, raw_text, note);
    # events/tenures: one row per data row. `row` is the row number as the steward sees it.
    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None  # XLSX: the sheet the data was read from
    # (row, source, text): the title rows above the header and any 年度/填报单位 cells
    declared: list[tuple[int, str, str]] = field(default_factory=list)
    sheet_reason: str | None = None  # why this sheet (XLSX) or how the text was split (CSV), for the steward
    # (row, role, text): the signature block under the table (填报人, 审核人, 联系电话, 填报日期)
    signatures: list[tuple[int, str, str]] = field(default_factory=list)
    # what each column holds -> (header text, column letter), so every message can name its cell:
    # "region_code"/"region_name", an indicator code, or an event/roster field (event_date, start_date, …)
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Grid:
    frame: pl.DataFrame  # all cells as strings, columns c0.., plus `row` (line or sheet row number)
    encoding: str | None = None
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)
    reason: str | None = None  # why this sheet / this delimiter
    hidden: list[str] = field(default_factory=list)  # hidden sheets that hold a table (never read silently)


def decode_text(raw: bytes, file_name: str) -> tuple[str, str, Problem | None]:
    """Detect UTF-8 (with or without BOM) or GB18030 (a superset of GBK); refuse anything else.

    When the bytes are valid in both encodings (short Chinese text often is), the reading that
    contains one of the expected Chinese headers wins; if neither or both do, UTF-8 is used and a
    warning says so, so the choice is never silent.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig", None
        except UnicodeDecodeError as exc:
            raise ParseError(f"文件 {file_name}: 文件声明为 UTF-8(带 BOM), 但第 {exc.start + 3} 字节附近不是有效的 UTF-8。"
                             "请在 Excel 中另存为“CSV UTF-8”后重新报送。") from None
    readings: dict[str, str] = {}
    error: UnicodeDecodeError | None = None
    for encoding in ("utf-8", "gb18030"):
        try:
            readings[encoding] = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            error = error or exc
    if not readings:
        raise ParseError(
            f"文件 {file_name}: 无法识别文字编码(既不是 UTF-8 也不是 GBK/GB18030), 第 {error.start} 字节附近出错。"
            "请在 Excel 中另存为“CSV UTF-8”或“CSV(逗号分隔)”后重新报送。")
    if len(readings) == 1 or readings["utf-8"] == readings["gb18030"]:  # one candidate, or plain ASCII
        encoding = next(iter(readings))
        return readings[encoding], encoding, None
    confirmed = [e for e, text in readings.items() if any(h in text[:5000] for h in _CONFIRMING_HEADERS)]
    if len(confirmed) == 1:
        return readings[confirmed[0]], confirmed[0], None
    utf8_sample = "".join(c for c in readings["utf-8"] if ord(c) > 127)[:12]
    gbk_sample = "".join(c for c in readings["gb18030"] if ord(c) > 127)[:12]
    return readings["utf-8"], "utf-8", Problem(
        "file.encoding_ambiguous", "warning",
        f"文件 {file_name}: 文字编码无法唯一确定, 按 UTF-8 读作“{utf8_sample}”, 按 GBK 则为“{gbk_sample}”; 已按 UTF-8 读取。",
        expected="表头含“行政区划代码”等中文列名的 UTF-8 或 GBK 文件",
        fix="核对报告中的中文是否正确; 如为乱码, 请在 Excel 中另存为“CSV UTF-8”后重新报送")


@dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool
    has_header: bool  # a recognisable header in its first rows


def header_text(value: str | None) -> str:
    """A header cell as compared: line breaks typed with Alt+Enter (and the spaces around them) removed."""
    return re.sub(r"\s*[\r\n]+\s*", "", value or "").strip()


def column_letter(column: str) -> str:
    """`c2` (the grid's third column) -> `C`, the letter the steward sees in Excel."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(int(column[1:]) + 1)


def _names_other_year(name: str, year: int | None) -> bool:
    return year is not None and any(int(y) != year for y in re.findall(r"(?:19|20)\d{2}", name))


def _sheet_list(sheets: list[SheetInfo]) -> str:
    return "、".join(f"“{s.name}”({'可见' if s.visible else '隐藏'}{'' if s.has_header else ', 无表头'})" for s in sheets)


def choose_sheet(sheets: list[SheetInfo], file_name: str, configured: str | None = None,
                 prefer: tuple[str, ...] = (), year: int | None = None) -> tuple[str, str]:
    """The data sheet and why, by unambiguous rules only: the department's configured sheet; else the
    one visible sheet named for the year, the department or 考核数据; else the only visible sheet
    with a header. Anything else (two candidates, data only on a hidden sheet) is refused, listing
    the sheets, because reading the wrong one would score last year's or a draft's numbers."""
    names = [s.name for s in sheets]
    if configured:
        if configured in names:
            hidden = not next(s for s in sheets if s.name == configured).visible
            return configured, f"部门约定的数据工作表“{configured}”" + ("(该工作表为隐藏工作表)" if hidden else "")
        raise ParseError(f"文件 {file_name}: 找不到约定的数据工作表“{configured}”; 工作簿中的工作表为: {'、'.join(names)}。"
                         f"请将数据放在名为“{configured}”的工作表中后重新报送。", "file.sheet",
                         f"将数据工作表命名为“{configured}”")
    tables = [s for s in sheets if s.has_header and not s.name.strip().startswith(NON_DATA_SHEET_PREFIXES)
              and "说明" not in s.name]
    visible = [s for s in tables if s.visible]
    hidden = [s for s in tables if not s.visible]
    hidden_note = f"; 隐藏工作表{'、'.join(f'“{s.name}”' for s in hidden)}未读取" if hidden else ""
    marks = tuple(p for p in prefer if p) + ("考核数据",)
    named = [s for s in visible if not _names_other_year(s.name, year)
             and ((year is not None and str(year) in s.name) or any(m in s.name for m in marks))]
    if len(named) > 1 and year is not None:
        named = [s for s in named if str(year) in s.name] or named
    fix = (f"删除多余的工作表(或把数据复制到新工作簿), 或将数据工作表命名为“{year or ''}年”"
           + (f"或“{prefer[0]}”" if prefer else "") + "后重新报送")
    if len(named) == 1:
        s = named[0]
        why = f"工作表名含“{year}”" if year is not None and str(year) in s.name else "工作表名含本部门名称或“考核数据”"
        return s.name, why + hidden_note
    if not named and len(visible) == 1 and not _names_other_year(visible[0].name, year):
        return visible[0].name, "工作簿中唯一含表头的可见工作表" + hidden_note
    if not visible and hidden:
        raise ParseError(f"文件 {file_name}: 数据表在隐藏工作表{'、'.join(f'“{s.name}”' for s in hidden)}上, 可见工作表中"
                         f"没有数据表; 隐藏的工作表不会被自动读取。工作簿中的工作表: {_sheet_list(sheets)}。",
                         "file.sheet_hidden", "在 Excel 中右键工作表标签 → 取消隐藏, 删除不用的工作表后重新报送")
    if visible or hidden:
        raise ParseError(f"文件 {file_name}: 无法确定数据在哪个工作表: {_sheet_list(sheets)}"
                         + ("; 都不是以本年度或本部门命名的唯一工作表" if visible else "")
                         + f"。请{fix}。", "file.sheet_ambiguous", fix)
    # no table anywhere: read the first visible non-instructions sheet, whose header search explains
    plain = [s for s in sheets if s.visible and not s.name.strip().startswith(NON_DATA_SHEET_PREFIXES)]
    return (plain or sheets)[0].name, "工作簿中未找到含表头的工作表, 读取第一个工作表"


def _is_header(cells: list[str]) -> bool:
    return any(header_text(c) in KNOWN_HEADERS for c in cells)


def _cell_text(cell) -> str | None:
    """An XLSX cell as the text the steward sees; percent-formatted numbers keep their `%`."""
    value = cell.value
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        number = Decimal(repr(value))  # repr: shortest round-trip form, no float noise added
        if "%" in (getattr(cell, "number_format", None) or ""):
            return f"{(number * 100).normalize():f}%"
        return f"{number.normalize():f}" if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _to_frame(rows: list[list[str | None]], numbers: list[int]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    grid = pl.DataFrame(columns, schema={c: pl.String for c in columns})
    return grid.with_columns(pl.Series("row", numbers, dtype=pl.Int64))


def _xlsx_grid(raw: bytes, file_name: str, sheet: str | None, prefer: tuple[str, ...], year: int | None) -> Grid:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for corrupt files
        raise ParseError(f"文件 {file_name}: 不是可读取的 Excel 工作簿({type(exc).__name__}: {exc})。"
                         "请用 Excel 打开确认后另存为 .xlsx 重新报送。") from None
    try:
        infos = []
        for ws in wb.worksheets:
            ws.reset_dimensions()  # trust the cells, not the (often wrong) stored dimensions
            head = [[_cell_text(c) or "" for c in r] for r in ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS)]
            infos.append(SheetInfo(ws.title, ws.sheet_state == "visible", any(_is_header(r) for r in head)))
        name, reason = choose_sheet(infos, file_name, sheet, prefer, year)
        rows = [[_cell_text(c) for c in r] for r in wb[name].iter_rows(min_row=1)]
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"文件 {file_name}: Excel 工作簿内容无法读取({type(exc).__name__}: {exc})。"
                         "请用 Excel 打开确认后另存为 .xlsx 重新报送。") from None
    finally:
        wb.close()
    hidden = [i.name for i in infos if not i.visible and i.has_header and i.name != name]
    return Grid(_to_frame(rows, list(range(1, len(rows) + 1))), None, name, reason=reason, hidden=hidden)


DELIMITER_NAMES = {",": "逗号", "\t": "制表符(Tab)", ";": "分号", "|": "竖线"}


def sniff_delimiter(text: str, file_name: str) -> str:
    """The character separating a CSV's columns: a comma; a tab when only a tab split gives a
    recognisable header (Excel's “文本文件(制表符分隔)” saved as .csv). Any other separator is
    refused naming it, since a file written with it may also write decimal commas."""
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    for delimiter in (",", "\t", ";", "|"):
        if any(_is_header(next(csv.reader([line], delimiter=delimiter), [])) for line in lines if line.strip()):
            if delimiter in (",", "\t"):
                return delimiter
            raise ParseError(f"文件 {file_name}: 各列以{DELIMITER_NAMES[delimiter]}“{delimiter}”分隔, 不是逗号分隔的 CSV 文件"
                             "(可能按欧洲区域设置导出, 数值中的逗号可能是小数点)。", "file.delimiter",
                             "在 Excel 中打开后另存为“CSV UTF-8(逗号分隔)”, 或直接报送 .xlsx 工作簿")
    return ","


def read_grid(raw: bytes, file_name: str, sheet: str | None = None, prefer: tuple[str, ...] = (),
              year: int | None = None) -> Grid:
    """Read any supported file into a grid of strings with the sheet/line number in `row`."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_grid(raw, file_name, sheet, prefer, year)
    if suffix in (".csv", ".txt"):
        text, encoding, problem = decode_text(raw, file_name)
        delimiter = sniff_delimiter(text, file_name)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows, line_numbers = [], []
        try:
            for cells in reader:
                rows.append(cells)
                line_numbers.append(reader.line_num)
        except csv.Error as exc:
            raise ParseError(f"文件 {file_name} 第 {reader.line_num} 行: CSV 格式错误({exc})。") from None
        reason = "各列以制表符(Tab)分隔, 已按制表符读取" if delimiter == "\t" else None
        return Grid(_to_frame(rows, line_numbers), encoding, None, [problem] if problem else [], reason)
    raise ParseError(f"文件 {file_name}: 不支持的文件类型 {suffix or '(无扩展名)'}, 请报送 .xlsx 或 .csv 文件。")


def normalize_unit(unit: str) -> str:
    """`（％）`, ` 万 亩 ` and `％` are the units `%` and `万亩`."""
    for wide, narrow in _FULLWIDTH.items():
        unit = unit.replace(wide, narrow)
    return re.sub(r"\s+", "", unit)


def split_unit(header: str) -> tuple[str, str | None]:
    """`森林覆盖率(%)` -> (`森林覆盖率`, `%`); `PM2.5` stays whole. The unit is the last bracketed group,
    brackets inside it balanced, so a framework's unit is read verbatim whatever it holds:
    `人均GDP(2017 PPP $)`, `人均排放(kg/(人·a))`, `人均GDP(现价)(万元/人)` (name `人均GDP(现价)`)."""
    text = header.strip()
    depth = 0
    for k in range(len(text) - 1, -1, -1) if text[-1:] in ")）" else ():
        depth += (text[k] in ")）") - (text[k] in "(（")
        if depth == 0:
            name, unit = text[:k].strip(), text[k + 1:-1]
            return (name, normalize_unit(unit)) if name and unit.strip() else (text, None)
    return text, None


def column_header(item) -> str:
    """The header our template writes for an indicator: its name and its unit verbatim (`split_unit`
    reads it back; an item without a unit is its name alone)."""
    return f"{item.name}({item.unit})" if item.unit.strip() else item.name


def _indicator_of(header: str, by_name: dict) -> tuple[object | None, str | None]:
    """The indicator a wide-form header names and the unit it declares; a name that itself ends in
    brackets, written without a unit, is the whole header."""
    label, unit = split_unit(header)
    if label in by_name:
        return by_name[label], unit
    return by_name.get(header.strip()), None


def _clean(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().str.replace_many(_FULLWIDTH)


def _cell(expr: pl.Expr) -> pl.Expr:
    """A text cell, cleaned; blank is missing (a CSV gives "" where Excel gives nothing)."""
    cleaned = _clean(expr)
    return pl.when(cleaned == "").then(None).otherwise(cleaned)


def parse_numbers(col: pl.Expr, factor: pl.Expr | float = 1.0, percent_factor: pl.Expr | float | None = 1.0
                  ) -> pl.Expr:
    """Vectorized: `1,234.5` / `８５．２` / `85%` -> float in the canonical unit; junk -> null.

    `factor` converts the column's declared unit; a value written with `%` is a percentage
    whatever the column says and is converted with `percent_factor` (from % to the canonical
    unit; None when no such conversion exists, which makes the value unreadable)."""
    cleaned = _clean(col).str.replace_all(r"\s", "")
    number = cleaned.str.replace_all(",", "").str.strip_suffix("%").cast(pl.Float64, strict=False)
    pct = pl.lit(None, pl.Float64) if percent_factor is None else percent_factor
    scaled = pl.when(cleaned.str.ends_with("%")).then(number * pct).otherwise(number * factor)
    return pl.when(cleaned.str.contains(_NUMBER_RE) & ~cleaned.is_in(MISSING_TOKENS)).then(scaled).otherwise(None)


def _repaired(text: str) -> str | None:
    """Text garbled by a wrong code page (UTF-8 bytes shown as GBK or Latin-1 and saved again), undone."""
    for codec in ("gb18030", "cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text:
            return fixed
    return None


def _header_causes(grid: Grid, file_name: str) -> list[str]:
    """Why no header was found, as far as the grid shows it: the likely causes a steward can act on."""
    data_cols = [c for c in grid.frame.columns if c != "row"]
    head = [[v or "" for v in r] for r in grid.frame.head(HEADER_SEARCH_ROWS).select(data_cols).iter_rows()]
    causes = []
    garbled = next((c for r in head for c in r if c and (fixed := _repaired(c)) and _is_header([fixed])), None)
    if garbled:
        causes.append(f"文字经过错误的编码转换成了乱码(表头“{garbled[:20]}”原应为“{_repaired(garbled)}”): 请从原始文件"
                      "重新另存为“CSV UTF-8(逗号分隔)”或 .xlsx")
    for upper, lower in zip(head, head[1:]):
        joined = [header_text(a) + header_text(b) for a, b in zip(upper, lower)]
        if _is_header(joined):
            causes.append("表头分成了上下两行(如“行政区划”在一行、“代码”在下一行): 请把表头合并为一行")
            break
    if Path(file_name).suffix.lower() in (".csv", ".txt") and data_cols:
        text = "\n".join(r[0] for r in head if r and r[0])
        for delimiter in (";", "\t", "|"):
            if text.count(delimiter) >= 2:
                causes.append(f"各列似乎以{DELIMITER_NAMES[delimiter]}分隔: 请另存为“CSV UTF-8(逗号分隔)”")
                break
    if grid.hidden:
        causes.append(f"表头在隐藏工作表{'、'.join(f'“{h}”' for h in grid.hidden)}上: 请取消隐藏并删除不用的工作表")
    return causes


def _locate_header(grid: Grid, file_name: str) -> tuple[int, list[str]]:
    frame = grid.frame
    data_cols = [c for c in frame.columns if c != "row"]
    for i, values in enumerate(frame.head(HEADER_SEARCH_ROWS).select(data_cols).iter_rows()):
        cells = [header_text(v) for v in values]
        if _is_header(cells):
            return i, cells
    causes = _header_causes(grid, file_name)
    where = f"文件 {file_name}" + (f"(工作表“{grid.sheet}”)" if grid.sheet else "")
    raise ParseError(f"{where}: 前 {HEADER_SEARCH_ROWS} 行中找不到表头(应含“行政区划代码”或“县(市、区)”列)。"
                     + (f"可能的原因: {'; '.join(causes)}。" if causes else "请使用下发的填报模板。"),
                     "file.no_header", causes[0].split(": ")[-1] if causes else "使用下发的填报模板")


def _second_header_row(body: pl.DataFrame, headers: list[str], data_cols: list[str], framework: Framework,
                       units: dict[tuple[str, str], float], file_name: str, header_row: int) -> list[str] | None:
    """A header over two rows (a category row whose merged cells hold 行政区划代码/县(市、区), the
    indicators or their units in the row below): the combined header, or None if the next row is
    data. A second row that is neither indicators nor units is refused, not guessed at."""
    if body.is_empty():
        return None
    lower = [header_text(v) for v in body.select(data_cols).row(0)]
    region_cols = [j for j, h in enumerate(headers) if h in REGION_CODE_HEADERS | REGION_NAME_HEADERS]
    if any(lower[j] for j in region_cols) or not any(lower):
        return None  # a data row names its county
    numbers = body.head(1).select(parse_numbers(pl.col(c)).is_not_null() | _cell(pl.col(c)).is_in(MISSING_TOKENS)
                                  for c in data_cols).row(0)
    text = [j for j, v in enumerate(lower) if v and not numbers[j]]
    if not text:
        return None  # values without a county: left to the region rules
    names = {i.name for i in framework.reported_items} | {i.code for i in framework.reported_items}
    known_units = {u for pair in units for u in pair} | {normalize_unit(i.unit) for i in framework.reported_items}
    combined = list(headers)
    for j in text:
        label, unit = split_unit(lower[j])
        if label in names:
            combined[j] = lower[j]
        elif normalize_unit(lower[j].strip("()（）")) in known_units and headers[j]:  # a units row: `%`, `(万亩)`
            combined[j] = f"{headers[j]}({normalize_unit(lower[j].strip('()（）'))})"
        else:
            raise ParseError(
                f"文件 {file_name}: 表头占两行(第 {header_row} 行和第 {header_row + 1} 行), 第 {header_row + 1} 行 "
                f"{column_letter(data_cols[j])} 列为“{lower[j]}”, 既不是本指标体系的指标名称也不是计量单位, 无法确定各列的含义。",
                "header.two_rows", "把表头合并为一行: 每列一个表头“指标名称(单位)”, 例如“森林覆盖率(%)”")
    return combined


# the signature block a department puts under its table (and footnotes): a row starting with one of
# these is the file's declaration, not data, and so is every row below it
SIGNATURE_LABELS = ("单位负责人", "统计负责人", "填报人", "填表人", "制表人", "审核人", "负责人", "联系人", "联系电话",
                    "电话", "手机", "填报日期", "填表日期", "制表日期", "报送日期", "填报单位(盖章)", "填报单位（盖章）",
                    "报送单位(盖章)", "报送单位（盖章）", "盖章", "注")
# a label, then its value up to the next label: `填报人：王芳  联系电话：0797-8123456`, or label and value in
# neighbouring cells without a colon (`填报人 | 王芳`)
_SIGNATURE_RE = re.compile("(" + "|".join(re.escape(label) for label in SIGNATURE_LABELS) + r")\s*[:：]?")


def _split_footer(body: pl.DataFrame, data_cols: list[str]) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
    """The table's rows, and (row, role, text) of the signature block under it (blank fields left out:
    the template's empty 填报人：____ lines are accepted as they are)."""
    first = body.select("row", pl.coalesce(_cell(pl.col(c)) for c in data_cols).str.replace_all(r"\s", "")
                        .alias("first"))
    starts = first.filter(pl.col("first").str.contains("^(" + "|".join(map(re.escape, SIGNATURE_LABELS)) + ")([:：]|$)"))
    if starts.is_empty():
        return body, []
    at = starts["row"][0]
    signed = []
    for values in body.filter(pl.col("row") >= at).select("row", *data_cols).iter_rows():
        text = " ".join(v.strip() for v in values[1:] if v and v.strip())
        parts = _SIGNATURE_RE.split(text)
        if len(parts) == 1:  # a row without labels inside the block: keep its text
            parts = ["", "备注", text]
        for role, value in zip(parts[1::2], parts[2::2]):
            value = value.strip().strip("_＿ ").strip()
            if value:
                signed.append((values[0], role, value))
    return body.filter(pl.col("row") < at), signed


DATE_FORMS = "2025-03-01、2025/3/1、2025.3.1、2025年3月1日, 或 Excel 的日期单元格"
_DATE_RE = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"


def iso_dates(expr: pl.Expr) -> pl.Expr:
    """`2025年3月1日`, `2025/3/1`, `2025.03.01` -> `2025-03-01`; anything else (a month without a day,
    `2022.12`; an impossible day) -> null, refused by the caller rather than guessed."""
    t = _clean(expr).str.replace_all(r"\s+", " ")
    y, m, d = (t.str.extract(_DATE_RE, n) for n in (1, 2, 3))
    text = pl.concat_str([y, m.str.zfill(2), d.str.zfill(2)], separator="-")
    return text.str.to_date("%Y-%m-%d", strict=False).cast(pl.String)


def _date_problems(body: pl.DataFrame, named: dict[str, str], file_name: str, sheet: str | None
                   ) -> tuple[dict[str, pl.Expr], list[Problem]]:
    """ISO dates for the date columns present (by key), and a problem per cell that is not a whole date."""
    exprs, problems = {}, []
    for header, key in {**EVENT_HEADERS, **TENURE_HEADERS}.items():
        if not key.endswith("_date") or header not in named:
            continue
        col = named[header]
        bad = body.select("row", _cell(pl.col(col)).alias("text"), iso_dates(pl.col(col)).alias("iso")) \
            .filter(pl.col("text").is_not_null() & pl.col("iso").is_null())
        for row, text, _ in bad.iter_rows():
            month_only = re.fullmatch(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*月?", text) is not None
            problems.append(Problem(
                "date.format", "error", f"{_where(file_name, sheet, row, col, header)}: 日期“{text}”无法识别"
                + ("(只写到月份, 缺少日)" if month_only else "") + "。", row, header,
                f"完整的日期, 可用写法: {DATE_FORMS}", "写出完整的年、月、日", text))
        exprs[key] = iso_dates(pl.col(col)).alias(key)
    return exprs, problems


def _where(file_name: str, sheet: str | None, row: int, col: str, header: str) -> str:
    """`文件 a.xlsx 工作表“数据” 第 3 行 C 列“森林覆盖率(%)”`: the cell as the steward finds it."""
    return f"文件 {file_name}" + (f" 工作表“{sheet}”" if sheet else "") + f" 第 {row} 行 {column_letter(col)} 列“{header}”"


_SCIENTIFIC = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+%?$"


def _scientific_problems(long: pl.DataFrame, cols: dict[str, tuple[str, str]], file_name: str, sheet: str | None
                         ) -> list[Problem]:
    """Numbers written as `1.2E+05` text: Excel shows big numbers so in narrow columns and a CSV saved
    from that keeps only the digits shown, so the value may have lost digits; refused, never read."""
    hits = long.filter(_clean(pl.col("raw_text")).str.replace_all(r"\s", "").str.contains(_SCIENTIFIC))
    return [Problem("value.scientific", "error",
                    f"{_where(file_name, sheet, r['row'], *cols[r['indicator_code']][::-1])}: 数值“{r['raw_text']}”"
                    "为科学计数法, 导出时可能已丢失有效数字。", r["row"], cols[r["indicator_code"]][0],
                    "写出全部数字的数值, 如 120356", "在 Excel 中把该列设为“数值”格式(加宽列)后重新另存, 核对数字完整",
                    r["raw_text"])
            for r in hits.iter_rows(named=True)]


FRACTION_LEVEL = 10.0  # a %-indicator whose floor (valid range or target) is this high is never ≤ 1 everywhere


def _fraction_problems(long: pl.DataFrame, framework: Framework, cols: dict[str, tuple[str, str]], file_name: str,
                       sheet: str | None) -> list[Problem]:
    """A %-column written as fractions (0.85 for 85 %): every value in [0, 1] (none typed with `%`)
    while the indicator's floor (lower valid bound, or a ≥ target) lies far above: refused with the fix."""
    floors = {i.code: max(i.valid_range[0], i.target.value if getattr(i, "target", None) and i.target.value is not None
                          and i.target.op in (">=", ">") else 0.0)
              for i in framework.reported_items if normalize_unit(i.unit) == "%"}
    floors = {c: f for c, f in floors.items() if f >= FRACTION_LEVEL}
    if not floors or long.is_empty():
        return []
    stats = long.filter(pl.col("indicator_code").is_in(list(floors)) & pl.col("value").is_not_null()) \
        .group_by("indicator_code", maintain_order=True).agg(
            pl.col("value").min().alias("lo"), pl.col("value").max().alias("hi"), pl.col("row").min().alias("first"),
            pl.col("row").max().alias("last"), pl.col("raw_text").first().alias("example"),
            pl.col("raw_text").str.contains("%").any().alias("typed_percent"))
    bad = stats.filter((pl.col("lo") >= 0) & (pl.col("hi") <= 1) & (pl.col("hi") > 0) & ~pl.col("typed_percent"))
    problems = []
    for r in bad.iter_rows(named=True):
        ind = next(i for i in framework.reported_items if i.code == r["indicator_code"])
        header, col = cols[r["indicator_code"]]
        problems.append(Problem(
            "value.percent_as_fraction", "error",
            f"{_where(file_name, sheet, r['first'], col, header)}: 指标“{ind.name}”单位为 %, 但第 {r['first']}—{r['last']} 行"
            f"的数值都在 0 到 1 之间(如“{r['example']}”), 而该指标的合理数值不低于 {floors[ind.code]:g}%: "
            "疑为把百分数写成了小数(0.85 应为 85)。", r["first"], header,
            "以百分数填写, 如 85 表示 85%", "把该列数值乘以 100 后填写, 或在 Excel 中把该列设为百分比格式(显示为 85%)",
            r["example"]))
    return problems


def parse_submission(raw: bytes, file_name: str, framework: Framework, units: dict[tuple[str, str], float],
                     sheet: str | None = None, prefer_sheets: tuple[str, ...] = (), year: int | None = None
                     ) -> ParsedSubmission:
    """Parse one file. `units` maps (declared unit, canonical unit) to a multiplication factor;
    `sheet` is the department's configured data sheet, `prefer_sheets` names a sheet may carry,
    `year` the year it was sent for (a sheet named for it is the data sheet)."""
    refused = guards.file_refusal(raw, file_name)  # limits before reading: bombs, oversized, encrypted
    if refused:
        raise ParseError(refused[1], refused[0])
    grid = read_grid(raw, file_name, sheet, prefer_sheets, year)
    if grid.frame.height == 0:
        raise ParseError(f"文件 {file_name}: 文件为空。")
    refused = guards.grid_refusal(grid.frame, file_name)
    if refused:
        raise ParseError(refused[1], refused[0])
    header_idx, headers = _locate_header(grid, file_name)
    body = grid.frame.slice(header_idx + 1)
    data_cols = [c for c in grid.frame.columns if c != "row"]
    # drop rows that are entirely empty (Excel leaves them after the table)
    body = body.filter(pl.any_horizontal([pl.col(c).str.strip_chars().fill_null("") != "" for c in data_cols]))
    header_row = int(grid.frame["row"][header_idx])
    two_rows = _second_header_row(body, headers, data_cols, framework, units, file_name, header_row)
    if two_rows:
        headers, body = two_rows, body.slice(1)
    body, signatures = _split_footer(body, data_cols)
    named = {h: c for h, c in zip(headers, data_cols) if h}
    declared = _declarations(grid.frame.slice(0, header_idx), body, named, data_cols)
    problems: list[Problem] = list(grid.problems)
    reason = "; ".join(r for r in (grid.reason, "表头占两行, 已合并上下两行读取" if two_rows else None) if r) or None
    if body.is_empty():
        problems.append(Problem("table.no_rows", "error", f"文件 {file_name}: 表头(第 {header_row} 行)下面没有数据行。",
                                header_row, None, "每个县(市、区)一行数据", "在表头下方填写数据后重新报送"))
    dupes = sorted({h for h in headers if h and headers.count(h) > 1})
    for h in dupes:
        problems.append(Problem("header.duplicate", "error", f"表头“{h}”重复出现, 无法确定使用哪一列。", header_row, h,
                                "每个表头只出现一次", "删除或合并重复的列"))

    if set(TENURE_HEADERS) & set(named) and "干部编号" in named:
        kind, mapping = "tenures", TENURE_HEADERS
    elif "事件类型" in named:
        kind, mapping = "events", EVENT_HEADERS
    else:
        kind, mapping = "indicators", {}

    code_hdr = next((h for h in headers if h in REGION_CODE_HEADERS), None)
    name_hdr = next((h for h in headers if h in REGION_NAME_HEADERS), None)
    note_hdr = next((h for h in NOTE_HEADERS if h in named), None)
    columns = {key: (h, column_letter(named[h])) for key, h in (("region_code", code_hdr), ("region_name", name_hdr))
               if h}
    cols: list[pl.Expr] = [pl.col("row")]
    cols.append(_cell(pl.col(named[code_hdr])).str.replace(r"\.0$", "").alias("region_code") if code_hdr
                else pl.lit(None, pl.String).alias("region_code"))
    cols.append(_cell(pl.col(named[name_hdr])).alias("region_name") if name_hdr
                else pl.lit(None, pl.String).alias("region_name"))
    out = ParsedSubmission(kind, file_name, grid.encoding, header_row, body.select(cols), problems, grid.sheet, declared, reason,
                           signatures, columns)
    if kind == "indicators":
        cols.append(pl.col(named[note_hdr]).str.strip_chars().replace("", None).alias("note") if note_hdr
                    else pl.lit(None, pl.String).alias("note"))
        is_long = bool(LONG_INDICATOR_HEADERS & set(named)) and bool(set(LONG_VALUE_HEADERS) & set(named))
        base = body.select(cols)
        if is_long:
            long, more = _long_form(body, named, base, framework, units, header_row, file_name)
            value_hdr = next(h for h in LONG_VALUE_HEADERS if h in named)
            where = {i.code: (value_hdr, named[value_hdr]) for i in framework.reported_items}
        else:
            skip = {code_hdr, name_hdr, note_hdr} | set(dupes) | DECLARATION_HEADERS
            long, more = _wide_form(body, named, headers, base, framework, units, header_row, file_name, skip)
            by_name = {i.name: i for i in framework.reported_items} | {i.code: i for i in framework.reported_items}
            where = {ind.code: (h, named[h]) for h in headers
                     if h and h not in skip and (ind := _indicator_of(h, by_name)[0]) is not None}
        problems += more + _scientific_problems(long, where, file_name, grid.sheet) \
            + _fraction_problems(long, framework, where, file_name, grid.sheet)
        out.columns |= {code: (h, column_letter(c)) for code, (h, c) in where.items()
                        if code in set(long["indicator_code"].unique().to_list())}
        out.frame = long
        return out
    out.columns |= {key: (h, column_letter(named[h])) for h, key in {**mapping, **OPTIONAL_HEADERS}.items() if h in named}
    dates, more = _date_problems(body, named, file_name, grid.sheet)
    problems += more
    for header, key in OPTIONAL_HEADERS.items() if kind == "tenures" else ():
        cols.append(_cell(pl.col(named[header])).alias(key) if header in named else pl.lit(None, pl.String).alias(key))
    for header, key in mapping.items():
        if header in named:
            cols.append(dates.get(key, _cell(pl.col(named[header])).alias(key)))
        else:
            cols.append(pl.lit(None, pl.String).alias(key))
            problems.append(Problem("header.missing_column", "error", f"缺少必填列“{header}”。", header_row, header,
                                    f"表头含“{header}”", "使用下发的报送模板"))
    out.frame = body.select(cols)
    return out


def _declarations(above: pl.DataFrame, body: pl.DataFrame, named: dict[str, str], data_cols: list[str]
                  ) -> list[tuple[int, str, str]]:
    """The title rows' text and the distinct values of declaration columns, with their rows."""
    out = [(r[0], "标题", " ".join(v.strip() for v in r[1:] if v and v.strip()))
           for r in above.select("row", *data_cols).iter_rows()]
    for header in sorted(DECLARATION_HEADERS & set(named)):
        found = body.select("row", _clean(pl.col(named[header])).alias("text")).drop_nulls("text") \
            .unique("text", keep="first", maintain_order=True)
        out += [(r, header, t) for r, t in found.iter_rows()]
    return [d for d in out if d[2]]


def _unit_problem(ind, unit: str, row: int, column: str, file_name: str) -> Problem:
    return Problem("header.unknown_unit", "error",
                   f"文件 {file_name} 第 {row} 行“{column}”列: 指标“{ind.name}”的计量单位“{unit}”无法换算为规定单位"
                   f"“{ind.unit}”(data/units.yaml 中没有这一换算)。", row, column,
                   f"单位为“{ind.unit}”或可换算的单位", f"改用“{ind.unit}”并换算数值")


def _wide_form(body: pl.DataFrame, named: dict[str, str], headers: list[str], base: pl.DataFrame,
               framework: Framework, units: dict[tuple[str, str], float], header_row: int, file_name: str,
               skip: set) -> tuple[pl.DataFrame, list[Problem]]:
    """One column per indicator, `名称(单位)` in the header -> long observations."""
    items = framework.reported_items
    by_name = {i.name: i for i in items} | {i.code: i for i in items}
    problems, parts = [], []
    for header in headers:
        if not header or header in skip:
            continue
        ind, unit = _indicator_of(header, by_name)
        if ind is None:
            problems.append(Problem("header.unknown_column", "warning", f"列“{header}”不是本指标体系的指标, 已忽略。",
                                    header_row, header, "表头为模板中的指标名称(单位)", "核对列名; 非考核指标的列可删除"))
            continue
        canonical = normalize_unit(ind.unit)  # the framework's unit verbatim, compared as units.yaml's are
        factor = 1.0 if unit is None or unit == canonical else units.get((unit, canonical))
        if factor is None:
            problems.append(_unit_problem(ind, unit, header_row, header, file_name))
            continue
        percent = 1.0 if canonical == "%" else units.get(("%", canonical))
        src = body.get_column(named[header])
        parts.append(base.with_columns(pl.lit(ind.code).alias("indicator_code"), src.alias("raw_text"),
                                       parse_numbers(pl.lit(src), factor, percent).alias("value")))
    if not parts:
        return _empty_observations(), problems
    return pl.concat(parts).select(OBSERVATION_COLUMNS), problems


def _long_form(body: pl.DataFrame, named: dict[str, str], base: pl.DataFrame, framework: Framework,
               units: dict[tuple[str, str], float], header_row: int, file_name: str
               ) -> tuple[pl.DataFrame, list[Problem]]:
    """One row per (region, indicator): 指标代码/指标名称, 数值, optional 单位."""
    key_hdr = next(h for h in ("指标代码", "指标名称") if h in named)
    value_hdr = next(h for h in LONG_VALUE_HEADERS if h in named)
    items = framework.reported_items
    lookup = pl.DataFrame({"key": [i.code for i in items] + [i.name for i in items],
                           "indicator_code": [i.code for i in items] * 2,
                           "canonical": [normalize_unit(i.unit) for i in items] * 2})
    conv = pl.DataFrame({"unit": [u for u, _ in units], "canonical": [c for _, c in units],
                         "factor": list(units.values())}, schema={"unit": pl.String, "canonical": pl.String,
                                                                  "factor": pl.Float64})
    percent = conv.filter(pl.col("unit") == "%").select("canonical", pl.col("factor").alias("percent"))
    f = base.with_columns(_clean(body.get_column(named[key_hdr]).alias("key")),
                          body.get_column(named[value_hdr]).alias("raw_text"),
                          (_clean(body.get_column(named["单位"])).str.replace_all(r"\s", "")
                           if "单位" in named else pl.lit(None, pl.String)).replace("", None).alias("unit"))
    f = f.join(lookup, on="key", how="left").join(conv, on=["unit", "canonical"], how="left") \
        .join(percent, on="canonical", how="left")
    f = f.with_columns(pl.when(pl.col("unit").is_null() | (pl.col("unit") == pl.col("canonical"))).then(1.0)
                       .otherwise(pl.col("factor")).alias("factor"),
                       pl.when(pl.col("canonical") == "%").then(1.0).otherwise(pl.col("percent")).alias("percent"))
    problems = [Problem("row.unknown_indicator", "error", f"第 {r['row']} 行的指标“{r['key']}”不在本指标体系中。",
                        r["row"], key_hdr, "指标体系中的指标代码或名称", "按模板填写指标代码或名称")
                for r in f.filter(pl.col("indicator_code").is_null()).iter_rows(named=True)]
    by_code = {i.code: i for i in items}
    problems += [_unit_problem(by_code[r["indicator_code"]], r["unit"], r["row"], "单位", file_name)
                 for r in f.filter(pl.col("indicator_code").is_not_null() & pl.col("factor").is_null())
                 .iter_rows(named=True)]
    f = f.filter(pl.col("indicator_code").is_not_null() & pl.col("factor").is_not_null())
    return f.with_columns(parse_numbers(pl.col("raw_text"), pl.col("factor"), pl.col("percent")).alias("value")) \
        .select(OBSERVATION_COLUMNS), problems


def _empty_observations() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "region_code": pl.String, "region_name": pl.String,
                                "indicator_code": pl.String, "value": pl.Float64, "raw_text": pl.String,
                                "note": pl.String})
