"""Deterministic demo data: the departments' submissions for the demo jurisdiction (or any).

Every number here is synthetic and says so (title rows of the files, reports). Values are drawn
around each indicator's target with a seeded generator, correlated across years, shaped a little
by the main functional zone, and written the way departments really send them: XLSX with a
title row, UTF-8 CSV with BOM, GBK CSV, a non-canonical unit in one header. Byte-for-byte
deterministic (fixed XLSX timestamps) so the committed demo inbox is exactly this output.

`defect_rate` is the share of submission files that carry deliberate defects of the kinds
departments produce: some the parser must absorb (`85%`, `1,234.5`, full-width digits, a value
missing with its reason, region by name only, long form, extra title rows, a data sheet that is
not the first, a declared unit), some validation must reject (a value missing without reason,
out of range, not a number, an unknown unit, a duplicated or unknown county). Every defect is
listed with the outcome it must have, in `defects.json` beside the years.

Synthetic jurisdictions of any size (benchmarks) are in `transforms/synthetic.py`.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Sequence

import numpy as np
import openpyxl

from transforms.config.framework import DATA_DIR, NOT_APPLICABLE_OP, Framework, Indicator, SupportingItem, load_departments, read_csv_rows
from transforms.intake.safe_cells import append_row

SYNTHETIC = "演示用虚构数据"
# How each department's demo file is written (format, encoding); the rest get UTF-8 CSV with BOM.
FILE_FORMATS = {"lyj": "xlsx", "zrzyj": "xlsx", "slj": "xlsx", "tjj": "xlsx", "sthjj": "csv-gbk", "nyncj": "csv-gbk"}
# Departments declaring a non-canonical unit, which ingest converts (亩 -> 万亩).
DECLARED_UNITS = {"EP05": ("亩", 10_000.0), "EQ02": ("微克/立方米", 1.0)}  # μg/m³ has no GBK encoding
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢钟"
GIVEN = ["建华", "志强", "海燕", "国平", "晓东", "丽萍", "卫东", "红梅", "文斌", "永明", "雪峰", "春生", "秀英", "德明",
         "振华", "玉兰", "光辉", "立新", "慧敏", "长江", "金凤", "宏伟", "少军", "家豪", "明亮", "艳红", "建军", "桂英"]
FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)
NOTE_HEADER = "缺失原因说明"

# Defect kinds and the outcome each must have: "accepted" (the parser reads the intended value),
# "warning" (accepted, value missing with its reason), "rejected" (validation refuses the file).
CELL_DEFECTS = {"value.percent_sign": "accepted", "value.thousands": "accepted", "value.fullwidth": "accepted",
                "value.missing_explained": "warning", "value.missing_unexplained": "rejected",
                "value.out_of_range": "rejected", "value.not_a_number": "rejected"}
FILE_DEFECTS = {"file.region_by_name": "accepted", "file.long_form": "accepted", "file.title_rows": "accepted",
                "file.named_sheet": "accepted", "file.declared_unit": "accepted", "file.unknown_unit": "rejected",
                "file.duplicate_row": "rejected", "file.unknown_region": "rejected"}
OUTCOME_ORDER = ["accepted", "warning", "rejected"]
ALL_DEFECTS = list(CELL_DEFECTS) + list(FILE_DEFECTS)
ABSORBED_DEFECTS = [k for k in ALL_DEFECTS if (CELL_DEFECTS | FILE_DEFECTS)[k] != "rejected"]  # nothing rejected
# a known non-canonical unit per canonical one, with value_declared = value_canonical × factor
ALTERNATIVE_UNITS = {"%": ("比值", 0.01), "万亩": ("亩", 10_000.0), "亿元": ("万元", 10_000.0),
                     "万公顷": ("公顷", 10_000.0), "万立方米": ("立方米", 10_000.0)}


@dataclass(frozen=True)
class Defect:
    """One deliberate defect: where it is and what ingest + validation must make of it."""

    file: str  # path relative to the inbox
    kind: str
    expected: str  # accepted | warning | rejected
    region_code: str | None = None
    indicator: str | None = None
    clean_value: float | None = None  # the value the cell stands for (cell defects)
    written: str | None = None  # what was written instead


@dataclass
class _Table:
    """A submission before it is written: header, rows of cells, optional per-cell Excel formats."""

    header: list[str]
    rows: list[list]
    formats: dict[tuple[int, int], str] = field(default_factory=dict)  # (row index, column index) -> format
    title_rows: int = 1
    sheet_first: str | None = None  # XLSX: an instructions sheet placed before the data sheet
    sheet_name: str | None = None


def _counties(data_dir: Path) -> list[dict[str, str]]:
    return [r for r in read_csv_rows(data_dir / "regions.csv") if r["level"] == "county"]


def _region_targets(data_dir: Path, fw: Framework) -> dict[tuple[str, str, int], float]:
    path = data_dir / "targets" / f"{fw.id}.csv"
    if not path.exists():
        return {}
    return {(r["indicator"], r["region_code"], int(r["year"])): float(r["value"]) for r in read_csv_rows(path)
            if r["op"] != NOT_APPLICABLE_OP}


def indicator_values(fw: Framework, counties: list[dict[str, str]], years: list[int], seed: int,
                     region_targets: dict[tuple[str, str, int], float]) -> dict[int, np.ndarray]:
    """Matrix per year: rows = counties, columns = framework indicators (vectorized per indicator)."""
    rng = np.random.default_rng(seed)
    n = len(counties)
    eco = np.array([c["zone"] == "重点生态功能区" for c in counties])
    out: dict[int, np.ndarray] = {y: np.empty((n, len(fw.indicators))) for y in years}
    for j, ind in enumerate(fw.indicators):
        lo, hi = ind.valid_range
        regional = ind.target is not None and ind.target.value is None and all(
            (ind.code, c["region_code"], years[0]) in region_targets for c in counties)
        if regional:  # only per-region targets (red lines, quotas)
            red = np.array([region_targets[(ind.code, c["region_code"], years[0])] for c in counties])
            # on the right side of it by ~1 % (of the target, or of the range for a target near 0); a target
            # may be negative (a reduction rate below zero), so the margin is added, not multiplied
            margin = np.maximum(np.abs(red), 0.01 * (hi - lo)) * np.abs(rng.normal(0.012, 0.008, n))
            base = red + ind.direction * margin
            drift = lambda prev: prev * (1 + rng.normal(0.0, 0.002, n))  # noqa: E731
        else:
            if ind.target and ind.target.value is not None:
                t = ind.target.value
            else:  # no target: a rate sits mid-range, a quantity low in its (generous) range
                t = (lo + hi) / 2 if ind.unit == "%" or lo < 0 else lo + 0.1 * (hi - lo)
            spread = max(abs(t) * 0.08, (hi - lo) * 0.02)
            base = rng.normal(t + ind.direction * spread * 1.1, spread, n)  # ~85% of targets met
            if ind.code == "EP01":  # forest cover: ecological zones are the forested ones
                base = np.where(eco, rng.normal(82, 3, n), rng.normal(68, 6, n))
            drift = lambda prev: prev + rng.normal(0.2 * ind.direction * spread * 0.1, spread * 0.25, n)  # noqa: E731,B023
        value = base
        for y in years:
            out[y][:, j] = np.clip(value, lo, hi)
            value = drift(value)
    return out


def supporting_values(fw: Framework, counties: list[dict[str, str]], years: list[int], seed: int,
                      values: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Matrix per year of the supporting items (基础数据), consistent with the indicators they
    explain (优良天数 ÷ 有效监测天数 = 优良天数比例, 基本农田 within 耕地), from their own generator so
    that the indicators' values do not depend on them."""
    rng = np.random.default_rng(seed + 4)
    n = len(counties)
    col = {i.code: j for j, i in enumerate(fw.indicators)}
    farmland_share = rng.uniform(0.78, 0.86, n)  # 永久基本农田 / 耕地, stable per county
    out: dict[int, np.ndarray] = {y: np.empty((n, len(fw.supporting_items))) for y in years}
    for y in years:
        days = 366 if calendar.isleap(y) else 365
        monitored = days - rng.integers(0, 6, n)
        derived = {"SD02": monitored,
                   "SD01": np.round(values[y][:, col["EQ01"]] / 100 * monitored) if "EQ01" in col else None,
                   "SD03": np.minimum(rng.uniform(0, 3, n), 100 - values[y][:, col["EQ03"]]) if "EQ03" in col else None,
                   "SD04": values[y][:, col["EP05"]] * farmland_share if "EP05" in col else None}
        for k, item in enumerate(fw.supporting_items):
            lo, hi = item.valid_range
            v = derived.get(item.code)
            out[y][:, k] = np.clip(v if v is not None else rng.uniform(lo, hi, n), lo, hi)
    return out


