"""Round trip (issue 17): whatever shape a fine submission takes, the stored observations are what its
cells mean, value by value.

Hypothesis writes submissions as departments do: CSV (UTF-8 or GBK) or XLSX, wide (one column per
indicator) or long (one row per county and indicator), headers with or without units (or in a
convertible unit: 耕地保有量 in 亩), a title row, line breaks in header cells, a notes column with
some values left as “—” and explained, signature rows under the table, values typed as `85%`, with
thousands separators, in full-width digits or as percent-formatted Excel numbers. Each file goes
through receive → parse into a warehouse; it must be read without an error, and every stored
observation must equal the meaning the generator put in the cell (canonical unit), note for note.
"""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.mini import MINI_FRAMEWORK, MINI_REGIONS
from transforms.config.framework import DATA_DIR, load_framework
from transforms.intake.receive import load_units, parse_received, receive_file
from transforms.runtime.home import Home
from transforms.runtime.warehouse import connect, load_config, rows

COUNTIES = [("990001", "甲县"), ("990002", "乙县"), ("990003", "丙县")]
# one department reporting all three indicators, so a wide file has several indicator columns
INDICATORS = {"A": ("森林覆盖率", "%"), "B": ("细颗粒物浓度", "μg/m³"), "C": ("耕地保有量", "万亩")}
FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("roundtrip")
    data = root / "data"
    (data / "frameworks").mkdir(parents=True)
    spec = yaml.safe_load(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True))
    for ind in spec["indicators"]:
        ind["department"] = "lyj"
    (data / "frameworks" / "mini.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), "utf-8")
    (data / "regions.csv").write_text(MINI_REGIONS, "utf-8")
    for name in ("departments.yaml", "units.yaml"):
        (data / name).write_bytes((DATA_DIR / name).read_bytes())
    fw = load_framework(data / "frameworks" / "mini.yaml")
    home = Home.resolve(root / "home")
    con = connect(home.warehouse)
    load_config(con, fw, data / "frameworks" / "mini.yaml", data)
    yield home, con, fw, load_units(data)
    con.close()


# a value: its meaning in the canonical unit (2 decimals), or None (left as “—” with a reason)
def _values(code: str):
    low, high = {"A": (5, 99), "B": (1, 299), "C": (1, 199)}[code]
    return st.decimals(low, high, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def submissions(draw):
    codes = draw(st.lists(st.sampled_from(sorted(INDICATORS)), min_size=1, max_size=3, unique=True))
    notes = draw(st.booleans())
    meaning = {}
    for code in codes:
        for region, _ in COUNTIES:
            missing = notes and draw(st.integers(0, 9)) == 0
            meaning[(region, code)] = (None if missing else draw(_values(code)),
                                       draw(st.sampled_from(["数据未更新", "口径调整", None])) if notes else None)
            if missing:
                meaning[(region, code)] = (None, "该县本年度未开展统计")
    fmt = draw(st.sampled_from(["csv-utf8", "csv-gbk", "xlsx"]))
    units = {c: draw(st.sampled_from(["none", "canonical"] + (["亩"] if c == "C" else []))) for c in codes}
    if fmt == "csv-gbk" and units.get("B") == "canonical":
        units["B"] = "none"  # GBK has no “³”: such an office writes the header without the unit
    return {
        "codes": codes, "meaning": meaning, "notes": notes, "format": fmt, "units": units,
        "long": draw(st.booleans()),
        "by_name": draw(st.booleans()),
        "title": draw(st.booleans()),
        "line_break": draw(st.booleans()),
        "signature": draw(st.booleans()),
        "style": draw(st.sampled_from(["plain", "percent", "fullwidth", "thousands", "number"])),
    }


def _cell(sub: dict, code: str, value: Decimal | None, unit: str | None):
    """What the steward typed for `value` (meaning in the canonical unit) in a column of `unit`."""
    if value is None:
        return "—"
    shown = value * 10000 if unit == "亩" else value
    style, xlsx = sub["style"], sub["format"] == "xlsx"
    if style == "number" and xlsx:
        return float(shown) if shown != shown.to_integral() else int(shown)
    text = f"{shown.normalize():f}"
    if style == "percent" and code == "A":
        return text + "%"
    if style == "fullwidth":
        return text.translate(FULLWIDTH)
    if style == "thousands" and shown >= 1000:
        return f"{shown.normalize():,f}"
    return text


def _header(sub: dict, code: str) -> str:
    name, unit = INDICATORS[code]
    choice = sub["units"][code]
    label = name if choice == "none" else f"{name}({unit if choice == 'canonical' else choice})"
    return label.replace("(", "\n(") if sub["line_break"] and choice != "none" else label


def _table(sub: dict) -> list[list]:
    region_head = ["县(市、区)"] if sub["by_name"] else ["行政区划代码", "县(市、区)"]
    region = (lambda c, n: [n]) if sub["by_name"] else (lambda c, n: [c, n])
    note_head = ["备注"] if sub["notes"] else []
    table: list[list] = [["测试市2025年度生态文明建设考核数据填报表"]] if sub["title"] else []
    if sub["long"]:
        unit_col = any(u != "none" for u in sub["units"].values())
        table.append(region_head + ["指标名称", "数值"] + (["单位"] if unit_col else []) + note_head)
        for code in sub["codes"]:
            name, canonical = INDICATORS[code]
            choice = sub["units"][code]
            unit = None if choice == "none" else canonical if choice == "canonical" else choice
            for c, n in COUNTIES:
                value, note = sub["meaning"][(c, code)]
                table.append(region(c, n) + [name, _cell(sub, code, value, unit)] + ([unit or ""] if unit_col else [])
                             + ([note or ""] if sub["notes"] else []))
    else:
        table.append(region_head + [_header(sub, c) for c in sub["codes"]] + note_head)
        for c, n in COUNTIES:
            cells = [_cell(sub, code, sub["meaning"][(c, code)][0], sub["units"][code]) for code in sub["codes"]]
            notes = {sub["meaning"][(c, code)][1] for code in sub["codes"]} - {None}
            table.append(region(c, n) + cells + (["；".join(sorted(notes))] if sub["notes"] else []))
    if sub["signature"]:
        table += [[], ["填报人：王芳", "", "审核人：李强"], ["联系电话：0797-8123456", "填报日期：2026年1月8日"]]
    return table


def _bytes(sub: dict, table: list[list]) -> tuple[bytes, str]:
    if sub["format"] == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "2025年考核数据"
        for r in table:
            ws.append(r)
        if sub["style"] == "number" and "A" in sub["codes"]:  # 85 % typed into a percent-formatted cell
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, (int, float)) and _is_a_column(sub, table, cell):
                        cell.value = float(Decimal(repr(cell.value)) / 100)
                        cell.number_format = "0.00%"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), "林业局.xlsx"

    def field(v) -> str:
        text = "" if v is None else str(v)
        return f'"{text}"' if any(ch in text for ch in ',"\n') else text

    text = "\r\n".join(",".join(field(v) for v in r) for r in table) + "\r\n"
    return text.encode("gbk" if sub["format"] == "csv-gbk" else "utf-8"), "林业局.csv"


