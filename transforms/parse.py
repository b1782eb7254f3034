"""Turn a department's file (CSV in any Chinese encoding, or XLSX) into tidy frames.

Departments send what their Excel produced: GBK CSVs, title rows above the header, units in the
header, `85%`, `1,234.5`, full-width digits. Parsing never guesses silently: the detected encoding,
the header row and every column's interpretation are recorded, and anything it cannot read
becomes a `Problem` with file, row and column, which the steward sees in Chinese.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from transforms import guards
from transforms.config import Framework

REGION_CODE_HEADERS = {"行政区划代码", "地区代码", "区划代码", "region_code"}
REGION_NAME_HEADERS = {"县(市、区)", "县（市、区）", "地区", "地区名称", "县市区", "region_name"}
EVENT_HEADERS = {"事件日期": "event_date", "事件类型": "kind", "事件描述": "description", "事件编号": "event_id", "严重程度": "severity"}
TENURE_HEADERS = {"干部编号": "cadre_id", "姓名": "name", "职务": "post", "任职开始": "start_date",
                  "任职结束": "end_date", "是否代理": "acting"}
OPTIONAL_HEADERS = {"单位": "department"}  # tenures: the department a 部门主要负责人 heads
LONG_INDICATOR_HEADERS = {"指标代码", "指标名称"}
LONG_VALUE_HEADERS = ("数值", "指标值", "值")
OBSERVATION_COLUMNS = ["row", "region_code", "region_name", "indicator_code", "value", "raw_text"]
MISSING_TOKENS = ["", "—", "-", "--", "/", "／", "无", "NA", "N/A", "null"]
_FULLWIDTH = {chr(0xFF10 + d): str(d) for d in range(10)} | {"．": ".", "，": ",", "－": "-", "％": "%", "＋": "+"}
_UNIT_RE = re.compile(r"^(?P<name>.*?)\s*[\(（](?P<unit>[^()（）]*)[\)）]\s*$")


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
    # indicators: long observations (row, region_code, region_name, indicator_code, value, raw_text);
    # events/tenures: one row per data row. `row` is the row number as the steward sees it.
    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    title: list[tuple[int, str]] = field(default_factory=list)  # rows above the header: (row, text)


def decode_text(raw: bytes, file_name: str) -> tuple[str, str]:
    """Detect UTF-8 (with or without BOM) or GB18030 (a superset of GBK); refuse anything else."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"文件 {file_name}: 无法识别文字编码(既不是 UTF-8 也不是 GBK/GB18030), 第 {exc.start} 字节附近出错。"
            "请在 Excel 中另存为“CSV UTF-8”或“CSV(逗号分隔)”后重新报送。"
        ) from None


