"""Deterministic demo data: the departments' submissions for the demo jurisdiction, and synthetic
jurisdictions of any size for benchmarks.

Every number here is synthetic and says so (title rows of the files, reports). Values are drawn
around each indicator's target with a seeded generator, correlated across years, shaped a little
by the main functional zone, and written the way departments really send them: XLSX with a
title row, UTF-8 CSV with BOM, GBK CSV, a non-canonical unit in one header. Byte-for-byte
deterministic (fixed XLSX timestamps) so the committed demo inbox is exactly this output.

Two knobs on top of that:
- `defect_rate`: the share of submission files that carry deliberate defects of the kinds
  departments produce — some the parser must absorb (`85%`, `1,234.5`, full-width digits, a
  value missing with its reason, region by name only, long form, extra title rows, a data
  sheet that is not the first, a declared unit), some validation must reject (a value missing
  without reason, out of range, not a number, an unknown unit, a duplicated or unknown county).
  Every defect is listed with the outcome it must have, in `defects.json` beside the years.
- `write_synthetic_dataset`: a complete configuration folder (regions with synthetic codes and
  zones, ~20 departments, a framework, decomposed targets, units) plus its inbox for N counties,
  for the benchmarks; run it with `ECOASSESS_DATA=<root>/data`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Sequence

import numpy as np
import openpyxl
import yaml

from transforms.config import (DATA_DIR, Framework, Indicator, framework_path, load_departments, load_framework,
                               read_csv_rows)
from transforms.templates import append_plain

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
# extra municipal departments for synthetic jurisdictions with more departments than the demo's
EXTRA_DEPARTMENTS = [("kjj", "市科技局"), ("gaj", "市公安局"), ("wjw", "市卫生健康委"), ("scjgj", "市市场监管局"),
                     ("jgswj", "市机关事务管理局"), ("yjglj", "市应急管理局"), ("qxj", "市气象局"), ("swj", "市商务局"),
                     ("jyj", "市教育局"), ("mzj", "市民政局"), ("sjj", "市审计局"), ("xfj", "市信访局")]
ZONES = [("重点开发区", 0.25), ("农产品主产区", 0.35), ("重点生态功能区", 0.40)]
PLACE_CHARS = "安宁平康泰和丰华兴隆昌盛永清长青山水云石林溪河源江湖阳明光新东南西北中上下金银玉宝龙凤鹤松桂兰梅竹春秋晴霞峰岭岩川泉湾洲田桥城德仁义信福寿乐嘉定远望"


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
    return {(r["indicator"], r["region_code"], int(r["year"])): float(r["value"]) for r in read_csv_rows(path)}


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
            base = red * (1 + ind.direction * np.abs(rng.normal(0.012, 0.008, n)))  # mostly on the right side
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


def _label(ind: Indicator, unit: str | None = None) -> str:
    return f"{ind.name}({unit or DECLARED_UNITS.get(ind.code, (ind.unit, 1.0))[0]})"


def _cell(ind: Indicator, v: float) -> float | int:
    factor = DECLARED_UNITS.get(ind.code, (None, 1.0))[1]
    return int(round(v)) if ind.unit == "个" else round(v * factor, 2)


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
        append_plain(ws, [f"{title}: 数据见“{sheet}”工作表"])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    append_plain(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    for n in range(1, title_rows):
        append_plain(ws, [f"(续{n}) 填报单位盖章: ______  填报日期: ______"])
    append_plain(ws, header)
    for r in body:
        append_plain(ws, r)
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
    names = {d.code: d.name for d in load_departments(data_dir)}
    defect_rng = np.random.default_rng(seed + 2)
    defects: list[Defect] = []
    written: list[Path] = []
    for y in years:
        for dept in fw.departments:
            cols = [(j, i) for j, i in enumerate(fw.indicators) if i.department == dept]
            header = ["行政区划代码", "县(市、区)"] + [_label(i) for _, i in cols]
            body = [[c["region_code"], c["name"]] + [_cell(i, values[y][r, j]) for j, i in cols]
                    for r, c in enumerate(counties)]
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
                    table = _long(table, cols)
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


# ---------------------------------------------------------------------------------------------------
# Synthetic jurisdictions of any size (benchmarks)


@dataclass(frozen=True)
class SyntheticDataset:
    """What `write_synthetic_dataset` wrote: run it with ECOASSESS_DATA=data_dir, --framework, --inbox."""

    root: Path
    data_dir: Path
    inbox: Path
    framework_id: str
    years: list[int]
    regions: int
    departments: int
    indicators: int
    cadres: int
    files: list[Path]

    def env(self) -> dict[str, str]:
        return {"ECOASSESS_DATA": str(self.data_dir)}

    def run_command(self, year: int | None = None) -> list[str]:
        return ["python", "-m", "flows.cli", "run", "--year", str(year or self.years[-1]),
                "--framework", self.framework_id, "--inbox", str(self.inbox)]


def _place_names(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct two-character place names with a county-level suffix (all invented)."""
    chars = list(dict.fromkeys(PLACE_CHARS))
    pairs = [a + b for a in chars for b in chars if a != b]
    if n > len(pairs):
        raise ValueError(f"最多可生成 {len(pairs)} 个虚构县 / at most {len(pairs)} synthetic counties")
    picked = rng.choice(len(pairs), size=n, replace=False)
    suffixes = ["县", "县", "县", "市", "区"]
    return [pairs[p] + suffixes[int(rng.integers(len(suffixes)))] for p in picked]


