"""One-vote veto with evidence, and attribution of results and events to cadres by tenure."""

from __future__ import annotations

import pytest

from tests.support.mini import csv_bytes
from tests.support.scoring import EVENTS, FILES, TENURES, submit_accepted
from transforms.intake.receive import load_units, parse_received, receive_file
from transforms.runtime.warehouse import rows
from transforms.scoring.attribution import attribute_results, events_in_tenure
from transforms.scoring.score import score_year
from transforms.scoring.veto import apply_vetoes


@pytest.fixture
def scored(mini):
    home, con, fw = mini
    # 丙 ranks first, but it had a listed event (event veto) and misses C's red line (binding, 9.5 < 10).
    # C: 12 / 11 / 9.5 -> 100 / 80 / 60; 丙 GDI = 50 + 26.667 + 10 = 86.667; met A, B = 5/6 of weight;
    # assessment = 66.667 + 20 · 26.667 / 40 = 80.00 exactly (after rounding) -> 良好 before the veto
    files = dict(FILES, zrzyj=["行政区划代码,县(市、区),耕地保有量(万亩)", "990001,甲县,12", "990002,乙县,11",
                               "990003,丙县,9.5"])
    submit_accepted(home, con, fw, files | {"sthjj_events": EVENTS, "zzb": TENURES})
    # events and tenures were filed under fake department codes above; put them where they belong
    con.execute("UPDATE submission SET department = 'sthjj' WHERE department = 'sthjj_events'")
    score_year(con, fw, 2025, "v1")
    apply_vetoes(con, fw, 2025, "v1")
    return home, con, fw


def test_event_and_threshold_veto_on_one_county_keep_both_hits_and_evidence(scored):
    home, con, fw = scored
    hits = rows(con, "SELECT rule_id, event_id, indicator_code, value, target, h.submission_id, s.file_name, "
                     "s.version, s.sha256 FROM veto_hit h JOIN submission s USING (submission_id) "
                     "WHERE region_code = '990003' ORDER BY rule_id")
    assert [h[0] for h in hits] == ["V-EVENT", "V-LAND"]
    assert hits[0][1] == "E1"
    assert hits[1][2:5] == ("C", 9.5, 10.0)
    assert hits[1][6] == "zrzyj.csv" and hits[1][7] == 1 and len(hits[1][8]) == 64
    grade_before, grade, vetoed = rows(con, "SELECT grade_before_veto, grade, vetoed FROM result "
                                            "WHERE run_id = 'v1' AND region_code = '990003'")[0]
    assert (grade_before, grade, vetoed) == ("良好", "不合格", True)
    # 甲 met its red line (12 ≥ 10) and its event is not a listed kind: no hit
    assert rows(con, "SELECT count(*) FROM veto_hit WHERE region_code = '990001'")[0][0] == 0


def test_cap_rule_caps_but_does_not_raise(mini):
    home, con, fw = mini
    fw = fw.model_copy(update={"veto_rules": [fw.veto_rules[0].model_copy(update={
        "id": "V-CAP", "kind": "data", "effect": "cap", "cap_grade": "合格", "indicators": ["B"],
        "event_kinds": []})]})
    files = dict(FILES, sthjj=["行政区划代码,县(市、区),细颗粒物浓度(μg/m³)", "990001,甲县,10", "990002,乙县,30",
                               "990003,丙县,—"])
    submit_accepted(home, con, fw, files)
    score_year(con, fw, 2025, "c1")
    apply_vetoes(con, fw, 2025, "c1")
    got = rows(con, "SELECT region_code, grade_before_veto, grade, vetoed FROM result WHERE run_id = 'c1' ORDER BY 1")
    # 丙 without B: GDI (1/2·100 + 1/6·100)/(2/3) = 100, met share (A)/(A+B+C) = 1/2 -> 40 + 20 = 60 -> 合格;
    # capped at 合格 leaves it 合格 (a cap never raises nor lowers below the cap)
    assert got[2] == ("990003", "合格", "合格", False)
    assert rows(con, "SELECT rule_id, indicator_code FROM veto_hit WHERE run_id = 'c1'") == [("V-CAP", "B")]