def _label(ind: Indicator | SupportingItem, unit: str | None = None) -> str:
    return f"{ind.name}({unit or DECLARED_UNITS.get(ind.code, (ind.unit, 1.0))[0]})"


def _cell(ind: Indicator | SupportingItem, v: float) -> float | int:
    factor = DECLARED_UNITS.get(ind.code, (None, 1.0))[1]
    return int(round(v)) if ind.unit in ("个", "天") else round(v * factor, 2)


def _write_csv(path: Path, title: str, header: list[str], body: list[list], encoding: str,
               title_rows: int = 1) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([title])
    for n in range(1, title_rows):
        w.writerow([f"(续{n}) 填报单位盖章: ______  填报日期: ______"])
    w.writerow(header)
    w.writerows(body)
    path.write_bytes(buf.getvalue().encode(encoding))


def _write_xlsx(path: Path, title: str, header: list[str], body: list[list], sheet: str,
                formats: dict[tuple[int, int], str] | None = None, title_rows: int = 1,
                sheet_first: str | None = None) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    if sheet_first:  # an instructions sheet before the data (a department's own workbook layout)
        ws.title = sheet_first
        append_row(ws, [f"{title}: 数据见“{sheet}”工作表"])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    append_row(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    for n in range(1, title_rows):
        append_row(ws, [f"(续{n}) 填报单位盖章: ______  填报日期: ______"])
    append_row(ws, header)
    for r in body:
        append_row(ws, r)
    first = title_rows + 2  # sheet row of body[0]
    for (r, c), fmt in (formats or {}).items():
        ws.cell(row=first + r, column=c + 1).number_format = fmt
    fixed = datetime(*FIXED_ZIP_TIME)
    wb.properties.created = wb.properties.modified = fixed
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps zip entries with the current time; rewrite them so the bytes are deterministic
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl writes 'modified' as now() regardless
                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*<", rb"<dcterms:modified\1>2025-01-01T00:00:00Z<", data)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def _tenures(counties: list[dict[str, str]], departments: dict[str, str], jurisdiction: str, last_year: int,
             seed: int) -> list[list]:
    """Two leaders per county and one head per department. In the last year the first county's
    party secretary moves to the second county on 1 July (whose secretary retires) and an acting
    secretary takes over the first county."""
    rng = np.random.default_rng(seed + 1)
    rows, n = [], 0
    width = max(3, len(str(2 * len(counties) + len(departments) + 1)))  # C001 for the demo, C00001 nationally

    def name() -> str:
        return SURNAMES[rng.integers(len(SURNAMES))] + GIVEN[rng.integers(len(GIVEN))]

    def start() -> str:
        return f"{last_year - 3 + int(rng.integers(0, 3))}-{int(rng.integers(1, 13)):02d}-01"

    for c in counties:
        for post in ("党委书记", "政府主要负责人"):
            n += 1
            rows.append([f"C{n:0{width}d}", name(), post, c["region_code"], c["name"], "", start(), "", "否"])
    first, second = rows[0], rows[2]
    first[7] = f"{last_year}-06-30"
    second[7] = f"{last_year}-06-30"
    rows.append([first[0], first[1], "党委书记", second[3], second[4], "", f"{last_year}-07-01", "", "否"])
    n += 1
    rows.append([f"C{n:0{width}d}", name(), "党委书记", first[3], first[4], "", f"{last_year}-07-01", "", "是"])
    for dept_name in departments.values():
        n += 1
        rows.append([f"C{n:0{width}d}", name(), "部门主要负责人", jurisdiction, "", dept_name, start(), "", "否"])
    return rows