def synthetic_regions(n: int, seed: int, jurisdiction: str = "900000") -> list[dict[str, str]]:
    """The jurisdiction and n counties under it, with synthetic 6-digit codes (9xxxxx: no real
    GB/T 2260 province starts with 9) and zones drawn with fixed shares."""
    if not 1 <= n <= 99_999:
        raise ValueError("县的数量须在 1 至 99999 之间 / regions must be 1..99999")
    rng = np.random.default_rng(seed + 4)
    names = _place_names(n, rng)
    zones = rng.choice(len(ZONES), size=n, p=[p for _, p in ZONES])
    note = "虚构行政区(代码、名称、主体功能区均为演示用虚构数据)"
    rows = [{"region_code": jurisdiction, "name": "虚构市(演示)", "parent_code": "", "level": "city", "zone": "",
             "synthetic_note": note}]
    rows += [{"region_code": f"9{k + 1:05d}", "name": names[k], "parent_code": jurisdiction, "level": "county",
              "zone": ZONES[zones[k]][0], "synthetic_note": note} for k in range(n)]
    return rows


def _assign_departments(indicators: list[dict], chosen: list[str]) -> None:
    """Keep each indicator's department where it is among `chosen`; move the others round-robin;
    then give every chosen department at least one indicator, taken from the busiest one."""
    for k, ind in enumerate(i for i in indicators if i["department"] not in chosen):
        ind["department"] = chosen[k % len(chosen)]
    while True:
        load = {d: [i for i in indicators if i["department"] == d] for d in chosen}
        idle = [d for d in chosen if not load[d]]
        busiest = max(chosen, key=lambda d: len(load[d]))
        if not idle or len(load[busiest]) < 2:
            return
        load[busiest][-1]["department"] = idle[0]


def synthetic_framework(framework_ids: Sequence[str], departments: list[str], jurisdiction: str,
                        source_data: Path = DATA_DIR) -> dict:
    """One framework holding the indicators of the given shipped frameworks, for `jurisdiction`.
    Weights become classes (explicit points and category weights of different frameworks do not
    mix), categories and veto rules are prefixed by the framework they came from."""
    docs = [yaml.safe_load(framework_path(f, source_data).read_text("utf-8")) for f in framework_ids]
    base = docs[0]
    merged = {k: v for k, v in base.items() if k not in ("categories", "indicators", "veto_rules")}
    merged.update(id="synthetic", name=f"虚构指标体系(演示; 由 {'、'.join(framework_ids)} 合成)",
                  name_en="Synthetic framework (demo)", jurisdiction=jurisdiction, years=[2000, 2100])
    merged["weight_classes"] = {"★": 3, "◆": 2, "○": 1}
    merged["categories"], merged["indicators"], merged["veto_rules"] = [], [], []
    multi = len(docs) > 1
    for n, doc in enumerate(docs, start=1):
        prefix = f"F{n}-" if multi else ""
        for c in doc["categories"]:
            merged["categories"].append({"code": prefix + c["code"], "name": c["name"] + (f"({doc['id']})" if multi else ""),
                                         "name_en": c.get("name_en", "")})
        for i in doc["indicators"]:
            ind = dict(i, category=prefix + i["category"])
            ind.pop("weight", None)
            ind.setdefault("weight_class", "◆")
            merged["indicators"].append(ind)
        for r in doc.get("veto_rules", []):
            merged["veto_rules"].append(dict(r, id=prefix + r["id"]))
    seen: dict[str, int] = {}
    for ind in merged["indicators"]:  # the same indicator in two frameworks: names must stay unique
        seen[ind["name"]] = seen.get(ind["name"], 0) + 1
    for ind in merged["indicators"]:
        if seen[ind["name"]] > 1:
            ind["name"] = f"{ind['name']}-{ind['code']}"
    _assign_departments(merged["indicators"], departments)
    return merged