def test_mid_year_transfer_shares_and_lifetime_events(scored):
    home, con, fw = scored
    attribute_results(con, fw, 2025, "v1")
    got = {(r[0], r[1]): (r[2], r[3]) for r in rows(
        con, "SELECT cadre_id, region_code, share, grade FROM cadre_result WHERE run_id = 'v1'")}
    # 2025-01-01..06-30 = 181 days; 07-01..12-31 = 184 days; 365 in all
    assert got[("K1", "990001")][0] == pytest.approx(181 / 365)
    assert got[("K1", "990003")] == (pytest.approx(184 / 365), "不合格")
    assert got[("K2", "990001")][0] == pytest.approx(1.0)
    assert got[("K4", "990001")][0] == pytest.approx(184 / 365)
    bound = {(r["cadre_id"], r["event_id"]) for r in events_in_tenure(con).to_dicts()}
    # E2 (甲, March) binds to K1 even though K1 now serves in 丙; E1 (丙, June) binds to K3, not K1
    assert ("K1", "E2") in bound and ("K2", "E2") in bound
    assert ("K3", "E1") in bound and ("K1", "E1") not in bound


def test_department_head_sub_score(scored):
    # 市林业局 answers for A only (weights equal within A): sub-score = mean of A's efficacy scores
    # (60 + 80 + 100)/3 = 80; targets met: A ≥ 50 for 乙 and 丙 -> 2 of 3.
    home, con, fw = scored
    roster = ["干部编号,姓名,职务,行政区划代码,单位,任职开始,任职结束,是否代理",
              "D1,周五,部门主要负责人,990000,市林业局,2023-01-01,,否"]
    submit_accepted(home, con, fw, {"zzb": roster}, year=2025)
    attribute_results(con, fw, 2025, "v1")
    score_, met, total = rows(con, "SELECT department_score, targets_met, targets_total FROM cadre_result "
                                   "WHERE run_id = 'v1' AND cadre_id = 'D1'")[0]
    assert score_ == pytest.approx(80.0) and (met, total) == (2, 3)


def test_roster_overlap_is_an_error_and_a_vacancy_a_warning(mini):
    from expectations.validate import validate_pending
    from transforms.intake.receive import load_units, parse_received, receive_file

    home, con, fw = mini
    roster = ["干部编号,姓名,职务,行政区划代码,县(市、区),任职开始,任职结束,是否代理",
              "K1,赵一,党委书记,990001,甲县,2020-01-01,2025-06-30,否",
              "K2,钱二,党委书记,990001,甲县,2025-06-01,,否",          # overlaps K1 in June
              "K3,孙三,政府主要负责人,990002,乙县,2020-01-01,2025-03-31,否",
              "K4,李四,政府主要负责人,990002,乙县,2025-05-01,,否"]    # April vacant
    receive_file(con, home, csv_bytes(roster), "roster.csv", "zzb", 2025)
    parse_received(con, home, fw, load_units())
    [outcome] = validate_pending(con, home, fw)
    assert outcome.status == "rejected"
    failed = {r[0]: (r[1], r[2]) for r in rows(con, "SELECT rule_id, severity, failures FROM validation_result "
                                                    "WHERE NOT success")}
    assert failed["tenure.overlap"][0] == "error" and "赵一(K1)" in failed["tenure.overlap"][1]
    assert failed["tenure.gap"][0] == "warning" and "孙三(K3)" in failed["tenure.gap"][1]


