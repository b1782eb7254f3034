"""Great Expectations suites on real submissions: failures are named, rejects never change accepted data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from expectations.validate import validate_pending
from report_templates.render import fmt_file
from tests.support.mini import csv_bytes
from transforms.intake.receive import load_units, parse_received, receive_file
from transforms.runtime.warehouse import rows

PROJECT = Path(__file__).resolve().parents[2]
GOOD = ["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"]


def _submit(home, con, fw, lines, name="lyj.csv"):
    receive_file(con, home, csv_bytes(lines), name, "lyj", 2025)
    parse_received(con, home, fw, load_units())
    return validate_pending(con, home, fw)


def test_good_file_is_accepted_and_gx_result_kept(mini):
    home, con, fw = mini
    [outcome] = _submit(home, con, fw, GOOD)
    assert (outcome.status, outcome.errors) == ("accepted", 0)
    suites = dict(rows(con, "SELECT suite_name, gx_result FROM validation_run"))
    # generated from the framework, then the hand-written contracts that apply to the department
    assert set(suites) == {"mini.lyj.indicators", "mini.lyj.completeness", "mini.lyj.declaration",
                           "mini.lyj.resend", "mini.lyj.plausibility", "mini.lyj.duplicates"}
    gx = json.loads(suites["mini.lyj.indicators"])
    assert gx["success"] is True and len(gx["results"]) == 7  # code present+known, unique, required; A: present, missing-with-reason, range
    complete = json.loads(suites["mini.lyj.completeness"])  # A for every county
    assert complete["success"] is True and len(complete["results"]) == 1
    kept = json.loads((home.validation_root / str(outcome.submission_id) / "gx_result.json").read_text("utf-8"))
    assert kept["success"] is True and {r["suite_name"] for r in kept["suites"]} == set(suites)


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


def _validate_cli(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "flows.cli", "validate", *args]
    env = {k: v for k, v in os.environ.items() if k != "ECOASSESS_HOME"}
    return subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT, env=env, timeout=300)


def test_validate_command_exit_status_and_chinese_report_on_several_faults(tmp_path):
    import openpyxl

    bad = tmp_path / "林业局 报送.csv"
    bad.write_bytes(csv_bytes(["赣州市2024年度生态文明建设考核指标数据填报表 — 市林业局",  # last year's title
                               "行政区划代码,县(市、区),森林覆盖率(%),湿地保护率(%)", "360702,章贡区,150,abc",
                               "360799,某县,50,60", "360703,南康区,=1+1,50"], "gbk"))
    report = tmp_path / "report"
    proc = _validate_cli(str(bad), "-d", "市林业局", "--year", "2025", "--report", str(report),
                         "--home", str(tmp_path / "empty"))
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout
    assert "林业局 报送.csv" in out and "未通过" in out
    # each failing cell by row, column letter and header
    assert "第 3 行, C 列“森林覆盖率(%)”, 章贡区, 森林覆盖率, 填报值 “150”" in out
    assert "第 3 行, D 列“湿地保护率(%)”, 章贡区, 湿地保护率, 填报值 “abc”" in out
    assert "第 4 行, A 列“行政区划代码”, 360799" in out and "缺少该县(市、区)" in out
    assert "第 5 行, C 列“森林覆盖率(%)”, 南康区, 森林覆盖率, 填报值 “=1+1”" in out
    assert "[错误(退回)] 文件声明的年度与报送年度不一致" in out
    assert "第 1 行, 填报值 “赣州市2024年度生态文明建设考核指标数据填报表 — 市林业局”, 标题声明为 2024 年度" in out
    assert "未找到 2025 年以前已审核的数据, 未与上年比较" in out
    data = json.loads((report / "steward.json").read_text("utf-8"))
    html = (report / "steward.html").read_text("utf-8")
    assert "未通过，已退回" in html and "湿地保护率" in html and "林业局_报送_审核标注.xlsx" in html
    assert "Data Docs" not in html  # GX's pages need a CDN: not built, not promised (issue 20)
    assert data["status"] == "rejected" and data["encoding"] == "gb18030"
    assert {r["rule_id"] for r in data["rules"]} >= {"value.range", "value.present", "region.code_known",
                                                     "region.complete", "columns.required", "declaration.year"}
    assert not (report / "data_docs").exists()
    ws = openpyxl.load_workbook(report / data["annotated_workbook"]).worksheets[0]
    assert data["annotated_workbook"] == "林业局_报送_审核标注.xlsx"
    assert "期望: 0 至 100 %" in ws["C3"].comment.text and ws["C3"].value == 150
    assert ws["C5"].value == "=1+1" and ws["C5"].data_type == "s"
    assert "文件声明的年度与报送年度不一致" in ws["A1"].comment.text


def test_validate_command_passes_with_a_warning_against_the_office_data(tmp_path):
    """The command applies the run's rules, the comparison with last year's accepted data included,
    on a copy: the office's warehouse is not changed."""
    import openpyxl

    from transforms.config.framework import framework_path, load_framework
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect, load_config

    demo = PROJECT / "data" / "demo" / "inbox"
    office = Home.resolve(tmp_path / "office")
    fw = load_framework(framework_path("ganzhou_2024"))
    con = connect(office.warehouse)
    load_config(con, fw, framework_path("ganzhou_2024"))
    last_year = next((demo / "2024" / "lyj").glob("*.xlsx"))
    receive_file(con, office, last_year.read_bytes(), last_year.name, "lyj", 2024)
    parse_received(con, office, fw, load_units())
    assert [o.status for o in validate_pending(con, office, fw)] == ["accepted"]
    con.close()
    before = office.warehouse.read_bytes()
    wb = openpyxl.load_workbook(next((demo / "2025" / "lyj").glob("*.xlsx")))
    ws = wb.worksheets[0]
    col = next(c.column for c in ws[2] if str(c.value).startswith("湿地保护率"))
    ws.cell(row=3, column=col).value = round(ws.cell(row=3, column=col).value - 15, 2)  # wetland: bound ±10
    wb.save(tmp_path / "林业局_2025.xlsx")
    proc = _validate_cli(str(tmp_path / "林业局_2025.xlsx"), "-d", "lyj", "--year", "2025", "--home", str(office.root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "审核结果: 通过; 错误 0 项, 警告 1 项" in proc.stdout
    assert "[警告(受理)] 数值较上一年度已审核数据变化过大" in proc.stdout
    assert "第 3 行, D 列“湿地保护率(%)”, 章贡区, 湿地保护率" in proc.stdout and "允许 ±10 个百分点" in proc.stdout
    # the same on 森林覆盖率, a binding indicator: the file is held until confirmed (exit 1: not scored yet)
    wb = openpyxl.load_workbook(next((demo / "2025" / "lyj").glob("*.xlsx")))
    ws = wb.worksheets[0]
    col = next(c.column for c in ws[2] if str(c.value).startswith("森林覆盖率"))
    ws.cell(row=3, column=col).value = round(ws.cell(row=3, column=col).value + 5, 2)  # forest cover: bound ±3
    wb.save(tmp_path / "林业局_2025.xlsx")
    proc = _validate_cli(str(tmp_path / "林业局_2025.xlsx"), "-d", "lyj", "--year", "2025", "--home", str(office.root))
    assert proc.returncode == 1 and "审核结果: 待确认(否决或约束性指标变化过大, 暂不计分)" in proc.stdout, proc.stdout
    assert "第 3 行, C 列“森林覆盖率(%)”, 章贡区, 森林覆盖率" in proc.stdout and "允许 ±3 个百分点" in proc.stdout
    assert "与上年比较 / compared with: 2024 年已审核数据" in proc.stdout
    assert office.warehouse.read_bytes() == before


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


# ---- every expectation kind: a passing and a failing case -------------------------------------

from tests.support.validation import EVENTS, LYJ, STHJJ, TENURES, ZRZYJ, failed, submit, submit_good  # noqa: E402,F401
from tests.support.validation import GOOD as GOOD_BY_YEAR

STHJJ_BAD = ["测试市2025年度考核数据 — 市生态环境局", STHJJ,
             "990001,甲县,30,100,80,330,320,2",    # 优良 330 > 监测 320; 100·330/320 = 103.1 ≠ 100
             "990002,乙县,25,85.0,90,311,366,5",   # 366 days in 2025; 100·311/366 = 84.97 ≈ 85 (ok)
             "990003,丙县,20,80.0,95,292,365,10"]  # Ⅲ类 95 + 劣Ⅴ类 10 = 105 > 100
# rule_id -> (department, year, lines, needs last year's accepted files, severity)
BAD = {
    # generated from the framework
    "region.code_present": ("lyj", 2025, [LYJ, "990001,甲县,40", "990002,乙县,50", "990003,丙县,60", ",某县,50"], False, "error"),
    "region.code_known": ("lyj", 2025, [LYJ, "990001,甲县,40", "990002,乙县,50", "990003,丙县,60", "990009,错县,50"], False, "error"),
    "region.unique": ("lyj", 2025, [LYJ, "990001,甲县,40", "990002,乙县,50", "990003,丙县,60", "990003,丙县,61"], False, "error"),
    "region.complete": ("lyj", 2025, [LYJ, "990001,甲县,40", "990003,丙县,60"], False, "error"),
    "columns.required": ("lyj", 2025, ["行政区划代码,县(市、区),备注", "990001,甲县,x", "990002,乙县,y", "990003,丙县,z"], False, "error"),
    "value.present": ("lyj", 2025, [LYJ, "990001,甲县,40", "990002,乙县,abc", "990003,丙县,60"], False, "error"),
    "value.range": ("lyj", 2025, [LYJ, "990001,甲县,40", "990002,乙县,140", "990003,丙县,60"], False, "error"),
    "value.missing_explained": ("lyj", 2025, [LYJ + ",缺失原因说明", "990001,甲县,40,", "990002,乙县,—,遥感数据未发布",
                                              "990003,丙县,60,"], False, "warning"),
    "event.id": ("events", 2025, [EVENTS, ",990001,甲县,2025-03-01,一般突发环境事件,一般,x"], False, "error"),
    "event.id_unique": ("events", 2025, [EVENTS, "E1,990001,甲县,2025-03-01,一般突发环境事件,一般,x",
                                         "E1,990002,乙县,2025-04-01,一般突发环境事件,一般,y"], False, "error"),
    "event.date": ("events", 2025, [EVENTS, "E1,990001,甲县,2025-13-45,一般突发环境事件,一般,x"], False, "error"),
    "event.future": ("events", 2025, [EVENTS, "E1,990001,甲县,2026-01-02,一般突发环境事件,一般,x"], False, "error"),
    "event.earlier_year": ("events", 2025, [EVENTS, "E1,990001,甲县,2024-05-01,一般突发环境事件,一般,x"], False, "warning"),
    "event.kind": ("events", 2025, [EVENTS, "E1,990001,甲县,2025-05-01,地震,一般,x"], False, "error"),
    "tenure.seat": ("tenures", 2025, [TENURES, "K1,赵一,党委书记,990009,错县,2020-01-01,,否"], False, "error"),
    "tenure.overlap": ("tenures", 2025, [TENURES, "K1,赵一,党委书记,990001,甲县,2020-01-01,,否",
                                         "K2,钱二,党委书记,990001,甲县,2024-01-01,,否"], False, "error"),
    "tenure.gap": ("tenures", 2025, [TENURES, "K1,赵一,党委书记,990001,甲县,2020-01-01,2025-06-30,否",
                                     "K2,钱二,党委书记,990001,甲县,2025-08-01,,否"], False, "warning"),
    "tenure.cadre_id": ("tenures", 2025, [TENURES, ",赵一,党委书记,990001,甲县,2020-01-01,,否"], False, "error"),
    "tenure.post": ("tenures", 2025, [TENURES, "K1,赵一,镇长,990001,甲县,2020-01-01,,否"], False, "error"),
    "tenure.start": ("tenures", 2025, [TENURES, "K1,赵一,党委书记,990001,甲县,abc,,否"], False, "error"),
    "tenure.order": ("tenures", 2025, [TENURES, "K1,赵一,党委书记,990001,甲县,2024-01-01,2023-01-01,否"], False, "error"),
    # hand-written (expectations/contracts.py)
    "declaration.year": ("sthjj", 2025, ["测试市2024年度考核数据 — 市生态环境局"] + GOOD_BY_YEAR[2025]["sthjj"][1:], False, "error"),
    "declaration.department": ("sthjj", 2025, ["测试市2025年度考核数据 — 市林业局"] + GOOD_BY_YEAR[2025]["sthjj"][1:], False, "error"),
    "relation.days.good_within_monitored": ("sthjj", 2025, STHJJ_BAD, False, "error"),
    "relation.days.within_year": ("sthjj", 2025, STHJJ_BAD, False, "error"),
    "relation.ratio.good_days": ("sthjj", 2025, STHJJ_BAD, False, "warning"),
    "relation.share.water_classes": ("sthjj", 2025, STHJJ_BAD, False, "error"),
    "relation.area.basic_farmland": ("zrzyj", 2025, [ZRZYJ, "990001,甲县,10,8", "990002,乙县,11,11.5",
                                                     "990003,丙县,12,10"], False, "error"),
    "plausibility.change": ("lyj", 2025, [LYJ, "990001,甲县,44", "990002,乙县,51", "990003,丙县,60"], True, "warning"),
    "duplicate.rows": ("sthjj", 2025, GOOD_BY_YEAR[2025]["sthjj"][:3] + ["990002,乙县,30,90.0,80,324,360,2",
                                                                 GOOD_BY_YEAR[2025]["sthjj"][4]], False, "warning"),
    "resend.last_year": ("lyj", 2025, GOOD_BY_YEAR[2024]["lyj"], True, "error"),
    "duplicate.last_year": ("sthjj", 2025, GOOD_BY_YEAR[2025]["sthjj"][:4] + [GOOD_BY_YEAR[2024]["sthjj"][4]],
                            True, "warning"),
}


def test_every_rule_passes_on_good_files_and_each_has_a_failing_case(cmini):
    home, con, fw = cmini
    outcomes = submit_good(home, con, fw, 2024) + submit_good(home, con, fw, 2025)
    assert [(o.status, o.errors, o.warnings) for o in outcomes] == [("accepted", 0, 0)] * len(outcomes)
    ran = {r[0] for r in rows(con, "SELECT DISTINCT rule_id FROM validation_result WHERE expectation_type <> 'parse'")}
    assert rows(con, "SELECT count(*) FROM validation_result WHERE NOT success") == [(0,)]
    # the rules that ran on the good files are exactly those with a failing case below: none untested
    assert ran == set(BAD)
    # plausibility really compared with last year (rows joined), it did not pass on an empty frame
    runs = [json.loads(r[0]) for r in rows(con, "SELECT gx_result FROM validation_run WHERE suite_name LIKE '%plausibility'")]
    # sthjj 2025: 3 counties × 6 items, each joined with its 2024 value
    assert max(r["results"][0]["result"]["element_count"] for r in runs) == 18


@pytest.mark.parametrize("rule_id", sorted(BAD))
def test_failing_case(cmini, rule_id):
    home, con, fw = cmini
    department, year, lines, prior, severity = BAD[rule_id]
    if prior:
        submit_good(home, con, fw, year - 1, only=(department,))
    outcome = submit(home, con, fw, lines, department, year)
    fails = failed(con, outcome.submission_id)
    assert rule_id in fails, fails.keys()
    assert fails[rule_id][0] == severity
    assert fails[rule_id][1], "a failure names the rows to fix"
    only_warnings = all(s == "warning" for s, _ in fails.values())
    assert outcome.status == ("accepted" if only_warnings else "rejected")


def test_a_run_answers_an_unreadable_file_as_validate_does(mini_spec, mini_data, tmp_path):
    """A file that cannot be read at all gets, during a run, the steward's HTML and JSON in
    `validation/<id>/`, the same answer `ecoassess validate` gives for it; written once."""
    from flows import stages as pipeline
    from transforms.runtime.warehouse import connect

    spec, home = mini_spec, mini_spec.home
    folder = tmp_path / "inbox" / "2025" / "lyj"
    folder.mkdir(parents=True)
    (folder / "a_林业局.csv").write_bytes(csv_bytes(GOOD))
    junk = folder / "b_林业局<终稿>.xlsx"
    junk.write_bytes(b"\x00\x01 not a workbook " * 50)

    pipeline.ingest(spec)
    outcomes = pipeline.validate(spec)
    assert [(o["file_name"], o["status"]) for o in outcomes] == [("a_林业局.csv", "accepted"), (junk.name, "rejected")]
    out = home.validation_root / str(outcomes[1]["submission_id"])
    run_answer = json.loads((out / "steward.json").read_text("utf-8"))
    con = connect(home.warehouse)
    [(message,)] = rows(con, "SELECT message FROM submission WHERE file_name = ?", [junk.name])
    con.close()
    assert (run_answer["status"], run_answer["kind"], run_answer["errors"]) == ("rejected", "unreadable", 1)
    assert [r["rule_id"] for r in run_answer["rules"]] == ["file.unreadable"] and junk.name in message
    html = (out / "steward.html").read_text("utf-8")
    assert str(fmt_file(junk.name)) in html and "未通过，已退回" in html and "测试市" in html
    stamp = (out / "steward.html").stat().st_mtime_ns
    assert pipeline.validate(spec) == [] and (out / "steward.html").stat().st_mtime_ns == stamp  # once

    proc = _validate_cli(str(junk), "-d", "lyj", "--year", "2025", "--framework", "mini",
                         "--data", str(mini_data), "--report", str(tmp_path / "cli"), "--home", str(tmp_path / "empty"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (tmp_path / "cli" / "steward.json").exists(), proc.stdout + proc.stderr
    cli_answer = json.loads((tmp_path / "cli" / "steward.json").read_text("utf-8"))
    same = ("status", "kind", "file_name", "errors", "warnings", "rules")
    assert {k: cli_answer[k] for k in same} == {k: run_answer[k] for k in same}


def test_an_empty_cell_where_the_indicator_does_not_apply_asks_for_no_value(mini):
    # A (森林覆盖率) declared not applicable to 丙 (as load_config writes a framework's `not_applicable`):
    # 丙's empty cell needs no reason; the same empty cell for 乙, where A applies, still rejects the file.
    home, con, fw = mini
    con.execute("INSERT INTO indicator_not_applicable VALUES ('mini', 'A', '990003', NULL, '测试')")
    [outcome] = _submit(home, con, fw, ["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,50",
                                        "990003,丙县,"])
    assert (outcome.status, outcome.errors, outcome.warnings) == ("accepted", 0, 0)
    [outcome] = _submit(home, con, fw, ["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,40", "990002,乙县,",
                                        "990003,丙县,"], name="lyj2.csv")
    assert (outcome.status, outcome.errors) == ("rejected", 1)