def write_synthetic_dataset(out: Path, regions: int = 100, departments: int = 20,
                            years: Sequence[int] = (2021, 2022, 2023, 2024, 2025),
                            frameworks: Sequence[str] = ("ganzhou_2024",), seed: int = 20250101,
                            defect_rate: float = 0.0, defect_kinds: Sequence[str] = tuple(ALL_DEFECTS),
                            source_data: Path = DATA_DIR) -> SyntheticDataset:
    """A complete synthetic jurisdiction for benchmarks: `out/data/` (regions.csv, departments.yaml,
    units.yaml, frameworks/synthetic.yaml, targets/synthetic.csv) and `out/inbox/<year>/<dept>/`
    with every department's file per year, the events and the roster (2 leaders per county plus
    the department heads). `frameworks` lists the shipped frameworks whose indicators it holds."""
    years = sorted(years)
    data, inbox = out / "data", out / "inbox"
    if data.exists() or inbox.exists():
        raise FileExistsError(f"{out} 已有 data/ 或 inbox/, 请换一个空目录 / choose an empty folder")
    (data / "frameworks").mkdir(parents=True)
    (data / "targets").mkdir()
    jurisdiction = "900000"
    region_rows = synthetic_regions(regions, seed, jurisdiction)
    with (data / "regions.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(region_rows[0]))
        w.writeheader()
        w.writerows(region_rows)
    real = [(d.code, d.name) for d in load_departments(source_data)]
    pool = [d for d in real if d[0] != "zzb"] + EXTRA_DEPARTMENTS
    if not 2 <= departments <= len(pool) + 1:
        raise ValueError(f"部门数须在 2 至 {len(pool) + 1} 之间 / departments must be 2..{len(pool) + 1}")
    chosen = pool[:departments - 1] + [("zzb", "市委组织部")]  # 组织部 always: it sends the roster
    (data / "departments.yaml").write_text(
        "# 虚构辖区的报送部门(演示用) / departments of the synthetic jurisdiction\n"
        + yaml.safe_dump({"departments": [{"code": c, "name": n} for c, n in chosen]}, allow_unicode=True,
                         sort_keys=False), "utf-8")
    shutil.copy(source_data / "units.yaml", data / "units.yaml")
    doc = synthetic_framework(frameworks, [c for c, _ in chosen], jurisdiction, source_data)
    fw_file = data / "frameworks" / "synthetic.yaml"
    fw_file.write_text("# 虚构指标体系, 由 transforms/demo.py 生成, 仅供演示和性能测试 / generated, synthetic\n"
                       + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    fw = load_framework(fw_file)  # validated like any framework
    counties = [r for r in region_rows if r["level"] == "county"]
    _write_targets(data / "targets" / "synthetic.csv", fw, counties, years, seed)
    files = write_demo_inbox(inbox, fw, years, seed, data, defect_rate, extra_events=regions // 50,
                             defect_kinds=defect_kinds)
    return SyntheticDataset(out, data, inbox, fw.id, years, regions, len(fw.departments), len(fw.indicators),
                            2 * regions + 1 + len(fw.departments), files)


def _write_targets(path: Path, fw: Framework, counties: list[dict[str, str]], years: list[int], seed: int) -> None:
    """Per-county targets (逐级分解) for every indicator whose framework target is only regional:
    drawn once per county and held over the years, as red lines and quotas are."""
    rng = np.random.default_rng(seed + 5)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["framework", "indicator", "region_code", "year", "op", "value", "source"])
        for ind in fw.indicators:
            if ind.target is None or ind.target.value is not None:
                continue
            lo, hi = ind.valid_range
            level = lo + (hi - lo) * rng.uniform(0.02, 0.15, len(counties))
            for y in years:
                for c, v in zip(counties, np.clip(level, lo, hi)):
                    w.writerow([fw.id, ind.code, c["region_code"], y, ind.target.op, round(float(v), 2),
                                f"虚构逐级分解目标({SYNTHETIC})"])