def test_event_discovered_after_the_cadre_left_binds_to_them(mini):
    from expectations.validate import validate_pending
    from transforms.intake.receive import load_units, parse_received, receive_file
    from transforms.reporting.context import build_contexts

    home, con, fw = mini
    submit_accepted(home, con, fw, FILES)
    roster = ["干部编号,姓名,职务,行政区划代码,县(市、区),任职开始,任职结束,是否代理",
              "K7,吴七,党委书记,990002,乙县,2019-01-01,2023-12-31,否",   # left (retired) at the end of 2023
              "K8,郑八,党委书记,990002,乙县,2024-01-01,,否"]
    events = ["事件编号,行政区划代码,县(市、区),事件日期,事件类型,严重程度,事件描述",
              "E9,990002,乙县,2023-05-20,重特大突发环境事件,重大,2025 年审计发现的尾矿库渗漏"]
    receive_file(con, home, csv_bytes(roster), "roster.csv", "zzb", 2025)
    receive_file(con, home, csv_bytes(events), "events.csv", "sthjj", 2025)
    parse_received(con, home, fw, load_units())
    outcomes = {o.file_name: o for o in validate_pending(con, home, fw)}
    assert outcomes["events.csv"].status == "accepted" and outcomes["events.csv"].warnings == 1  # earlier year
    score_year(con, fw, 2025, "d1")
    apply_vetoes(con, fw, 2025, "d1")
    attribute_results(con, fw, 2025, "d1")
    # a 2023 event does not veto 2025 (C = 5 misses its red line, so V-LAND hits; the event rule must not),
    # but it stays on the record of the cadre in post on its date
    assert rows(con, "SELECT count(*) FROM veto_hit WHERE run_id = 'd1' AND rule_id = 'V-EVENT'")[0][0] == 0
    assert rows(con, "SELECT count(*) FROM veto_hit WHERE run_id = 'd1' AND rule_id = 'V-LAND'")[0][0] == 3
    bound = {(r["cadre_id"], r["event_id"]) for r in events_in_tenure(con).to_dicts()}
    assert ("K7", "E9") in bound and ("K8", "E9") not in bound
    docs = {(k, key): ctx for k, key, _, ctx in build_contexts(con, fw, 2025, "d1")}
    k7 = docs[("cadre", "K7")]  # not in post in 2025, still gets a report because of the event
    assert k7["cadre"]["in_post"] is False and [e["kind"] for e in k7["events"]] == ["重特大突发环境事件"]


def test_data_veto_names_the_rejected_file_and_a_missing_department(mini):
    # B (市生态环境局) was sent but rejected; C (市自然资源局) never arrived. A data rule on both:
    # every county is hit twice, the B hits carry the rejected file as evidence, the C hits none.
    home, con, fw = mini
    fw = fw.model_copy(update={"veto_rules": [fw.veto_rules[0].model_copy(update={
        "id": "V-DATA", "kind": "data", "effect": "fail", "indicators": ["B", "C"], "event_kinds": []})]})
    submit_accepted(home, con, fw, {"lyj": FILES["lyj"]})
    receive_file(con, home, csv_bytes(FILES["sthjj"]), "sthjj.csv", "sthjj", 2025)
    parse_received(con, home, fw, load_units())
    con.execute("UPDATE submission SET status = 'rejected', message = '2 项错误, 0 项警告' WHERE status = 'received'")
    score_year(con, fw, 2025, "dv")
    apply_vetoes(con, fw, 2025, "dv")
    hits = rows(con, "SELECT h.indicator_code, s.file_name, s.status, h.description FROM veto_hit h "
                     "LEFT JOIN submission s USING (submission_id) WHERE run_id = 'dv' AND region_code = '990001' "
                     "ORDER BY 1")
    assert [h[:3] for h in hits] == [("B", "sthjj.csv", "rejected"), ("C", None, None)]
    assert "未通过审核(2 项错误" in hits[0][3] and "未报送" in hits[1][3]
    assert rows(con, "SELECT count(DISTINCT region_code), bool_and(vetoed) FROM result WHERE run_id = 'dv' "
                     "AND year = 2025")[0] == (3, True)
