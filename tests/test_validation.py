"""Great Expectations suites on real submissions: failures are named, rejects never change accepted data."""

from __future__ import annotations

import json

from tests.conftest import csv_bytes
from expectations.validate import validate_pending
from transforms.intake import load_units, parse_received, receive_file
from transforms.warehouse import rows

GOOD = ["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"]


def _submit(home, con, fw, lines, name="lyj.csv"):
    receive_file(con, home, csv_bytes(lines), name, "lyj", 2025)
    parse_received(con, home, fw, load_units())
    return validate_pending(con, home, fw)


def test_good_file_is_accepted_and_gx_result_kept(mini):
    home, con, fw = mini
    [outcome] = _submit(home, con, fw, GOOD)
    assert (outcome.status, outcome.errors) == ("accepted", 0)
    gx = json.loads(rows(con, "SELECT gx_result FROM validation_run")[0][0])
    assert gx["success"] is True and len(gx["results"]) >= 6
    assert (home.validation_root / str(outcome.submission_id) / "gx_result.json").exists()


def test_failing_expectations_reject_and_name_row_county_indicator(mini):
    home, con, fw = mini
    _submit(home, con, fw, GOOD)
    before = rows(con, "SELECT region_code, indicator_code, value FROM current_observation ORDER BY ALL")
    bad = ["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,140", "990009,错县,50", "990003,丙县,abc"]
    [outcome] = _submit(home, con, fw, bad, "lyj_v2.csv")
    assert outcome.status == "rejected" and outcome.errors >= 4
    failed = {r[0]: (f"{r[1]} 期望: {r[2]}", json.loads(r[3])) for r in rows(
        con, "SELECT rule_id, message, expected, failures FROM validation_result "
             "WHERE submission_id = ? AND NOT success",
        [outcome.submission_id])}
    assert set(failed) >= {"value.range", "region.code_known", "region.complete", "value.present"}
    msg, rows_ = failed["value.range"]
    assert "森林覆盖率" in msg and "0 至 100" in msg
    assert rows_ == [{"row": 2, "region_code": "990001", "region_name": "甲县", "indicator": "A", "value": "140",
                      "note": None}]
    assert failed["region.code_known"][1][0]["row"] == 3
    assert failed["region.complete"][1][0]["region_code"] == "990002"
    assert failed["value.present"][1][0]["value"] == "abc"
    # the accepted version stays current, byte for byte
    after = rows(con, "SELECT region_code, indicator_code, value FROM current_observation ORDER BY ALL")
    assert after == before
    assert rows(con, "SELECT version, status FROM submission ORDER BY version") == [(1, "accepted"), (2, "rejected")]


def test_missing_indicator_column_is_an_error(mini):
    home, con, fw = mini
    [outcome] = _submit(home, con, fw, ["行政区划代码,县(市、区),其他情况", "990001,甲县,x", "990002,乙县,y",
                                        "990003,丙县,z"])
    assert outcome.status == "rejected"
    rule_ids = [r[0] for r in rows(con, "SELECT rule_id FROM validation_result WHERE NOT success")]
    assert "columns.required" in rule_ids and "header.unknown_column" in rule_ids


def test_validate_command_exit_status_and_chinese_report(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    bad = tmp_path / "林业局 报送.csv"
    bad.write_bytes(csv_bytes(["行政区划代码,县(市、区),森林覆盖率(%),湿地保护率(%)", "360702,章贡区,150,abc",
                               "360799,某县,50,60"], "gbk"))
    report = tmp_path / "report"
    cmd = [sys.executable, "-m", "flows.cli", "validate", str(bad), "-d", "市林业局", "--year", "2025",
           "--report", str(report)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=120)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "林业局 报送.csv" in out and "未通过" in out
    assert "第 2 行, 章贡区, 森林覆盖率, 填报值 “150”" in out
    assert "第 2 行, 章贡区, 湿地保护率, 填报值 “abc”" in out
    assert "第 3 行, 360799" in out and "缺少该县(市、区)" in out
    data = json.loads((report / "steward.json").read_text("utf-8"))
    html = (report / "steward.html").read_text("utf-8")
    assert "未通过, 已退回" in html and "湿地保护率" in html
    assert data["status"] == "rejected" and data["encoding"] == "gb18030"
    assert {r["rule_id"] for r in data["rules"]} >= {"value.range", "value.present", "region.code_known",
                                                     "region.complete", "columns.required"}


def test_long_form_with_names_units_and_duplicates(mini):
    home, con, fw = mini
    lines = ["县(市、区),指标名称,数值,单位",
             "甲县,森林覆盖率,40,%", "乙县,森林覆盖率,0.5,比值", "丙县,A,60,%",  # code or name; 比值 -> %
             "丙县,森林覆盖率,61,%"]                                           # 丙 twice
    [outcome] = _submit(home, con, fw, lines)
    assert outcome.status == "rejected"
    values = dict(((r[0], r[1]), r[2]) for r in rows(con, "SELECT region_code, row_number, value FROM observation"))
    assert values[("990001", 2)] == 40.0 and values[("990002", 3)] == 50.0  # names resolved, unit converted
    failed = {r[0]: json.loads(r[1]) for r in rows(con, "SELECT rule_id, failures FROM validation_result "
                                                        "WHERE NOT success")}
    assert set(failed) == {"region.unique"}
    assert sorted(f["row"] for f in failed["region.unique"]) == [4, 5]


def test_long_form_unknown_indicator_and_unit_are_named(mini):
    home, con, fw = mini
    lines = ["行政区划代码,指标代码,数值,单位", "990001,A,40,%", "990002,A,50,%", "990003,A,60,公斤", "990003,Q,1,%"]
    [outcome] = _submit(home, con, fw, lines)
    assert outcome.status == "rejected"
    msgs = dict(rows(con, "SELECT rule_id, message FROM validation_result WHERE expectation_type = 'parse'"))
    assert "第 5 行的指标“Q”" in msgs["row.unknown_indicator"]
    assert "“公斤”无法换算" in msgs["header.unknown_unit"]
