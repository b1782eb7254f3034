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
NON_DATA_SHEET_PREFIXES = ("填报说明", "参考", "说明", "目录", "封面")
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

    def __init__(self, message: str, rule_id: str = "file.unreadable") -> None:
        super().__init__(message)
        self.rule_id = rule_id


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


@dataclass
class ParsedSubmission:
    kind: str  # "indicators" | "events" | "tenures"
    encoding: str | None
    header_row: int
    # indicators: long observations (row, region_code, region_name, indicator_code, value, raw_text, note);
    # events/tenures: one row per data row. `row` is the row number as the steward sees it.
    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None  # XLSX: the sheet the data was read from
    # (row, source, text): the title rows above the header and any 年度/填报单位 cells
    declared: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class Grid:
    frame: pl.DataFrame  # all cells as strings, columns c0.., plus `row` (line or sheet row number)
    encoding: str | None = None
    sheet: str | None = None
    problems: list[Problem] = field(default_factory=list)


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


def choose_sheet(names: list[str], file_name: str, configured: str | None = None,
                 prefer: tuple[str, ...] = ()) -> str:
    """The data sheet: the department's configured one, else one named after the department or
    “考核数据”, else the first sheet that is not an instructions/reference sheet."""
    if configured:
        if configured in names:
            return configured
        raise ParseError(f"文件 {file_name}: 找不到约定的数据工作表“{configured}”; 工作簿中的工作表为: {'、'.join(names)}。"
                         f"请将数据放在名为“{configured}”的工作表中后重新报送。")
    data = [n for n in names if not n.strip().startswith(NON_DATA_SHEET_PREFIXES) and "说明" not in n]
    named = [n for n in data if "考核数据" in n or any(p and p in n for p in prefer)]
    return (named or data or names)[0]


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


def _xlsx_grid(raw: bytes, file_name: str, sheet: str | None, prefer: tuple[str, ...]) -> Grid:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for corrupt files
        raise ParseError(f"文件 {file_name}: 不是可读取的 Excel 工作簿({type(exc).__name__}: {exc})。"
                         "请用 Excel 打开确认后另存为 .xlsx 重新报送。") from None
    try:
        name = choose_sheet(wb.sheetnames, file_name, sheet, prefer)
        ws = wb[name]
        ws.reset_dimensions()  # trust the cells, not the (often wrong) stored dimensions
        rows = [[_cell_text(c) for c in r] for r in ws.iter_rows(min_row=1)]
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"文件 {file_name}: Excel 工作簿内容无法读取({type(exc).__name__}: {exc})。"
                         "请用 Excel 打开确认后另存为 .xlsx 重新报送。") from None
    finally:
        wb.close()
    return Grid(_to_frame(rows, list(range(1, len(rows) + 1))), None, name)


def _to_frame(rows: list[list[str | None]], numbers: list[int]) -> pl.DataFrame:
    width = max((len(r) for r in rows), default=0)
    columns = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    grid = pl.DataFrame(columns, schema={c: pl.String for c in columns})
    return grid.with_columns(pl.Series("row", numbers, dtype=pl.Int64))