def _fullwidth(text: str) -> str:
    return "".join(chr(0xFF10 + int(ch)) if ch.isdigit() else {".": "．", "-": "－", ",": "，"}.get(ch, ch)
                   for ch in text)


def _fits(kind: str, ind: Indicator, cell) -> bool:
    """Whether a defect kind makes sense on this indicator's cell (a `%` sign on a % value, …)."""
    plain = not isinstance(cell, str) and ind.code not in DECLARED_UNITS
    if kind == "value.percent_sign":
        return plain and ind.unit == "%"
    if kind == "value.thousands":
        return not isinstance(cell, str) and abs(float(cell)) >= 1000
    if kind == "file.declared_unit":
        return plain and ind.unit in ALTERNATIVE_UNITS
    return True


def _inject(table: _Table, cols: list[tuple[int, Indicator]], counties: list[dict[str, str]], fmt: str,
            rel: str, rng: np.random.Generator, kinds: Sequence[str]) -> tuple[list[Defect], str]:
    """Put 1–2 defects of `kinds` into one submission table; returns them and the (possibly changed) form."""
    # cell defects first: the file-level ones (a declared unit rescales a column) then see them
    size = min(len(kinds), int(rng.integers(1, 3)))
    chosen = sorted((kinds[k] for k in rng.choice(len(kinds), size=size, replace=False)), key=ALL_DEFECTS.index)
    if "file.long_form" in chosen and "file.declared_unit" in chosen:  # long form writes canonical units
        chosen.remove("file.declared_unit")
    defects: list[Defect] = []
    form = "wide"
    note_col = len(table.header)
    if any(k in chosen for k in ("value.missing_explained",)):
        table.header.append(NOTE_HEADER)
        for row in table.rows:
            row.append("")
    rows_left = list(range(len(table.rows)))  # each defect in its own row: a reason never covers another's cell
    for kind in chosen:
        r = rows_left.pop(int(rng.integers(len(rows_left))))
        fitting = [k for k, (_, i) in enumerate(cols) if _fits(kind, i, table.rows[r][2 + k])]
        k = fitting[int(rng.integers(len(fitting)))] if fitting else int(rng.integers(len(cols)))
        _, ind = cols[k]
        c = 2 + k
        cell = table.rows[r][c]
        code = counties[r]["region_code"]
        factor = DECLARED_UNITS.get(ind.code, (None, 1.0))[1]
        clean = None if isinstance(cell, str) else float(cell) / factor
        written: str | None = None
        if kind == "value.percent_sign":
            if ind.unit != "%" or clean is None or ind.code in DECLARED_UNITS:
                kind, written = "value.fullwidth", _fullwidth(str(cell))
                table.rows[r][c] = written
            elif fmt == "xlsx":  # what Excel stores when a steward types 85.2% into a cell
                table.rows[r][c] = float(cell) / 100
                table.formats[(r, c)] = "0.00%"
                written = f"{cell}% (单元格格式为百分比, 存储值 {float(cell) / 100!r})"
            else:
                written = f"{cell}%"
                table.rows[r][c] = written
        elif kind == "value.thousands":
            if clean is None or abs(float(cell)) < 1000:
                kind, written = "value.fullwidth", _fullwidth(str(cell))
            else:
                written = f"{float(cell):,}"
            table.rows[r][c] = written
        elif kind == "value.fullwidth":
            written = _fullwidth(str(cell))
            table.rows[r][c] = written
        elif kind == "value.missing_explained":
            written = "—"
            table.rows[r][c] = written
            table.rows[r][note_col] = f"{ind.name}: 本县该项统计尚未建立({SYNTHETIC})"
        elif kind == "value.missing_unexplained":
            written = ""
            table.rows[r][c] = written
        elif kind == "value.out_of_range":
            lo, hi = ind.valid_range
            table.rows[r][c] = round((2 * hi - lo) * factor, 2)
            written = str(table.rows[r][c])
        elif kind == "value.not_a_number":
            written = "待核实"
            table.rows[r][c] = written
        elif kind == "file.region_by_name":
            code = None
        elif kind == "file.long_form":
            form = "long"
        elif kind == "file.title_rows":
            table.title_rows = 3
        elif kind == "file.named_sheet":
            if fmt == "xlsx":
                table.sheet_first, table.sheet_name = "填报说明", "考核数据"
            else:
                kind, table.title_rows = "file.title_rows", 3
        elif kind == "file.declared_unit":
            alternative = ALTERNATIVE_UNITS.get(ind.unit)
            if alternative is None or ind.code in DECLARED_UNITS:
                kind, table.title_rows = "file.title_rows", 3
            else:
                unit, f = alternative
                table.header[c] = _label(ind, unit)
                for ri, row in enumerate(table.rows):
                    if not isinstance(row[c], str) and (ri, c) not in table.formats:
                        row[c] = round(float(row[c]) * f, 8)
                written = f"表头单位“{unit}”"
        elif kind == "file.unknown_unit":
            table.header[c] = _label(ind, "斤")
            written = "表头单位“斤”"
        elif kind == "file.duplicate_row":
            table.rows.append(list(table.rows[r]))
        elif kind == "file.unknown_region":
            table.rows[r][0], table.rows[r][1] = "999999", "不存在县"
        expected = CELL_DEFECTS.get(kind) or FILE_DEFECTS[kind]
        cell_kind = kind in CELL_DEFECTS
        defects.append(Defect(rel, kind, expected, code if cell_kind else None, ind.code if cell_kind else None,
                              clean if cell_kind else None, written))
    if "file.region_by_name" in [d.kind for d in defects]:
        table.header.pop(0)
        for row in table.rows:
            row.pop(0)
    return defects, form


