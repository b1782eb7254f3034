"""Ingest of real files built in each test: every input form, encoding, unit and the provenance rules."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from tests.support.mini import MINI_FRAMEWORK, csv_bytes
from transforms.config.framework import ConfigError, Department, Framework, load_departments, load_framework
from transforms.intake.parse import ParseError, parse_submission
from transforms.intake.receive import load_units, parse_received, pull_inbox, receive_file, submission_history
from transforms.runtime.warehouse import rows


def _xlsx(*sheets: tuple[str, list[list]], percent: dict[tuple[str, str], str] | None = None) -> bytes:
    """A workbook with the given sheets (name, rows); `percent` sets number formats by (sheet, cell)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, sheet_rows in sheets:
        ws = wb.create_sheet(name)
        for r in sheet_rows:
            ws.append(r)
    for (sheet, ref), fmt in (percent or {}).items():
        wb[sheet][ref].number_format = fmt
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _observations(con) -> dict[tuple[str, str], tuple]:
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows(
        con, "SELECT region_code, indicator_code, value, raw_text, note FROM observation")}


def _ingest(home, con, fw, raw: bytes, name: str, department: str = "lyj", departments=None):
    sid = receive_file(con, home, raw, name, department, 2025).submission_id
    parse_received(con, home, fw, load_units(), departments)
    return sid


# ---- CSV: encodings ---------------------------------------------------------------------------------

