"""Deterministic demo data: the departments' submissions for the demo jurisdiction.

Every number here is synthetic and says so (title rows of the files, reports). Values are drawn
around each indicator's target with a seeded generator, correlated across years, shaped a little
by the main functional zone, and written the way departments really send them: XLSX with a
title row, UTF-8 CSV with BOM, GBK CSV, a non-canonical unit in one header. Byte-for-byte
deterministic (fixed XLSX timestamps) so the committed demo inbox is exactly this output.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np
import openpyxl

from transforms.config import DATA_DIR, Framework, Indicator, SupportingItem, load_departments, read_csv_rows

SYNTHETIC = "演示用虚构数据"
# How each department's demo file is written (format, encoding); the rest get UTF-8 CSV with BOM.
FILE_FORMATS = {"lyj": "xlsx", "zrzyj": "xlsx", "slj": "xlsx", "tjj": "xlsx", "sthjj": "csv-gbk", "nyncj": "csv-gbk"}
# Departments declaring a non-canonical unit, which ingest converts (亩 -> 万亩).
DECLARED_UNITS = {"EP05": ("亩", 10_000.0), "EQ02": ("微克/立方米", 1.0)}  # μg/m³ has no GBK encoding
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程魏苏吕丁任沈姚卢钟"
GIVEN = ["建华", "志强", "海燕", "国平", "晓东", "丽萍", "卫东", "红梅", "文斌", "永明", "雪峰", "春生", "秀英", "德明",
         "振华", "玉兰", "光辉", "立新", "慧敏", "长江", "金凤", "宏伟", "少军", "家豪", "明亮", "艳红", "建军", "桂英"]
FIXED_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def _counties(data_dir: Path) -> list[dict[str, str]]:
    return [r for r in read_csv_rows(data_dir / "regions.csv") if r["level"] == "county"]


def _region_targets(data_dir: Path, fw: Framework) -> dict[tuple[str, str, int], float]:
    path = data_dir / "targets" / f"{fw.id}.csv"
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
        if ind.target is not None and ind.target.value is None:  # only per-region targets (red lines)
            red = np.array([region_targets[(ind.code, c["region_code"], years[0])] for c in counties])
            base = red * (1 + np.abs(rng.normal(0.012, 0.008, n)))
            drift = lambda prev: prev * (1 + rng.normal(0.0, 0.002, n))  # noqa: E731
        else:
            t = ind.target.value if ind.target and ind.target.value is not None else (lo + hi) / 2
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
    rng = np.random.default_rng(seed + 2)
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


def _label(ind: Indicator | SupportingItem) -> str:
    unit = DECLARED_UNITS.get(ind.code, (ind.unit, 1.0))[0]
    return f"{ind.name}({unit})"


def _cell(ind: Indicator | SupportingItem, v: float) -> float | int:
    factor = DECLARED_UNITS.get(ind.code, (None, 1.0))[1]
    return int(round(v)) if ind.unit in ("个", "天") else round(v * factor, 2)


def _write_csv(path: Path, title: str, header: list[str], body: list[list], encoding: str) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([title])
    w.writerow(header)
    w.writerows(body)
    path.write_bytes(buf.getvalue().encode(encoding))


def _write_xlsx(path: Path, title: str, header: list[str], body: list[list], sheet: str) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for r in body:
        ws.append(r)
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

    def name() -> str:
        return SURNAMES[rng.integers(len(SURNAMES))] + GIVEN[rng.integers(len(GIVEN))]

    def start() -> str:
        return f"{last_year - 3 + int(rng.integers(0, 3))}-{int(rng.integers(1, 13)):02d}-01"

    for c in counties:
        for post in ("党委书记", "政府主要负责人"):
            n += 1
            rows.append([f"C{n:03d}", name(), post, c["region_code"], c["name"], "", start(), "", "否"])
    first, second = rows[0], rows[2]
    first[7] = f"{last_year}-06-30"
    second[7] = f"{last_year}-06-30"
    rows.append([first[0], first[1], "党委书记", second[3], second[4], "", f"{last_year}-07-01", "", "否"])
    n += 1
    rows.append([f"C{n:03d}", name(), "党委书记", first[3], first[4], "", f"{last_year}-07-01", "", "是"])
    for dept_name in departments.values():
        n += 1
        rows.append([f"C{n:03d}", name(), "部门主要负责人", jurisdiction, "", dept_name, start(), "", "否"])
    return rows


def write_demo_inbox(inbox: Path, fw: Framework, years: list[int], seed: int = 20250101,
                     data_dir: Path = DATA_DIR) -> list[Path]:
    """Write one file per department and year, plus the events and the cadre roster. Returns the paths."""
    counties = _counties(data_dir)
    targets = _region_targets(data_dir, fw)
    values = indicator_values(fw, counties, years, seed, targets)
    # threshold-veto demo: one county's cultivated land falls below its red line in the last year
    j = next(k for k, i in enumerate(fw.indicators) if i.code == "EP05")
    below = next(k for k, c in enumerate(counties) if c["name"] == "定南县")
    values[years[-1]][below, j] = targets[("EP05", counties[below]["region_code"], years[-1])] * 0.996
    extra = supporting_values(fw, counties, years, seed, values)
    names = {d.code: d.name for d in load_departments(data_dir)}
    written: list[Path] = []
    for y in years:
        for dept in fw.departments:
            cols = [(j, i) for j, i in enumerate(fw.indicators) if i.department == dept]
            more = [(k, i) for k, i in enumerate(fw.supporting_items) if i.department == dept]
            header = ["行政区划代码", "县(市、区)"] + [_label(i) for _, i in cols + more]
            body = [[c["region_code"], c["name"]] + [_cell(i, values[y][r, j]) for j, i in cols]
                    + [_cell(i, extra[y][r, k]) for k, i in more] for r, c in enumerate(counties)]
            title = f"赣州市{y}年度生态文明建设考核指标数据填报表 — {names[dept]}({SYNTHETIC})"
            folder = inbox / str(y) / dept
            folder.mkdir(parents=True, exist_ok=True)
            fmt = FILE_FORMATS.get(dept, "csv-utf8")
            path = folder / f"{names[dept]}_{y}年考核数据.{'xlsx' if fmt == 'xlsx' else 'csv'}"
            if fmt == "xlsx":
                _write_xlsx(path, title, header, body, f"{y}年数据")
            else:
                _write_csv(path, title, header, body, "gbk" if fmt == "csv-gbk" else "utf-8-sig")
            written.append(path)
    last = years[-1]
    events = [["E2025-001", counties[14]["region_code"], counties[14]["name"], f"{last}-06-14", "重特大突发环境事件",
               "重大", f"某化工企业尾矿库渗漏导致河段水质超标, 影响下游饮用水源({SYNTHETIC})"],
              ["E2025-002", counties[0]["region_code"], counties[0]["name"], f"{last}-03-18", "一般突发环境事件",
               "一般", f"工业园区废气异味投诉, 已整改({SYNTHETIC})"]]
    ev_path = inbox / str(last) / "sthjj" / f"生态环境事件_{last}.csv"
    _write_csv(ev_path, f"赣州市{last}年度生态环境事件报送表({SYNTHETIC})",
               ["事件编号", "行政区划代码", "县(市、区)", "事件日期", "事件类型", "严重程度", "事件描述"], events, "utf-8-sig")
    written.append(ev_path)
    roster = inbox / str(last) / "zzb" / f"领导干部任职情况_{last}.xlsx"
    _write_xlsx(roster, f"赣州市县级党政领导干部及市直部门主要负责人任职情况({SYNTHETIC})",
                ["干部编号", "姓名", "职务", "行政区划代码", "县(市、区)", "单位", "任职开始", "任职结束", "是否代理"],
                _tenures(counties, {d: names[d] for d in fw.departments}, fw.jurisdiction, last, seed), "任职情况")
    written.append(roster)
    return written