def _long(table: _Table, cols: list[tuple[int, Indicator]]) -> _Table:
    """The same data in long form: one row per (county, indicator), with the unit."""
    by_name = "行政区划代码" not in table.header
    region = table.header.index("县(市、区)")
    note = table.header.index(NOTE_HEADER) if NOTE_HEADER in table.header else None
    header = (["县(市、区)"] if by_name else ["行政区划代码", "县(市、区)"]) + ["指标名称", "数值", "单位"] \
        + ([NOTE_HEADER] if note is not None else [])
    rows, formats = [], {}
    for r, row in enumerate(table.rows):
        for k, (_, ind) in enumerate(cols):
            c = region + 1 + k
            label = table.header[c]
            unit = label[label.rindex("(") + 1:-1]
            if (r, c) in table.formats:
                formats[(len(rows), len(header) - 2 - (note is not None))] = table.formats[(r, c)]
            rows.append(row[:region + 1] + [ind.name, row[c], unit] + ([row[note]] if note is not None else []))
    return _Table(header, rows, formats, table.title_rows, table.sheet_first, table.sheet_name)


def write_demo_inbox(inbox: Path, fw: Framework, years: list[int], seed: int = 20250101,
                     data_dir: Path = DATA_DIR, defect_rate: float = 0.0, extra_events: int = 0,
                     defect_kinds: Sequence[str] = tuple(ALL_DEFECTS)) -> list[Path]:
    """Write one file per department and year, plus the events and the cadre roster. Returns the paths.

    With `defect_rate` > 0, that share of the indicator files carries 1–2 deliberate defects of
    `defect_kinds` (e.g. ABSORBED_DEFECTS: messy but acceptable), listed with their expected
    outcome in `<inbox>/defects.json` (not under a year, so ingest never sees it)."""
    unknown = set(defect_kinds) - set(ALL_DEFECTS)
    if unknown or not defect_kinds:
        raise ValueError(f"未知的缺陷类型 / unknown defect kinds: {sorted(unknown)}; 可用 / known: {ALL_DEFECTS}")
    counties = _counties(data_dir)
    regions = read_csv_rows(data_dir / "regions.csv")
    place = next((r["name"] for r in regions if r["region_code"] == fw.jurisdiction), fw.jurisdiction)
    targets = _region_targets(data_dir, fw)
    values = indicator_values(fw, counties, years, seed, targets)
    # threshold-veto demo: one county's cultivated land falls below its red line in the last year
    j = next((k for k, i in enumerate(fw.indicators) if i.code == "EP05"), None)
    if j is not None:
        below = next((k for k, c in enumerate(counties) if c["name"] == "定南县"), 8 % len(counties))
        values[years[-1]][below, j] = targets[("EP05", counties[below]["region_code"], years[-1])] * 0.996
    extra = supporting_values(fw, counties, years, seed, values)
    names = {d.code: d.name for d in load_departments(data_dir)}
    defect_rng = np.random.default_rng(seed + 2)
    defects: list[Defect] = []
    written: list[Path] = []
    for y in years:
        for dept in fw.departments:
            cols = [(j, i) for j, i in enumerate(fw.indicators) if i.department == dept]
            more = [(k, i) for k, i in enumerate(fw.supporting_items) if i.department == dept]
            header = ["行政区划代码", "县(市、区)"] + [_label(i) for _, i in cols + more]
            body = [[c["region_code"], c["name"]] + [_cell(i, values[y][r, j]) for j, i in cols]
                    + [_cell(i, extra[y][r, k]) for k, i in more] for r, c in enumerate(counties)]
            title = f"{place}{y}年度生态文明建设考核指标数据填报表 — {names[dept]}({SYNTHETIC})"
            folder = inbox / str(y) / dept
            folder.mkdir(parents=True, exist_ok=True)
            fmt = FILE_FORMATS.get(dept, "csv-utf8")
            path = folder / f"{names[dept]}_{y}年考核数据.{'xlsx' if fmt == 'xlsx' else 'csv'}"
            table = _Table(header, body)
            if defect_rate > 0 and defect_rng.random() < defect_rate:
                found, form = _inject(table, cols, counties, fmt, path.relative_to(inbox).as_posix(), defect_rng,
                                      list(defect_kinds))
                defects += found
                if form == "long":
                    table = _long(table, cols + more)
            if fmt == "xlsx":
                _write_xlsx(path, title, table.header, table.rows, table.sheet_name or f"{y}年数据", table.formats,
                            table.title_rows, table.sheet_first)
            else:
                _write_csv(path, title, table.header, table.rows, "gbk" if fmt == "csv-gbk" else "utf-8-sig",
                           table.title_rows)
            written.append(path)
    last = years[-1]
    n = len(counties)
    events = [["E2025-001", counties[14 % n]["region_code"], counties[14 % n]["name"], f"{last}-06-14",
               "重特大突发环境事件", "重大", f"某化工企业尾矿库渗漏导致河段水质超标, 影响下游饮用水源({SYNTHETIC})"],
              ["E2025-002", counties[0]["region_code"], counties[0]["name"], f"{last}-03-18", "一般突发环境事件",
               "一般", f"工业园区废气异味投诉, 已整改({SYNTHETIC})"]]
    event_rng = np.random.default_rng(seed + 3)
    for k in range(extra_events):  # more events for larger synthetic jurisdictions
        c = counties[int(event_rng.integers(n))]
        serious = event_rng.random() < 0.1
        events.append([f"E{last}-{k + 3:05d}", c["region_code"], c["name"],
                       f"{last}-{int(event_rng.integers(1, 13)):02d}-{int(event_rng.integers(1, 29)):02d}",
                       "重特大突发环境事件" if serious else "一般突发环境事件", "重大" if serious else "一般",
                       f"演示事件 {k + 3}({SYNTHETIC})"])
    ev_dept = "sthjj" if "sthjj" in names else sorted(names)[0]
    ev_path = inbox / str(last) / ev_dept / f"生态环境事件_{last}.csv"
    ev_path.parent.mkdir(parents=True, exist_ok=True)
    _write_csv(ev_path, f"{place}{last}年度生态环境事件报送表({SYNTHETIC})",
               ["事件编号", "行政区划代码", "县(市、区)", "事件日期", "事件类型", "严重程度", "事件描述"], events, "utf-8-sig")
    written.append(ev_path)
    roster = inbox / str(last) / "zzb" / f"领导干部任职情况_{last}.xlsx"
    roster.parent.mkdir(parents=True, exist_ok=True)
    _write_xlsx(roster, f"{place}县级党政领导干部及市直部门主要负责人任职情况({SYNTHETIC})",
                ["干部编号", "姓名", "职务", "行政区划代码", "县(市、区)", "单位", "任职开始", "任职结束", "是否代理"],
                _tenures(counties, {d: names[d] for d in fw.departments}, fw.jurisdiction, last, seed), "任职情况")
    written.append(roster)
    if defects:
        (inbox / "defects.json").write_text(json.dumps([asdict(d) for d in defects], ensure_ascii=False, indent=1),
                                            "utf-8")
    return written


def expected_outcomes(defects: list[dict] | list[Defect]) -> dict[str, str]:
    """Per file (relative to the inbox): the outcome its worst defect must have."""
    out: dict[str, str] = {}
    for d in defects:
        d = asdict(d) if isinstance(d, Defect) else d
        now = out.get(d["file"], "accepted")
        out[d["file"]] = max(now, d["expected"], key=OUTCOME_ORDER.index)
    return out