def read_grid(raw: bytes, file_name: str, sheet: str | None = None, prefer: tuple[str, ...] = ()) -> Grid:
    """Read any supported file into a grid of strings with the sheet/line number in `row`."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_grid(raw, file_name, sheet, prefer)
    if suffix in (".csv", ".txt"):
        text, encoding, problem = decode_text(raw, file_name)
        reader = csv.reader(io.StringIO(text, newline=""))
        rows, line_numbers = [], []
        try:
            for cells in reader:
                rows.append(cells)
                line_numbers.append(reader.line_num)
        except csv.Error as exc:
            raise ParseError(f"文件 {file_name} 第 {reader.line_num} 行: CSV 格式错误({exc})。") from None
        return Grid(_to_frame(rows, line_numbers), encoding, None, [problem] if problem else [])
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


def _locate_header(grid: pl.DataFrame, file_name: str) -> tuple[int, list[str]]:
    data_cols = [c for c in grid.columns if c != "row"]
    head = grid.head(30)
    known = REGION_CODE_HEADERS | REGION_NAME_HEADERS | set(TENURE_HEADERS)
    for i, values in enumerate(head.select(data_cols).iter_rows()):
        cells = [(v or "").strip() for v in values]
        if any(c in known for c in cells):
            return i, cells
    raise ParseError(f"文件 {file_name}: 前 30 行中找不到表头(应含“行政区划代码”或“县(市、区)”列)。请使用下发的填报模板。")


def parse_submission(raw: bytes, file_name: str, framework: Framework, units: dict[tuple[str, str], float],
                     sheet: str | None = None, prefer_sheets: tuple[str, ...] = ()) -> ParsedSubmission:
    """Parse one file. `units` maps (declared unit, canonical unit) to a multiplication factor;
    `sheet` is the department's configured data sheet, `prefer_sheets` names a sheet may carry."""
    refused = guards.file_refusal(raw, file_name)  # limits before reading: bombs, oversized, encrypted
    if refused:
        raise ParseError(refused[1], refused[0])
    grid = read_grid(raw, file_name, sheet, prefer_sheets)
    if grid.frame.height == 0:
        raise ParseError(f"文件 {file_name}: 文件为空。")
    refused = guards.grid_refusal(grid.frame, file_name)
    if refused:
        raise ParseError(refused[1], refused[0])
    header_idx, headers = _locate_header(grid.frame, file_name)
    body = grid.frame.slice(header_idx + 1)
    data_cols = [c for c in grid.frame.columns if c != "row"]
    # drop rows that are entirely empty (Excel leaves them after the table)
    body = body.filter(pl.any_horizontal([pl.col(c).str.strip_chars().fill_null("") != "" for c in data_cols]))
    named = {h: c for h, c in zip(headers, data_cols) if h}
    declared = _declarations(grid.frame.slice(0, header_idx), body, named, data_cols)
    problems: list[Problem] = list(grid.problems)
    header_row = int(grid.frame["row"][header_idx])
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
    cols: list[pl.Expr] = [pl.col("row")]
    cols.append(_cell(pl.col(named[code_hdr])).str.replace(r"\.0$", "").alias("region_code") if code_hdr
                else pl.lit(None, pl.String).alias("region_code"))
    cols.append(_cell(pl.col(named[name_hdr])).alias("region_name") if name_hdr
                else pl.lit(None, pl.String).alias("region_name"))
    if kind == "indicators":
        cols.append(pl.col(named[note_hdr]).str.strip_chars().replace("", None).alias("note") if note_hdr
                    else pl.lit(None, pl.String).alias("note"))
        is_long = bool(LONG_INDICATOR_HEADERS & set(named)) and bool(set(LONG_VALUE_HEADERS) & set(named))
        base = body.select(cols)
        if is_long:
            long, more = _long_form(body, named, base, framework, units, header_row, file_name)
        else:
            long, more = _wide_form(body, named, headers, base, framework, units, header_row, file_name,
                                    {code_hdr, name_hdr, note_hdr} | set(dupes) | DECLARATION_HEADERS)
        problems += more
        return ParsedSubmission(kind, grid.encoding, header_row, long, problems, grid.sheet, declared)
    for header, key in OPTIONAL_HEADERS.items() if kind == "tenures" else ():
        cols.append(_cell(pl.col(named[header])).alias(key) if header in named else pl.lit(None, pl.String).alias(key))
    for header, key in mapping.items():
        if header in named:
            cols.append(_cell(pl.col(named[header])).alias(key))
        else:
            cols.append(pl.lit(None, pl.String).alias(key))
            problems.append(Problem("header.missing_column", "error", f"缺少必填列“{header}”。", header_row, header,
                                    f"表头含“{header}”", "使用下发的报送模板"))
    return ParsedSubmission(kind, grid.encoding, header_row, body.select(cols), problems, grid.sheet, declared)


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