def _is_a_column(sub: dict, table: list[list], cell) -> bool:
    """Whether an XLSX cell holds a value of 森林覆盖率 (A), the one % indicator."""
    if sub["long"]:
        return table[cell.row - 1][1 if sub["by_name"] else 2] == "森林覆盖率"
    header = table[1 if sub["title"] else 0]
    return str(header[cell.column - 1]).replace("\n", "").startswith("森林覆盖率")


def _expected_notes(sub: dict) -> dict:
    """The note stored with each observation: the row's note (wide: one note cell per county row)."""
    if not sub["notes"]:
        return {key: None for key in sub["meaning"]}
    if sub["long"]:
        return {key: note for key, (_, note) in sub["meaning"].items()}
    by_region = {c: "；".join(sorted({sub["meaning"][(c, code)][1] for code in sub["codes"]} - {None})) or None
                 for c, _ in COUNTIES}
    return {(c, code): by_region[c] for (c, code) in sub["meaning"]}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sub=submissions())
def test_stored_observations_are_what_the_cells_mean(office, sub):
    home, con, fw, units = office
    for table in ("observation", "validation_result", "declaration", "signature", "submission"):
        con.execute(f"DELETE FROM {table}")
    table = _table(sub)
    raw, name = _bytes(sub, table)
    sid = receive_file(con, home, raw, name, "lyj", 2025).submission_id
    assert parse_received(con, home, fw, units) == [sid], rows(con, "SELECT message FROM submission")
    problems = rows(con, "SELECT rule_id, message FROM validation_result WHERE submission_id = ?", [sid])
    assert problems == [], (problems, table)
    stored = {(r[0], r[1]): (r[2], r[3]) for r in rows(
        con, "SELECT region_code, indicator_code, value, note FROM observation WHERE submission_id = ?", [sid])}
    notes = _expected_notes(sub)
    assert set(stored) == set(sub["meaning"]), table
    for key, (value, _) in sub["meaning"].items():
        got, note = stored[key]
        assert (got is None) == (value is None), (key, got, value, table)
        if value is not None:
            assert got == pytest.approx(float(value), rel=1e-12, abs=1e-9), (key, got, value, table)
        assert note == notes[key], (key, note, notes[key], table)
    signed = {r[0] for r in rows(con, "SELECT role FROM signature WHERE submission_id = ?", [sid])}
    assert signed == ({"填报人", "审核人", "联系电话", "填报日期"} if sub["signature"] else set())


def test_generated_files_cover_every_shape():
    """The strategy reaches every format, form and style (else the property proves less than it says)."""
    seen = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(sub=submissions())
    def collect(sub):
        seen.update({sub["format"], "long" if sub["long"] else "wide", sub["style"], *sub["units"].values()})

    collect()
    assert {"csv-utf8", "csv-gbk", "xlsx", "long", "wide", "plain", "percent", "fullwidth", "thousands", "number",
            "none", "canonical", "亩"} <= seen