def read_grid(raw: bytes, file_name: str) -> tuple[pl.DataFrame, str | None]:
    """Read any supported file into a grid of strings with the sheet/line number in `row`."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import fastexcel

        try:
            reader = fastexcel.read_excel(raw)
            sheet = reader.load_sheet(0, header_row=None, skip_rows=0, dtypes="string")
            grid = sheet.to_polars()
        except Exception as exc:  # calamine raises several types for corrupt files
            raise ParseError(f"文件 {file_name}: 不是可读取的 Excel 工作簿({type(exc).__name__}: {exc})。"
                             "请用 Excel 打开确认后另存为 .xlsx 重新报送。") from None
        grid = grid.rename({c: f"c{i}" for i, c in enumerate(grid.columns)})
        return grid.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64)), None
    if suffix in (".csv", ".txt"):
        text, encoding = decode_text(raw, file_name)
        reader = csv.reader(io.StringIO(text, newline=""))
        rows, line_numbers = [], []
        try:
            for cells in reader:
                rows.append(cells)
                line_numbers.append(reader.line_num)
        except csv.Error as exc:
            raise ParseError(f"文件 {file_name} 第 {reader.line_num} 行: CSV 格式错误({exc})。") from None
        width = max((len(r) for r in rows), default=0)
        columns = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
        grid = pl.DataFrame(columns, schema={c: pl.String for c in columns})
        return grid.with_columns(pl.Series("row", line_numbers, dtype=pl.Int64)), encoding
    raise ParseError(f"文件 {file_name}: 不支持的文件类型 {suffix or '(无扩展名)'}, 请报送 .xlsx 或 .csv 文件。")


def split_unit(header: str) -> tuple[str, str | None]:
    """`森林覆盖率(%)` -> (`森林覆盖率`, `%`); `PM2.5` stays whole."""
    m = _UNIT_RE.match(header.strip())
    if m and m.group("unit").strip():
        return m.group("name").strip(), m.group("unit").strip()
    return header.strip(), None


def _clean(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().str.replace_many(_FULLWIDTH)


def parse_numbers(col: pl.Expr) -> pl.Expr:
    """Vectorized: `1,234.5` / `８５．２` / `85%` -> float; missing tokens and junk -> null."""
    cleaned = _clean(col).str.replace_all(",", "").str.replace_all(r"\s", "").str.strip_suffix("%")
    return pl.when(cleaned.is_in(MISSING_TOKENS)).then(None).otherwise(cleaned).cast(pl.Float64, strict=False)


def _locate_header(grid: pl.DataFrame, file_name: str) -> tuple[int, list[str]]:
    data_cols = [c for c in grid.columns if c != "row"]
    head = grid.head(30)
    known = REGION_CODE_HEADERS | REGION_NAME_HEADERS | set(TENURE_HEADERS)
    for i, values in enumerate(head.select(data_cols).iter_rows()):
        cells = [(v or "").strip() for v in values]
        if any(c in known for c in cells):
            return i, cells
    raise ParseError(f"文件 {file_name}: 前 30 行中找不到表头(应含“行政区划代码”或“县(市、区)”列)。请使用下发的填报模板。")


def parse_submission(raw: bytes, file_name: str, framework: Framework, units: dict[tuple[str, str], float]
                     ) -> ParsedSubmission:
    """Parse one file. `units` maps (declared unit, canonical unit) to a multiplication factor."""
    refused = guards.file_refusal(raw, file_name)  # limits before reading: bombs, oversized, encrypted
    if refused:
        raise ParseError(refused[1], refused[0])
    grid, encoding = read_grid(raw, file_name)
    if grid.height == 0:
        raise ParseError(f"文件 {file_name}: 文件为空。")
    refused = guards.grid_refusal(grid, file_name)
    if refused:
        raise ParseError(refused[1], refused[0])
    header_idx, headers = _locate_header(grid, file_name)
    body = grid.slice(header_idx + 1)
    data_cols = [c for c in grid.columns if c != "row"]
    # drop rows that are entirely empty (Excel leaves them after the table)
    body = body.filter(pl.any_horizontal([pl.col(c).str.strip_chars().fill_null("") != "" for c in data_cols]))
    named = {h: c for h, c in zip(headers, data_cols) if h}
    problems: list[Problem] = []
    header_row = int(grid["row"][header_idx])
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
    cols: list[pl.Expr] = [pl.col("row")]
    cols.append(_clean(pl.col(named[code_hdr])).str.replace(r"\.0$", "").alias("region_code") if code_hdr
                else pl.lit(None, pl.String).alias("region_code"))
    cols.append(_clean(pl.col(named[name_hdr])).alias("region_name") if name_hdr
                else pl.lit(None, pl.String).alias("region_name"))
    if kind == "indicators":
        is_long = bool(LONG_INDICATOR_HEADERS & set(named)) and bool(set(LONG_VALUE_HEADERS) & set(named))
        base = body.select(cols)
        if is_long:
            long, more = _long_form(body, named, base, framework, units, header_row)
        else:
            long, more = _wide_form(body, named, headers, base, framework, units, header_row,
                                    {code_hdr, name_hdr} | set(dupes))
        problems += more
        return ParsedSubmission(kind, encoding, header_row, long, problems, guards.title_text(grid, header_idx))
    for header, key in OPTIONAL_HEADERS.items() if kind == "tenures" else ():
        cols.append(_clean(pl.col(named[header])).alias(key) if header in named else pl.lit(None, pl.String).alias(key))
    for header, key in mapping.items():
        if header in named:
            cols.append(_clean(pl.col(named[header])).alias(key))
        else:
            cols.append(pl.lit(None, pl.String).alias(key))
            problems.append(Problem("header.missing_column", "error", f"缺少必填列“{header}”。", header_row, header,
                                    f"表头含“{header}”", "使用下发的报送模板"))
    return ParsedSubmission(kind, encoding, header_row, body.select(cols), problems, guards.title_text(grid, header_idx))


def _unit_problem(ind, unit: str, row: int, column: str) -> Problem:
    return Problem("header.unknown_unit", "error",
                   f"指标“{ind.name}”的计量单位“{unit}”无法换算为规定单位“{ind.unit}”。", row, column,
                   f"单位为“{ind.unit}”或可换算的单位", f"改用“{ind.unit}”并换算数值")


def _wide_form(body: pl.DataFrame, named: dict[str, str], headers: list[str], base: pl.DataFrame,
               framework: Framework, units: dict[tuple[str, str], float], header_row: int, skip: set
               ) -> tuple[pl.DataFrame, list[Problem]]:
    """One column per indicator, `名称(单位)` in the header -> long observations."""
    by_name = {i.name: i for i in framework.indicators} | {i.code: i for i in framework.indicators}
    problems, parts = [], []
    for header in headers:
        if not header or header in skip:
            continue
        label, unit = split_unit(header)
        ind = by_name.get(label)
        if ind is None:
            problems.append(Problem("header.unknown_column", "warning", f"列“{header}”不是本指标体系的指标, 已忽略。",
                                    header_row, header, "表头为模板中的指标名称(单位)", "核对列名; 非考核指标的列可删除"))
            continue
        factor = 1.0 if unit is None or unit == ind.unit else units.get((unit, ind.unit))
        if factor is None:
            problems.append(_unit_problem(ind, unit, header_row, header))
            continue
        src = body.get_column(named[header])
        parts.append(base.with_columns(pl.lit(ind.code).alias("indicator_code"), src.alias("raw_text"),
                                       (parse_numbers(pl.lit(src)) * factor).alias("value")))
    if not parts:
        return _empty_observations(), problems
    return pl.concat(parts).select(OBSERVATION_COLUMNS), problems


def _long_form(body: pl.DataFrame, named: dict[str, str], base: pl.DataFrame, framework: Framework,
               units: dict[tuple[str, str], float], header_row: int) -> tuple[pl.DataFrame, list[Problem]]:
    """One row per (region, indicator): 指标代码/指标名称, 数值, optional 单位."""
    key_hdr = next(h for h in ("指标代码", "指标名称") if h in named)
    value_hdr = next(h for h in LONG_VALUE_HEADERS if h in named)
    lookup = pl.DataFrame({"key": [i.code for i in framework.indicators] + [i.name for i in framework.indicators],
                           "indicator_code": [i.code for i in framework.indicators] * 2,
                           "canonical": [i.unit for i in framework.indicators] * 2})
    conv = pl.DataFrame({"unit": [u for u, _ in units], "canonical": [c for _, c in units],
                         "factor": list(units.values())}, schema={"unit": pl.String, "canonical": pl.String,
                                                                  "factor": pl.Float64})
    f = base.with_columns(_clean(body.get_column(named[key_hdr]).alias("key")),
                          body.get_column(named[value_hdr]).alias("raw_text"),
                          (_clean(body.get_column(named["单位"])) if "单位" in named
                           else pl.lit(None, pl.String)).alias("unit"))
    f = f.join(lookup, on="key", how="left").join(conv, on=["unit", "canonical"], how="left")
    f = f.with_columns(pl.when(pl.col("unit").is_null() | (pl.col("unit") == pl.col("canonical"))).then(1.0)
                       .otherwise(pl.col("factor")).alias("factor"))
    problems = [Problem("row.unknown_indicator", "error", f"第 {r['row']} 行的指标“{r['key']}”不在本指标体系中。",
                        r["row"], key_hdr, "指标体系中的指标代码或名称", "按模板填写指标代码或名称")
                for r in f.filter(pl.col("indicator_code").is_null()).iter_rows(named=True)]
    by_code = {i.code: i for i in framework.indicators}
    problems += [_unit_problem(by_code[r["indicator_code"]], r["unit"], r["row"], "单位")
                 for r in f.filter(pl.col("indicator_code").is_not_null() & pl.col("factor").is_null())
                 .iter_rows(named=True)]
    f = f.filter(pl.col("indicator_code").is_not_null() & pl.col("factor").is_not_null())
    return f.with_columns((parse_numbers(pl.col("raw_text")) * pl.col("factor")).alias("value")) \
        .select(OBSERVATION_COLUMNS), problems


def _empty_observations() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "region_code": pl.String, "region_name": pl.String,
                                "indicator_code": pl.String, "value": pl.Float64, "raw_text": pl.String})
