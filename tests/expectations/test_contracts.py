"""Hand-written data contracts: what they say to the steward, what they leave unchanged, where warnings go."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.validation import GOOD, LYJ, STHJJ, ZRZYJ, current_fingerprint, failed, submit, submit_good  # noqa: F401
from transforms.runtime.warehouse import connect, rows

STHJJ_BAD = ["测试市2025年度考核数据 — 市生态环境局", STHJJ,
             "990001,甲县,30,100,80,330,320,2",    # 优良 330 > 监测 320; 100·330/320 = 103.125, |100 − 103.125| > 0.5
             "990002,乙县,25,85.0,90,311,366,5",   # 366 > 365 days in 2025; 100·311/366 = 84.97, |85 − 84.97| ≤ 0.5
             "990003,丙县,20,80.0,95,292,365,10"]  # Ⅲ类 95 + 劣Ⅴ类 10 = 105 > 100; 100·292/365 = 80


def test_relations_name_every_cell_involved_with_both_sides(cmini):
    home, con, fw = cmini
    outcome = submit(home, con, fw, STHJJ_BAD, "sthjj")
    assert outcome.status == "rejected" and (outcome.errors, outcome.warnings) == (3, 1)
    fails = failed(con, outcome.submission_id)
    cells = {rule: [(f["row"], f["region_name"], f["indicator"], f["value"]) for f in found]
             for rule, (_, found) in fails.items()}
    assert cells == {
        "relation.days.good_within_monitored": [(3, "甲县", "S1", "330"), (3, "甲县", "S2", "320")],
        "relation.ratio.good_days": [(3, "甲县", "E", "100"), (3, "甲县", "S1", "330"), (3, "甲县", "S2", "320")],
        "relation.days.within_year": [(4, "乙县", "S2", "366")],
        "relation.share.water_classes": [(5, "丙县", "F", "95"), (5, "丙县", "S3", "10")],
    }
    notes = {rule: found[0]["note"] for rule, (_, found) in fails.items()}
    assert notes["relation.days.within_year"] == "空气质量有效监测天数 = 366, 当年天数 = 365"
    assert notes["relation.share.water_classes"] == "地表水达到或好于Ⅲ类水体比例 + 劣Ⅴ类水体比例 = 105, 100 = 100"
    assert notes["relation.ratio.good_days"] == \
        "空气质量优良天数比例 = 100, 100 * 空气质量优良天数 / 空气质量有效监测天数 = 103.125"
    expected = dict(rows(con, "SELECT rule_id, expected FROM validation_result WHERE submission_id = ? AND NOT success",
                         [outcome.submission_id]))
    assert expected["relation.ratio.good_days"] == \
        "空气质量优良天数比例 = 100 * 空气质量优良天数 / 空气质量有效监测天数(允许误差 ±0.5)"
    assert expected["relation.days.good_within_monitored"] == "空气质量优良天数 <= 空气质量有效监测天数"


def test_days_of_the_year_follow_leap_years(cmini):
    home, con, fw = cmini
    leap = GOOD[2024]["sthjj"][:2] + ["990001,甲县,32,88.9,78,325,366,2.2", *GOOD[2024]["sthjj"][3:]]  # 325/366=88.8
    assert submit(home, con, fw, leap, "sthjj", 2024).status == "accepted"
    common = GOOD[2025]["sthjj"][:2] + ["990001,甲县,30,88.8,80,325,366,2", *GOOD[2025]["sthjj"][3:]]
    outcome = submit(home, con, fw, common, "sthjj", 2025)
    assert set(failed(con, outcome.submission_id)) == {"relation.days.within_year"}


def test_plausibility_warns_with_last_accepted_value_and_bound_and_accepts(cmini):
    home, con, fw = cmini
    submit_good(home, con, fw, 2024, only=("lyj", "zrzyj"))
    # A: absolute bound 3 points: 40 -> 44 (+4) warns, 50 -> 52 (+2) does not
    lyj = submit(home, con, fw, [LYJ, "990001,甲县,44", "990002,乙县,52", "990003,丙县,60"], "lyj")
    # C: relative bound 2 %: 12 -> 12.5 (+4.2 %) warns, 10 -> 10.1 (+1 %) does not
    zr = submit(home, con, fw, [ZRZYJ, "990001,甲县,10.1,8", "990002,乙县,11,9", "990003,丙县,12.5,10"], "zrzyj")
    assert (lyj.status, lyj.errors, lyj.warnings) == ("accepted", 0, 1)
    # C (耕地保有量) carries a binding target and a veto: its warning holds the file (see the test below)
    assert (zr.status, zr.errors, zr.warnings) == ("held", 0, 1)
    [(row, name, code, value, note)] = [(f["row"], f["region_name"], f["indicator"], f["value"], f["note"])
                                        for f in failed(con, lyj.submission_id)["plausibility.change"][1]]
    assert (row, name, code, value) == (2, "甲县", "A", "44")
    assert note == "2024 年已审核值 40, 本次 44, 变化 +4 个百分点, 允许 ±3 个百分点"
    [f] = failed(con, zr.submission_id)["plausibility.change"][1]
    assert f["region_name"] == "丙县" and f["note"] == "2024 年已审核值 12, 本次 12.5, 变化 +0.5 万亩, 允许 ±0.24 万亩"
    # the warned values are the ones in use
    assert rows(con, "SELECT value FROM current_observation WHERE indicator_code = 'A' AND region_code = '990001' "
                     "AND year = 2025") == [(44.0,)]


def test_a_warning_on_a_veto_or_binding_indicator_holds_the_file_until_confirmed(cmini):
    from expectations.confirm import ConfirmError, confirm_submission
    from expectations.steward import steward_report, steward_text

    home, con, fw = cmini
    submit_good(home, con, fw, 2024, only=("zrzyj",))
    first = submit(home, con, fw, GOOD[2025]["zrzyj"], "zrzyj")
    assert first.status == "accepted"
    before = current_fingerprint(con)
    # 乙县's 耕地保有量 11 -> 14 万亩 (+27 %, bound 2 %): the value that decides the veto is not scored on a warning
    held = submit(home, con, fw, [ZRZYJ, "990001,甲县,10.1,8.1", "990002,乙县,14,9", "990003,丙县,12.1,10.1"],
                  "zrzyj", name="zr_v2.csv")
    assert (held.status, held.errors, held.warnings) == ("held", 0, 1)
    assert current_fingerprint(con) == before  # version 1 stays current while version 2 waits
    text = steward_text(steward_report(con, held.submission_id, fw))
    assert "待确认" in text and "乙县" in text and "耕地保有量" in text
    assert "暂不计分" in rows(con, "SELECT message FROM submission WHERE submission_id = ?", [held.submission_id])[0][0]
    for bad in ({"reason": ""}, {"reason": "确认无误", "role": "county"}):
        try:
            confirm_submission(con, held.submission_id, **bad)
            raise AssertionError(f"confirmed with {bad}")
        except ConfirmError as exc:
            assert "理由" in str(exc) or "department" in str(exc)
    try:
        confirm_submission(con, first.submission_id, "已核实无误")
        raise AssertionError("an accepted file needs no confirmation")
    except ConfirmError as exc:
        assert "不是待确认" in str(exc)
    # the department confirms (强制上报): recorded with the submission, shown in its report, then scored
    report = confirm_submission(con, held.submission_id, "2025 年完成耕地占补平衡核查, 新增耕地 3 万亩已验收", "department",
                                "王芳", home, fw)
    assert report["status"] == "accepted"
    assert [(c["role"], c["person"]) for c in report["confirmations"]] == [("department", "王芳")]
    assert rows(con, "SELECT value FROM current_observation WHERE region_code = '990002' AND indicator_code = 'C' "
                     "AND year = 2025") == [(14.0,)]
    saved = json.loads((home.validation_root / str(held.submission_id) / "steward.json").read_text("utf-8"))
    assert saved["confirmations"][0]["reason"].startswith("2025 年完成耕地占补平衡核查")
    html = (home.validation_root / str(held.submission_id) / "steward.html").read_text("utf-8")
    assert "部门确认（强制上报）" in html and "王芳" in html


def test_the_office_confirms_a_held_file_from_the_command_line(cmini, mini_data):
    import subprocess
    import sys

    from tests.support import background

    home, con, fw = cmini
    submit_good(home, con, fw, 2024, only=("zrzyj",))
    held = submit(home, con, fw, [ZRZYJ, "990001,甲县,10.1,8.1", "990002,乙县,14,9", "990003,丙县,12.1,10.1"],
                  "zrzyj")
    assert held.status == "held"
    con.close()
    env = {k: v for k, v in background.BASE_ENV.items() if not k.startswith("PREFECT_")}

    def cli(*reason: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flows.cli", "confirm", str(held.submission_id), "--home",
                               str(home.root), "--data", str(mini_data), "--framework", "mini", "--person", "考核办李强",
                               *reason], cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True,
                              text=True, timeout=300)

    refused = cli("--reason", "  ")
    assert refused.returncode == 1 and "理由" in refused.stderr, refused.stderr
    done = cli("--reason", "经核查属实, 考核办受理")
    assert done.returncode == 0 and "已确认" in done.stdout, done.stdout + done.stderr
    with connect(home.warehouse) as again:
        assert rows(again, "SELECT status FROM submission WHERE submission_id = ?", [held.submission_id]) == \
            [("accepted",)]
        assert rows(again, "SELECT role, person, reason FROM confirmation") == [("office", "考核办李强", "经核查属实, 考核办受理")]


def test_plausibility_uses_the_last_accepted_year_not_a_rejected_file(cmini):
    home, con, fw = cmini
    submit_good(home, con, fw, 2024, only=("lyj",))
    rejected = submit(home, con, fw, [LYJ, "990001,甲县,90", "990002,乙县,50", "990003,丙县,160"], "lyj", 2024, "v2.csv")
    assert rejected.status == "rejected"  # 160 is out of range: this 2024 file never becomes current
    outcome = submit(home, con, fw, [LYJ, "990001,甲县,41", "990002,乙县,51", "990003,丙县,60.5"], "lyj")
    assert (outcome.status, outcome.warnings) == ("accepted", 0)  # compared with 40/50/60, not 90


def test_duplicate_rows_name_the_counties_they_copy(cmini):
    home, con, fw = cmini
    lines = GOOD[2025]["sthjj"][:3] + ["990002,乙县,30,90.0,80,324,360,2", GOOD[2025]["sthjj"][4]]
    outcome = submit(home, con, fw, lines, "sthjj")
    assert (outcome.status, outcome.warnings) == ("accepted", 1)
    found = failed(con, outcome.submission_id)["duplicate.rows"][1]
    assert [(f["row"], f["region_name"], f["note"]) for f in found] == [(3, "甲县", "与乙县的数值完全相同"),
                                                                      (4, "乙县", "与甲县的数值完全相同")]


def test_few_items_are_never_duplicates(cmini):
    home, con, fw = cmini
    # one indicator at 50 in two counties is normal (and unchanged from last year, too)
    submit(home, con, fw, [LYJ, "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"], "lyj", 2024)
    outcome = submit(home, con, fw, [LYJ, "990001,甲县,40", "990002,乙县,50", "990003,丙县,50"], "lyj")
    assert not {"duplicate.rows", "duplicate.last_year"} & set(failed(con, outcome.submission_id))


def test_declared_year_column_and_multi_year_titles(cmini):
    home, con, fw = cmini
    # a plan period in the title (2024—2026年) next to the year itself is fine
    titled = ["测试市生态文明建设三年行动(2024—2026年) 2025年度数据 — 市生态环境局"] + GOOD[2025]["sthjj"][1:]
    assert submit(home, con, fw, titled, "sthjj").status == "accepted"
    with_year = ["行政区划代码,县(市、区),年度,森林覆盖率(%)", "990001,甲县,2025,40", "990002,乙县,2024年,50",
                 "990003,丙县,2025,60"]
    outcome = submit(home, con, fw, with_year, "lyj")
    assert outcome.status == "rejected"
    [f] = failed(con, outcome.submission_id)["declaration.year"][1]
    assert (f["row"], f["value"], f["column"], f["note"]) == (3, "2024年", "年度", "年度声明为 2024 年度")
    # the 年度 column is a declaration, not an unknown indicator column
    assert "header.unknown_column" not in failed(con, outcome.submission_id)


def test_declared_department_names_the_folder_it_belongs_to(cmini):
    home, con, fw = cmini
    outcome = submit(home, con, fw, ["测试市2025年度考核数据 — 市林业局"] + GOOD[2025]["sthjj"][1:], "sthjj")
    [f] = failed(con, outcome.submission_id)["declaration.department"][1]
    assert (f["row"], f["note"]) == (1, "标题声明为市林业局")
    assert rows(con, "SELECT expected FROM validation_result WHERE rule_id = 'declaration.department'") == [("市生态环境局",)]


def test_a_rejected_submission_leaves_accepted_data_unchanged(cmini):
    home, con, fw = cmini
    submit_good(home, con, fw, 2024)
    submit_good(home, con, fw, 2025)
    before = current_fingerprint(con)
    bad = [STHJJ_BAD, ["测试市2025年度考核数据 — 市林业局"] + GOOD[2025]["sthjj"][1:]]
    outcomes = [submit(home, con, fw, lines, "sthjj", name=f"v{n}.csv") for n, lines in enumerate(bad, start=2)]
    assert [o.status for o in outcomes] == ["rejected", "rejected"]
    assert current_fingerprint(con) == before
    # both rejected files are archived unchanged and versioned after the accepted one
    assert rows(con, "SELECT version, status FROM submission WHERE department = 'sthjj' AND year = 2025 "
                     "AND kind = 'indicators' ORDER BY version") == [(1, "accepted"), (2, "rejected"), (3, "rejected")]
    archived = rows(con, "SELECT archive_path FROM submission WHERE submission_id = ?", [outcomes[0].submission_id])
    assert (home.root / archived[0][0]).read_bytes() == ("\r\n".join(STHJJ_BAD) + "\r\n").encode()


def test_a_warning_reaches_the_county_report(cmini):
    from report_templates.render import Renderer
    from transforms.reporting.context import build_contexts
    from transforms.scoring.attribution import attribute_results
    from transforms.scoring.score import score_year
    from transforms.scoring.veto import apply_vetoes

    home, con, fw = cmini
    submit_good(home, con, fw, 2024, only=("lyj", "sthjj", "zrzyj"))
    submit_good(home, con, fw, 2025, only=("sthjj", "zrzyj", "tenures"))
    warned = submit(home, con, fw, [LYJ, "990001,甲县,44", "990002,乙县,51", "990003,丙县,60"], "lyj")
    assert (warned.status, warned.warnings) == ("accepted", 1)
    score_year(con, fw, 2025, "r1")
    apply_vetoes(con, fw, 2025, "r1")
    attribute_results(con, fw, 2025, "r1")
    docs = {(kind, key): ctx for kind, key, _, ctx in build_contexts(con, fw, 2025, "r1")}
    jia, yi = docs[("county", "990001")], docs[("county", "990002")]
    [warning] = jia["warnings"]
    assert (warning["department_name"], warning["message"]) == ("市林业局", "数值较上一年度已审核数据变化过大")
    [row] = warning["rows"]
    assert (row["indicator"], row["value"]) == ("森林覆盖率", "44")
    assert row["note"] == "2024 年已审核值 40, 本次 44, 变化 +4 个百分点, 允许 ±3 个百分点"
    assert yi["warnings"] == []  # 乙县's value was fine: its report does not carry 甲县's warning
    lyj_row = next(s for s in jia["submissions"] if s["department_name"] == "市林业局")
    assert (lyj_row["warnings_here"], lyj_row["warnings_other"]) == (1, 0)
    yi_lyj = next(s for s in yi["submissions"] if s["department_name"] == "市林业局")
    assert (yi_lyj["warnings_here"], yi_lyj["warnings_other"]) == (0, 1)  # 甲县's warning, counted apart
    assert yi["other_warnings"] == 1
    html = Renderer(pdf=False).render_html("county", jia)
    assert "审核警告" in html and "允许 ±3个百分点" in html  # as printed: no space between digit and 个


def test_gx_results_are_kept_in_the_home_and_no_data_docs_are_built(cmini):
    home, con, fw = cmini
    outcome = submit(home, con, fw, STHJJ_BAD, "sthjj")
    assert not (home.root / "validation" / "data_docs").exists()  # GX's pages need a CDN: the steward report instead
    stored = list((home.root / "validation" / "gx_store").rglob("*.json"))
    assert len(stored) == 7  # generated (values, completeness) + 5 hand-written suites, in GX's own store
    kept = json.loads((home.validation_root / str(outcome.submission_id) / "gx_result.json").read_text("utf-8"))
    assert kept["success"] is False and len(kept["suites"]) == 7
    steward = json.loads((home.validation_root / str(outcome.submission_id) / "steward.json").read_text("utf-8"))
    assert "data_docs" not in steward


def test_run_summary_gives_the_outcome_per_department(cmini):
    from flows.stages import RunSpec, run_summary

    home, con, fw = cmini
    submit_good(home, con, fw, 2025, only=("lyj", "sthjj"))
    submit(home, con, fw, STHJJ_BAD, "sthjj", name="v2.csv")
    submit(home, con, fw, [LYJ, "990001,甲县,44", "990002,乙县,51"], "zrzyj")  # wrong file in the wrong folder
    con.close()  # run_summary opens the warehouse itself
    summary = run_summary(RunSpec(home, fw.id, 2025, None), "no-run")
    by = {d["部门"]: d for d in summary["validation_by_department"]}
    assert by["市生态环境局"]["结论"] == "最新报送被退回, 沿用已通过版本"
    assert (by["市生态环境局"]["收到文件"], by["市生态环境局"]["退回"], by["市生态环境局"]["退回文件错误"]) == (2, 1, 3)
    assert by["市林业局"]["结论"] == "通过" and by["市林业局"]["采用版本"] == "lyj_2025.csv 第 1 版"
    assert by["市自然资源局"]["结论"] == "全部退回, 无可用数据"
    assert by["市财政局"]["结论"] == "未报送"
    json.dumps(summary, ensure_ascii=False)  # the Prefect table artifact needs plain JSON values


def test_framework_contracts_are_validated_on_load(tmp_path):
    import pytest
    import yaml

    from tests.support.validation import contracts_framework
    from transforms.config.framework import ConfigError, load_framework

    def load(change) -> str:
        doc = contracts_framework()
        change(doc)
        path = tmp_path / "f.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
        with pytest.raises(ConfigError) as err:
            load_framework(path)
        return str(err.value)

    assert "无法识别" in load(lambda d: d["checks"]["relations"][0].update(right="S2; DROP TABLE x"))
    assert "未知指标 ['S9']" in load(lambda d: d["checks"]["relations"][0].update(right="S9"))
    assert "同一报送部门" in load(lambda d: d["checks"]["relations"][0].update(right="A"))  # lyj vs sthjj
    assert "checks.plausibility 引用了未知指标 'Q'" in load(lambda d: d["checks"]["plausibility"]["items"].update(
        Q={"absolute": 1}))
    assert "至少一个大于 0" in load(lambda d: d["checks"]["plausibility"].update(default={"absolute": 0}))


def test_the_template_carries_the_supporting_items(cmini, tmp_path):
    import openpyxl

    from transforms.intake.excel_template import write_template

    home, con, fw = cmini
    path = write_template(con, fw, "sthjj", 2025, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path).worksheets[0]
    headers = [c.value for c in ws[2]]
    assert headers == STHJJ.split(",") + ["缺失原因说明"]  # the reason column for a missing value comes last
    assert "基础数据" in ws.cell(row=2, column=headers.index("劣Ⅴ类水体比例(%)") + 1).comment.text


def test_a_held_file_sent_anyway_through_the_portal_is_confirmed_by_the_run(cmini, tmp_path):
    """The portal's 强制上报 (`.confirmations.json` beside the file in the inbox) releases the held file."""
    import hashlib

    from expectations.confirm import confirm_from_inbox
    from expectations.validate import validate_pending
    from tests.support.mini import csv_bytes
    from transforms.intake.receive import load_units, parse_received, pull_inbox
    from transforms.portal.inbox import record_confirmation

    home, con, fw = cmini
    submit_good(home, con, fw, 2024, only=("zrzyj",))
    raw = csv_bytes([ZRZYJ, "990001,甲县,10.1,8.1", "990002,乙县,14,9", "990003,丙县,12.1,10.1"])
    inbox = tmp_path / "inbox"
    (inbox / "2025" / "zrzyj").mkdir(parents=True)
    (inbox / "2025" / "zrzyj" / "资源局.csv").write_bytes(raw)
    from transforms.config.framework import Department

    pull_inbox(con, home, inbox, [Department(code="zrzyj", name="市自然资源局")])
    parse_received(con, home, fw, load_units(), [Department(code="zrzyj", name="市自然资源局")])
    [held] = validate_pending(con, home, fw)
    assert held.status == "held"
    assert confirm_from_inbox(con, home, fw) == []  # nothing confirmed yet: stays held
    record_confirmation(inbox, 2025, "zrzyj", hashlib.sha256(raw).hexdigest(),
                        {"file_name": "资源局.csv", "reason": "耕地占补平衡核查后新增耕地已验收入库", "person": "王芳",
                         "at": "2026-01-08 10:00"})
    assert confirm_from_inbox(con, home, fw) == [held.submission_id]
    assert rows(con, "SELECT status FROM submission WHERE submission_id = ?", [held.submission_id]) == [("accepted",)]
    assert rows(con, "SELECT role, person, reason FROM confirmation") == [
        ("department", "王芳", "耕地占补平衡核查后新增耕地已验收入库")]
