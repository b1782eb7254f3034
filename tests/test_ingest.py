"""Ingest of real files built in the test: a GBK CSV and an XLSX with a title row; provenance."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pytest
import yaml

from tests.conftest import MINI_FRAMEWORK, csv_bytes
from transforms.config import ConfigError, load_framework
from transforms.intake import load_units, parse_received, pull_inbox, receive_file
from transforms.config import load_departments
from transforms.warehouse import rows


def test_gbk_csv_with_title_row_units_and_messy_numbers(mini):
    home, con, fw = mini
    raw = csv_bytes(["测试市2025年填报表(演示)", "行政区划代码,县(市、区),森林覆盖率(%),耕地保有量(亩)",
                     "990001,甲县,８５．５,\"123,000\"", "990002,乙县,85%,100000", "990003,丙县,—,90000"], "gbk")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is GBK
    receive_file(con, home, raw, "林业局.csv", "lyj", 2025)
    parse_received(con, home, fw, load_units())
    kind, encoding = rows(con, "SELECT kind, encoding FROM submission")[0]
    assert (kind, encoding) == ("indicators", "gb18030")
    obs = {(r[0], r[1]): (r[2], r[3], r[4]) for r in rows(
        con, "SELECT region_code, indicator_code, value, raw_text, row_number FROM observation")}
    assert obs[("990001", "A")] == (85.5, "８５．５", 3)  # full-width digits, CSV line 3
    assert obs[("990002", "A")][0] == 85.0               # "85%" in a % column
    assert obs[("990003", "A")][0] is None                # "—" = missing
    # 耕地保有量 is 市自然资源局's: not taken from 市林业局's file (it would be counted twice), with a warning;
    # its 亩 → 万亩 conversion of "123,000" is checked in tests/test_bad_inputs.py (thousands_separators)
    assert ("990001", "C") not in obs
    assert rows(con, "SELECT rule_id, severity FROM validation_result") == [("columns.foreign", "warning")]


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
    receive_file(con, home, buf.getvalue(), "环境局.xlsx", "sthjj", 2025)
    parse_received(con, home, fw, load_units())
    got = dict(rows(con, "SELECT region_code, value FROM observation WHERE indicator_code = 'B'"))
    assert got == {"990001": 31.5, "990002": 28.0, "990003": 40.25}
    assert rows(con, "SELECT min(row_number) FROM observation")[0][0] == 4  # sheet row of 甲县


def test_same_bytes_recognised_new_bytes_new_version_archive_unchanged(mini, tmp_path):
    home, con, fw = mini
    inbox = tmp_path / "inbox" / "2025" / "市林业局"  # folder named by the department's Chinese name
    inbox.mkdir(parents=True)
    first = csv_bytes(["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"])
    (inbox / "a.csv").write_bytes(first)
    got = pull_inbox(con, home, tmp_path / "inbox", load_departments())
    again = pull_inbox(con, home, tmp_path / "inbox", load_departments())
    assert [r.duplicate for r in got] == [False] and [r.duplicate for r in again] == [True]
    (inbox / "b.csv").write_bytes(first.replace(b"40", b"41"))
    pull_inbox(con, home, tmp_path / "inbox", load_departments())
    parse_received(con, home, fw, load_units())
    subs = rows(con, "SELECT department, version, sha256, archive_path FROM submission ORDER BY submission_id")
    assert [(d, v) for d, v, _, _ in subs] == [("lyj", 1), ("lyj", 2)]
    for _, _, sha, archive in subs:  # archived unchanged, under a name derived from the hash
        data = (home.root / archive).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha
        assert sha[:16] in archive and ".." not in archive


def test_unreadable_file_is_archived_and_rejected_with_chinese_message(mini):
    home, con, fw = mini
    receive_file(con, home, b"\x00\x01garbage\xff\xfe" * 10, "数据.xlsx", "lyj", 2025)
    parse_received(con, home, fw, load_units())
    status, kind, message = rows(con, "SELECT status, kind, message FROM submission")[0]
    assert (status, kind) == ("rejected", "unreadable")
    assert "数据.xlsx" in message and "Excel" in message


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


def test_filled_template_ingests_and_validates_without_edit(mini, tmp_path):
    from expectations.validate import validate_pending
    from transforms.templates import write_template

    home, con, fw = mini
    path = write_template(con, fw, "lyj", 2025, tmp_path / "模板.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[2]] == ["行政区划代码", "县(市、区)", "森林覆盖率(%)"]
    assert ws.data_validations.dataValidation[0].formula2 == "100"
    assert wb.sheetnames[1] == "填报说明"
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