def test_gbk_csv_with_title_row_units_and_messy_numbers(mini):
    home, con, fw = mini
    raw = csv_bytes(["测试市2025年填报表(演示)", "行政区划代码,县(市、区),森林覆盖率(%),耕地保有量(亩)",
                     "990001,甲县,８５．５,\"123,000\"", "990002,乙县,85%,100000", "990003,丙县,—,90000"], "gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK
    _ingest(home, con, fw, raw, "林业局.csv")
    kind, encoding, header_row = rows(con, "SELECT kind, encoding, header_row FROM submission")[0]
    assert (kind, encoding, header_row) == ("indicators", "gb18030", 2)
    obs = _observations(con)
    assert obs[("990001", "A")] == (85.5, "８５．５", None)  # full-width digits
    assert obs[("990002", "A")][0] == 85.0                   # "85%" in a % column
    assert obs[("990003", "A")][0] is None                   # "—" = missing
    assert rows(con, "SELECT row_number FROM observation WHERE region_code = '990001' AND indicator_code = 'A'") \
        == [(3,)]                                            # CSV line 3 as the steward counts it
    # 耕地保有量 is 市自然资源局's: not taken from 市林业局's file (it would be counted twice), with a warning;
    # its 亩 → 万亩 conversion of "123,000" is checked in tests/test_bad_inputs.py (thousands_separators)
    assert ("990001", "C") not in obs
    assert rows(con, "SELECT rule_id, severity FROM validation_result") == [("columns.foreign", "warning")]


@pytest.mark.parametrize("encoding, recorded", [("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("gb18030", "gb18030")])
def test_csv_encoding_is_detected_and_recorded(mini, encoding, recorded):
    home, con, fw = mini
    # 𠀀 (U+20000) exists in GB18030 but not in GBK: the file is only readable as UTF-8 or GB18030
    raw = csv_bytes(["行政区划代码,县(市、区),森林覆盖率(%),备注", "990001,甲县,40,𠀀 说明", "990002,乙县,50,",
                     "990003,丙县,60,"], encoding)
    _ingest(home, con, fw, raw, "f.csv")
    assert rows(con, "SELECT encoding FROM submission") == [(recorded,)]
    assert _observations(con)[("990001", "A")] == (40.0, "40", "𠀀 说明")


def test_csv_in_an_unknown_encoding_is_refused_naming_the_file(mini):
    home, con, fw = mini
    raw = "行政区划代码,县(市、区),森林覆盖率(%)\r\n990001,甲县,40\r\n".encode("utf-16")
    _ingest(home, con, fw, raw, "统计.csv")
    status, kind, message = rows(con, "SELECT status, kind, message FROM submission")[0]
    assert (status, kind) == ("rejected", "unreadable")
    assert "统计.csv" in message and "编码" in message and "另存为" in message  # names the file, says what to do


def test_bytes_valid_in_utf8_and_gbk_are_settled_by_the_headers_or_flagged(mini):
    home, con, fw = mini
    # 甲县 in UTF-8 (e7 94 b2 e5 8e bf) is also valid GB18030; ASCII headers cannot tell the two apart
    ambiguous = csv_bytes(["region_code,region_name,A", "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"])
    ambiguous.decode("gb18030")
    _ingest(home, con, fw, ambiguous, "ascii-header.csv")
    assert rows(con, "SELECT encoding FROM submission") == [("utf-8",)]
    [(message,)] = rows(con, "SELECT message FROM validation_result WHERE rule_id = 'file.encoding_ambiguous'")
    assert "ascii-header.csv" in message and "甲县" in message and "UTF-8" in message
    # with a Chinese header the UTF-8 reading is confirmed, nothing to flag
    sure = csv_bytes(["行政区划代码,地区名称,A", "990001,甲县,41", "990002,乙县,50", "990003,丙县,60"])
    sure.decode("gb18030")  # still valid GB18030, as it happens
    _ingest(home, con, fw, sure, "chinese-header.csv")
    assert rows(con, "SELECT encoding FROM submission WHERE file_name = 'chinese-header.csv'") == [("utf-8",)]
    assert rows(con, "SELECT count(*) FROM validation_result WHERE rule_id = 'file.encoding_ambiguous'")[0][0] == 1


# ---- XLSX: sheets, title rows, formats ----------------------------------------------------------------

def test_xlsx_with_merged_title_and_header_on_third_row(mini):
    home, con, fw = mini
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2025年数据"
    ws.append(["测试市 2025 年生态环境数据(演示)"])
    ws.merge_cells("A1:C1")
    ws.append([])
    ws.append(["行政区划代码", "县(市、区)", "细颗粒物浓度(微克/立方米)"])
    for code, name, v in [(990001, "甲县", 31.5), (990002, "乙县", 28), (990003, "丙县", 40.25)]:
        ws.append([code, name, v])
    buf = io.BytesIO()
    wb.save(buf)
    _ingest(home, con, fw, buf.getvalue(), "环境局.xlsx", "sthjj")
    got = dict(rows(con, "SELECT region_code, value FROM observation WHERE indicator_code = 'B'"))
    assert got == {"990001": 31.5, "990002": 28.0, "990003": 40.25}
    assert rows(con, "SELECT min(row_number) FROM observation")[0][0] == 4  # sheet row of 甲县
    assert rows(con, "SELECT sheet, header_row FROM submission") == [("2025年数据", 3)]


def test_xlsx_percent_formatted_cells_and_typed_text(mini):
    home, con, fw = mini
    raw = _xlsx(("数据", [["行政区划代码", "县(市、区)", "森林覆盖率(%)"], ["990001", "甲县", 0.855],
                         ["990002", "乙县", "62.5%"], ["990003", "丙县", "85,5"]]),
                percent={("数据", "C2"): "0.0%"})
    _ingest(home, con, fw, raw, "林业.xlsx")
    obs = _observations(con)
    assert obs[("990001", "A")][:2] == (85.5, "85.5%")  # typed 85.5% in Excel: stored 0.855, format 0.0%
    assert obs[("990002", "A")][0] == 62.5
    assert obs[("990003", "A")] == (None, "85,5", None)  # a decimal comma is refused, not read as 855


def test_xlsx_data_sheet_found_by_name_after_an_instructions_sheet(mini):
    home, con, fw = mini
    data = [["行政区划代码", "县(市、区)", "森林覆盖率(%)"], ["990001", "甲县", 40], ["990002", "乙县", 50],
            ["990003", "丙县", 60]]
    raw = _xlsx(("填报说明", [["请在考核数据表中填写"]]), ("参考_2024年已审核", data), ("林业局考核数据", data))
    _ingest(home, con, fw, raw, "wb.xlsx")
    assert rows(con, "SELECT sheet, kind FROM submission") == [("林业局考核数据", "indicators")]
    assert len(_observations(con)) == 3


def test_xlsx_configured_sheet_is_used_and_its_absence_is_a_clear_rejection(mini):
    home, con, fw = mini
    first = [["行政区划代码", "县(市、区)", "森林覆盖率(%)"], ["990001", "甲县", 1], ["990002", "乙县", 2],
             ["990003", "丙县", 3]]
    second = [["行政区划代码", "县(市、区)", "森林覆盖率(%)"], ["990001", "甲县", 41], ["990002", "乙县", 51],
              ["990003", "丙县", 61]]
    depts = [Department(code="lyj", name="市林业局", sheet="上报表")]
    _ingest(home, con, fw, _xlsx(("草稿", first), ("上报表", second)), "a.xlsx", departments=depts)
    assert rows(con, "SELECT sheet FROM submission") == [("上报表",)]
    assert _observations(con)[("990001", "A")][0] == 41.0
    _ingest(home, con, fw, _xlsx(("草稿", first)), "b.xlsx", departments=depts)
    status, message = rows(con, "SELECT status, message FROM submission WHERE file_name = 'b.xlsx'")[0]
    assert status == "rejected" and "b.xlsx" in message and "“上报表”" in message and "草稿" in message


# ---- forms: wide/long, region by code or name, missing values with a reason ------------------------------

def test_wide_form_with_regions_by_name_only(mini):
    home, con, fw = mini
    _ingest(home, con, fw, csv_bytes(["县(市、区),森林覆盖率(%)", "甲县,40", "乙县,50", "丙县,60"]), "names.csv")
    assert dict(rows(con, "SELECT region_code, value FROM observation")) == {
        "990001": 40.0, "990002": 50.0, "990003": 60.0}


def test_long_form_by_code_with_unit_column_and_reasons(mini):
    home, con, fw = mini
    lines = ["行政区划代码,县(市、区),指标代码,数值,单位,缺失原因说明",
             "990001,甲县,C,\"150,000\",亩,", "990002,乙县,C,8000,公顷,", "990003,丙县,C,—,万亩,土地变更调查未完成(演示)"]
    _ingest(home, con, fw, csv_bytes(lines), "long.csv", "zrzyj")
    obs = _observations(con)
    assert obs[("990001", "C")][0] == pytest.approx(15.0)        # 150,000 亩 = 15 万亩
    assert obs[("990002", "C")][0] == pytest.approx(12.0)        # 8000 公顷 × 0.0015 = 12 万亩
    assert obs[("990003", "C")] == (None, "—", "土地变更调查未完成(演示)")


def test_missing_value_with_reason_is_a_warning_kept_as_note_without_reason_an_error(mini):
    from expectations.steward import steward_report
    from expectations.validate import validate_pending
    from transforms.scoring.score import score_year

    home, con, fw = mini
    explained = ["行政区划代码,县(市、区),森林覆盖率(%),缺失原因说明",
                 "990001,甲县,40,", "990002,乙县,/,本县林地年度变更调查延期(演示)", "990003,丙县,60,"]
    _ingest(home, con, fw, csv_bytes(explained), "explained.csv")
    [ok] = validate_pending(con, home, fw)
    assert (ok.status, ok.errors, ok.warnings) == ("accepted", 0, 1)
    report = steward_report(con, ok.submission_id)
    [rule] = [r for r in report["rules"] if r["rule_id"] == "value.missing_explained"]
    assert rule["rows"][0]["note"] == "本县林地年度变更调查延期(演示)" and rule["rows"][0]["region_code"] == "990002"
    score_year(con, fw, 2025, "run-1", with_previous=False)
    [(flag,)] = rows(con, "SELECT flag FROM score WHERE region_code = '990002' AND indicator_code = 'A'")
    assert "本县林地年度变更调查延期(演示)" in flag  # the reason reaches the county report's number

    unexplained = ["行政区划代码,县(市、区),森林覆盖率(%),缺失原因说明", "990001,甲县,40,", "990002,乙县,,",
                   "990003,丙县,待核实,正在核实"]  # empty without reason; text is not a missing marker
    _ingest(home, con, fw, csv_bytes(unexplained), "unexplained.csv")
    [bad] = validate_pending(con, home, fw)
    assert bad.status == "rejected"
    [(failures,)] = rows(con, "SELECT failures FROM validation_result WHERE submission_id = ? "
                              "AND rule_id = 'value.present' AND NOT success", [bad.submission_id])
    assert sorted(f["region_code"] for f in json.loads(failures)) == ["990002", "990003"]
    # the rejected version leaves the accepted one current
    assert rows(con, "SELECT submission_id FROM current_submission") == [(ok.submission_id,)]


# ---- units ---------------------------------------------------------------------------------------------

def _units_framework() -> Framework:
    doc = yaml.safe_load(yaml.safe_dump(MINI_FRAMEWORK))
    doc["indicators"] = [
        {"code": code, "name": name, "category": "X", "unit": unit, "direction": 1, "weight_class": "○",
         "valid_range": [0, 1e9], "department": "lyj"}
        for code, name, unit in [("P", "占比", "%"), ("Q", "面积", "万亩"), ("R", "产值", "亿元"),
                                 ("S", "系数", "—"), ("T", "保护区", "万公顷")]]
    doc["categories"] = [c for c in doc["categories"] if c["code"] == "X"]  # an empty category is refused
    doc["veto_rules"] = []
    return Framework.model_validate(doc)


@pytest.mark.parametrize("header, cell, expected", [
    ("占比(比值)", "0.85", 85.0), ("占比(‰)", "850", 85.0), ("占比(％)", "85", 85.0), ("占比(%)", "0.85%", 0.85),
    ("面积(亩)", "1,234,567", 123.4567), ("面积(公顷)", "1000", 1.5), ("面积(平方公里)", "10", 1.5),
    ("面积(万公顷)", "2", 30.0), ("产值(万元)", "12,345.6", 1.23456), ("产值(元)", "250000000", 2.5),
    ("系数(—)", "0.55", 0.55), ("系数(—)", "55%", 0.55), ("保护区(亩)", "15000", 0.1), ("保护区(公顷)", "5000", 0.5),
])
def test_declared_units_are_converted_to_the_canonical_unit(header, cell, expected):
    raw = csv_bytes(["行政区划代码," + header, "990001," + (f'"{cell}"' if "," in cell else cell)])
    parsed = parse_submission(raw, "u.csv", _units_framework(), load_units())
    assert [p.rule_id for p in parsed.problems] == []
    assert parsed.frame["value"].to_list() == [pytest.approx(expected)]


def test_unknown_unit_is_an_error_naming_file_column_and_unit():
    raw = csv_bytes(["标题", "行政区划代码,面积(斤),占比(%)", "990001,3,40"])
    parsed = parse_submission(raw, "林业局报表.csv", _units_framework(), load_units())
    [problem] = parsed.problems
    assert (problem.rule_id, problem.severity, problem.row, problem.column) == ("header.unknown_unit", "error", 2,
                                                                              "面积(斤)")
    assert "林业局报表.csv" in problem.message and "“斤”" in problem.message and "万亩" in problem.message
    assert parsed.frame["indicator_code"].to_list() == ["P"]  # the other columns are still read


# units a framework of its own may declare: spaces, slashes, currency signs, brackets, superscripts
SYMBOL_UNITS = [("G", "人均GDP", "2017 PPP $"), ("H", "人均收入", "万元/人"), ("K", "人均排放", "kg/(人·a)"),
                ("L", "碳强度", "t CO₂e / 万元"), ("M", "颗粒物", "μg/m³")]


def _symbol_units_framework(mini_data=None) -> tuple[Framework, Path | None]:
    doc = yaml.safe_load(yaml.safe_dump(MINI_FRAMEWORK, allow_unicode=True))
    doc["id"] = "symbols"
    doc["indicators"] = [{"code": c, "name": n, "category": "X", "unit": u, "direction": 1, "weight_class": "○",
                          "valid_range": [0, 1e9], "department": "lyj"} for c, n, u in SYMBOL_UNITS]
    doc["categories"] = [c for c in doc["categories"] if c["code"] == "X"]
    doc["veto_rules"] = []
    if mini_data is None:
        return Framework.model_validate(doc), None
    path = mini_data / "frameworks" / "symbols.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    return load_framework(path), path


@pytest.mark.parametrize("spelled", ["{name}({unit})", "{name}（{unit}）", "{name} ( {unit} )"])
def test_a_framework_unit_with_spaces_slashes_and_symbols_is_accepted_verbatim(spelled):
    fw, _ = _symbol_units_framework()
    headers = [spelled.format(name=n, unit=u) for _, n, u in SYMBOL_UNITS]
    raw = csv_bytes(["行政区划代码," + ",".join(f'"{h}"' for h in headers), "990001,1,2,3,4,5"])
    parsed = parse_submission(raw, "u.csv", fw, load_units())
    assert [p.message for p in parsed.problems] == []
    assert dict(zip(parsed.frame["indicator_code"], parsed.frame["value"])) == {"G": 1, "H": 2, "K": 3, "L": 4, "M": 5}
    # long form: the unit in a 单位 column, written as the framework writes it
    long = csv_bytes(["行政区划代码,指标代码,数值,单位"] + [f'990001,{c},7,"{u}"' for c, _, u in SYMBOL_UNITS])
    parsed = parse_submission(long, "l.csv", fw, load_units())
    assert [p.message for p in parsed.problems] == [] and parsed.frame["value"].to_list() == [7] * 5
    # a different unit is still refused, naming it
    wrong = csv_bytes(["行政区划代码,人均GDP(2017 PPP €)", "990001,1"])
    [problem] = parse_submission(wrong, "w.csv", fw, load_units()).problems
    assert problem.rule_id == "header.unknown_unit" and "“2017PPP€”" in problem.message and "“2017 PPP $”" in problem.message


def test_the_template_header_of_a_symbol_unit_is_verbatim_and_ingests_unchanged(mini, mini_data, tmp_path):
    from transforms.intake.excel_template import write_template
    from transforms.runtime.warehouse import load_config

    _, con, _ = mini
    fw, path = _symbol_units_framework(mini_data)
    load_config(con, fw, path, mini_data)
    book = write_template(con, fw, "lyj", 2025, tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[2]][2:-1] == [f"{n}({u})" for _, n, u in SYMBOL_UNITS]
    for r in range(3, ws.max_row + 1):
        for c in range(3, 3 + len(SYMBOL_UNITS)):
            ws.cell(r, c, value=r * 10 + c)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = parse_submission(buf.getvalue(), book.name, fw, load_units())
    assert parsed.problems == [] and parsed.frame.height == 3 * len(SYMBOL_UNITS)
    assert parsed.frame.filter(parsed.frame["indicator_code"] == "K")["value"].to_list() == [35, 45, 55]


def test_a_name_ending_in_brackets_keeps_them_and_the_unit_is_the_last_group():
    from transforms.intake.parse import split_unit

    assert split_unit("人均GDP(现价)(万元/人)") == ("人均GDP(现价)", "万元/人")
    assert split_unit("人均排放（kg/(人·a)）") == ("人均排放", "kg/(人·a)")
    assert split_unit("PM2.5") == ("PM2.5", None) and split_unit("坏(括号") == ("坏(括号", None)
    assert split_unit("x()") == ("x()", None)


def test_units_file_is_validated_and_contradicting_routes_are_refused(tmp_path):
    (tmp_path / "units.yaml").write_text(
        "conversions:\n  - {from: 亩, to: 万亩, factor: 0.0001}\n  - {from: 公顷, to: 亩, factor: 15}\n"
        "  - {from: 公顷, to: 万亩, factor: 0.002}\n", "utf-8")
    with pytest.raises(ConfigError, match="经不同换算路径得到不同系数"):
        load_units(tmp_path)
    (tmp_path / "units.yaml").write_text("conversions:\n  - {from: 亩, to: 万亩, factor: zero}\n", "utf-8")
    with pytest.raises(ConfigError, match="conversions\\[0\\] \\(亩 → 万亩\\).*不是数"):
        load_units(tmp_path)
    units = load_units()  # the shipped file: inverses and chains
    assert units[("万亩", "亩")] == pytest.approx(10_000) and units[("亩", "万公顷")] == pytest.approx(1 / 150_000)


# ---- provenance ----------------------------------------------------------------------------------------

def test_same_bytes_recognised_new_bytes_new_version_archive_unchanged(mini, tmp_path):
    home, con, fw = mini
    inbox = tmp_path / "inbox" / "2025" / "市林业局"  # folder named by the department's Chinese name
    inbox.mkdir(parents=True)
    first = csv_bytes(["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"])
    (inbox / "a.csv").write_bytes(first)
    got = pull_inbox(con, home, tmp_path / "inbox", load_departments())
    again = pull_inbox(con, home, tmp_path / "inbox", load_departments())
    assert [r.duplicate for r in got] == [False] and [r.duplicate for r in again] == [True]
    (inbox / "copy of a.csv").write_bytes(first)  # same bytes under another name: still the same file
    assert [r.duplicate for r in pull_inbox(con, home, tmp_path / "inbox", load_departments())] == [True, True]
    (inbox / "b.csv").write_bytes(first.replace(b"40", b"41"))
    pull_inbox(con, home, tmp_path / "inbox", load_departments())
    parse_received(con, home, fw, load_units())
    subs = rows(con, "SELECT department, version, sha256, archive_path FROM submission ORDER BY submission_id")
    assert [(d, v) for d, v, _, _ in subs] == [("lyj", 1), ("lyj", 2)]
    for _, _, sha, archive in subs:  # archived unchanged, under a name derived from the hash
        data = (home.root / archive).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha
        assert sha[:16] in archive and ".." not in archive


def test_versions_stay_queryable_and_the_newest_accepted_is_current(mini, tmp_path):
    from expectations.validate import validate_pending

    home, con, fw = mini
    inbox = tmp_path / "inbox" / "2025" / "lyj"
    inbox.mkdir(parents=True)
    header = "行政区划代码,县(市、区),森林覆盖率(%)"
    files = {"v1.csv": [header, "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"],
             "v2.csv": [header, "990001,甲县,42", "990002,乙县,50", "990003,丙县,60"],
             "v3.csv": [header, "990001,甲县,420", "990002,乙县,50", "990003,丙县,60"]}  # out of range
    for name, lines in files.items():
        (inbox / name).write_bytes(csv_bytes(lines))
        pull_inbox(con, home, tmp_path / "inbox", load_departments())
        parse_received(con, home, fw, load_units())
        validate_pending(con, home, fw)
        (inbox / name).unlink()  # the share is cleaned up: the archive keeps it
    history = submission_history(con, 2025, "lyj")
    assert history.select("version", "status", "is_current").rows() == [
        (1, "accepted", False), (2, "accepted", True), (3, "rejected", False)]
    assert history["received_at"].is_sorted() and history["sha256"].n_unique() == 3
    for archive, sha in history.select("archive_path", "sha256").rows():
        assert hashlib.sha256((home.root / archive).read_bytes()).hexdigest() == sha
    per_version = rows(con, """SELECT s.version, o.value FROM observation o JOIN submission s USING (submission_id)
                               WHERE o.region_code = '990001' ORDER BY s.version""")
    assert per_version == [(1, 40.0), (2, 42.0), (3, 420.0)]  # nothing overwritten, every version's data kept
    assert rows(con, "SELECT value FROM current_observation WHERE region_code = '990001'") == [(42.0,)]


def test_unreadable_file_is_archived_and_rejected_with_chinese_message(mini):
    home, con, fw = mini
    _ingest(home, con, fw, b"\x00\x01garbage\xff\xfe" * 10, "数据.xlsx")
    status, kind, message = rows(con, "SELECT status, kind, message FROM submission")[0]
    assert (status, kind) == ("rejected", "unreadable")
    assert "数据.xlsx" in message and "Excel" in message


def test_parse_error_for_a_table_without_a_header_names_the_file():
    with pytest.raises(ParseError, match="文件 x.csv: 前 30 行中找不到表头"):
        parse_submission(csv_bytes(["a,b", "1,2"]), "x.csv", _units_framework(), load_units())


# ---- configuration errors ------------------------------------------------------------------------------

def test_broken_framework_names_file_entry_and_problem(tmp_path):
    doc = yaml.safe_load(yaml.safe_dump(MINI_FRAMEWORK))
    doc["indicators"][1]["category"] = "Z"
    doc["indicators"][2]["direction"] = 2
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError) as err:
        load_framework(path)
    text = str(err.value)
    assert "broken.yaml" in text and "indicators[C].direction" in text
    doc["indicators"][2]["direction"] = 1
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError, match="指标 B 的类别 'Z' 未定义"):
        load_framework(path)
    for ind in doc["indicators"]:
        ind["in_index"] = False
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError, match="至少须有一项指标计入指数"):
        load_framework(path)


# ---- templates -----------------------------------------------------------------------------------------

def test_filled_template_ingests_and_validates_without_edit(mini, tmp_path):
    from expectations.validate import validate_pending
    from transforms.intake.excel_template import write_template

    home, con, fw = mini
    path = write_template(con, fw, "lyj", 2025, tmp_path / "模板.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[2]] == ["行政区划代码", "县(市、区)", "森林覆盖率(%)", "缺失原因说明"]
    assert ws.data_validations.dataValidation[0].formula2 == "100"
    assert wb.sheetnames[1] == "填报说明" and "缺失原因说明" in "".join(c.value for c in wb["填报说明"]["A"])
    for row, value in zip(range(3, 6), (40, 50.5, 61)):
        ws.cell(row=row, column=3, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    receive_file(con, home, buf.getvalue(), "filled.xlsx", "lyj", 2025)
    parse_received(con, home, fw, load_units())
    [outcome] = validate_pending(con, home, fw)
    assert outcome.status == "accepted"
    assert dict(rows(con, "SELECT region_code, value FROM current_observation")) == {
        "990001": 40.0, "990002": 50.5, "990003": 61.0}


def test_template_writes_data_text_as_strings_never_formulas(mini, tmp_path):
    from transforms.intake.excel_template import write_template

    home, con, fw = mini
    con.execute("UPDATE region SET name = '=HYPERLINK(\"http://x\",\"甲\")' WHERE region_code = '990001'")
    con.execute("UPDATE region SET name = '@SUM(1)' WHERE region_code = '990002'")
    path = write_template(con, fw, "lyj", 2025, tmp_path / "t.xlsx")
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all("<f>" not in z.read(n).decode() for n in sheets)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert (ws["B3"].value, ws["B3"].data_type) == ('=HYPERLINK("http://x","甲")', "s")
    assert (ws["B4"].value, ws["B4"].data_type) == ("@SUM(1)", "s")


def test_every_department_template_of_the_demo_framework_ingests_unchanged(tmp_path):
    """The real framework and counties: each department's template, filled with in-range values
    (one left empty with a reason), parses with no problem into every county × indicator."""
    from transforms.config.framework import DATA_DIR, framework_path
    from transforms.intake.excel_template import write_template
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect, load_config

    fw_path = framework_path("ganzhou_2024")
    fw = load_framework(fw_path)
    home = Home.resolve(tmp_path / "home")
    con = connect(home.warehouse)
    load_config(con, fw, fw_path, DATA_DIR)
    units = load_units()
    for dept in fw.departments:
        path = write_template(con, fw, dept, 2025, tmp_path / f"{dept}.xlsx")
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        width = ws.max_column
        for r in range(3, ws.max_row + 1):
            for c in range(3, width):
                ind = next(i for i in fw.reported_items if f"{i.name}({i.unit})" == ws.cell(2, c).value)
                lo, hi = ind.valid_range
                ws.cell(r, c, value=round(lo + (hi - lo) * ((r * 7 + c) % 10) / 10, 2))
        ws.cell(3, 3).value = None  # (ws.cell(..., value=None) would leave the cell as it was)
        ws.cell(3, width, value="演示: 该县本年度未开展此项统计")
        buf = io.BytesIO()
        wb.save(buf)
        parsed = parse_submission(buf.getvalue(), path.name, fw, units, None, ("lyj",))
        assert parsed.problems == [], dept
        own = [i.code for i in fw.reported_items if i.department == dept]
        assert parsed.frame.height == 18 * len(own)
        noted = parsed.frame.filter(parsed.frame["note"].is_not_null())  # the row's reason, on each of its values
        assert set(noted["region_code"]) == {"360702"} and noted["value"].null_count() == 1
    con.close()


def test_a_2_gb_file_in_the_inbox_is_archived_in_chunks_and_refused_unread(mini, tmp_path):
    """A 2 GB file dropped on the share (sparse: it costs no disk, nor does its archive copy) is
    hashed and archived in 1 MB chunks, never held whole, and refused by its size without being
    read, with a Chinese message naming the file and the limit. Python's allocations are traced:
    reading the file whole would show a 2 GB peak."""
    import tracemalloc

    from transforms.intake.guards import MAX_FILE_BYTES

    home, con, fw = mini
    folder = tmp_path / "inbox" / "2025" / "lyj"
    folder.mkdir(parents=True)
    big = folder / "林业局_全部数据.csv"
    size = 2 << 30
    with open(big, "wb") as fh:  # non-zero bytes at both ends of a hole
        fh.write(b"head")
        fh.truncate(size)
        fh.seek(size - 4)
        fh.write(b"tail")
    assert big.stat().st_blocks * 512 < 1 << 20  # sparse indeed

    tracemalloc.start()
    try:
        [got] = pull_inbox(con, home, tmp_path / "inbox", load_departments())
        parse_received(con, home, fw, load_units())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20, f"peak {peak / 2**20:.0f} MB"

    status, kind, message, archive, sha, size_bytes = rows(
        con, "SELECT status, kind, message, archive_path, sha256, size_bytes FROM submission "
             "WHERE submission_id = ?", [got.submission_id])[0]
    assert (status, kind, size_bytes) == ("rejected", "unreadable", size)
    assert big.name in message and "2048.0 MB" in message and f"{MAX_FILE_BYTES >> 20}.0 MB" in message, message
    assert "超过上限" in message
    [(rule,)] = rows(con, "SELECT rule_id FROM validation_result WHERE submission_id = ?", [got.submission_id])
    assert rule == "file.too_large"
    stored = home.root / archive
    assert stored.stat().st_size == size and stored.stat().st_blocks * 512 <= 2 << 20  # archived, still sparse
    with open(big, "rb") as fh:
        assert hashlib.file_digest(fh, "sha256").hexdigest() == sha
    with open(stored, "rb") as fh:
        assert fh.read(4) == b"head" and fh.seek(size - 4) and fh.read() == b"tail"


def test_a_copy_left_half_written_by_a_killed_run_is_removed_and_the_file_received_again(mini_spec, tmp_path):
    """A run killed while copying a file into the archive leaves `.<name>.<pid>-<hex>.tmp`; the next
    run's ingest deletes it and receives the file (still in the inbox) whole. Archived files stay."""
    from flows import stages as pipeline
    from transforms.runtime.warehouse import connect

    spec, home = mini_spec, mini_spec.home
    folder = tmp_path / "inbox" / "2025" / "lyj"
    folder.mkdir(parents=True)
    good = csv_bytes(["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"])
    (folder / "a.csv").write_bytes(good)
    pipeline.ingest(spec)
    [archived] = [p for p in home.archive.rglob("*") if p.is_file()]
    before = archived.read_bytes()
    partial = archived.parent / f".000009-{'0' * 16}.csv.4242-deadbeef.tmp"
    partial.write_bytes(good[:20])  # the kill came mid-copy of a second file
    (folder / "b.csv").write_bytes(good.replace(b"40", b"41"))
    pipeline.ingest(spec)
    assert not partial.exists() and not list(home.archive.rglob("*.tmp"))
    assert archived.read_bytes() == before
    con = connect(home.warehouse)
    subs = rows(con, "SELECT file_name, sha256, archive_path FROM submission ORDER BY submission_id")
    con.close()
    assert [f for f, _, _ in subs] == ["a.csv", "b.csv"]
    for _, sha, path in subs:
        assert hashlib.sha256((home.root / path).read_bytes()).hexdigest() == sha
