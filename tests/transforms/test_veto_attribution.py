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


def test_department_heads_carry_the_vetoes_their_indicators_caused_and_their_audit(scored):
    # 一岗双责: 丙's V-LAND veto is caused by C (耕地保有量, 市自然资源局): it appears, with its evidence, in
    # the report of that department's head, whose 第五条(二) audit is 任中 (still in post).
    # Department sub-scores: A 60/80/100 and B 100/60/80 -> 80; C 12/11/9.5 -> 100/84/60 -> 81.333:
    # 市自然资源局 first, 市林业局 and 市生态环境局 tied second.
    from transforms.reporting.context import build_contexts

    home, con, fw = scored
    roster = ["干部编号,姓名,职务,行政区划代码,单位,任职开始,任职结束,是否代理",
              "D1,周五,部门主要负责人,990000,市林业局,2023-01-01,,否",
              "D2,吴六,部门主要负责人,990000,市自然资源局,2023-01-01,,否"]
    submit_accepted(home, con, fw, {"zzb": roster}, year=2025)
    attribute_results(con, fw, 2025, "v1")
    docs = {(k, key): ctx for k, key, _, ctx in build_contexts(con, fw, 2025, "v1")}
    d2, d1 = docs[("cadre", "D2")], docs[("cadre", "D1")]
    vetoes = [v for p in d2["record"] for v in p["vetoes"]]
    assert [(v["rule_id"], v["region_name"], v["evidence"]["value"]) for v in vetoes] == [("V-LAND", "丙县", 9.5)]
    assert "引发一票否决 1 项" in d2["conclusion"]["text"] and d2["conclusion"]["grade"] is None
    assert not [v for p in d1["record"] for v in p["vetoes"]]  # 市林业局's indicator caused none
    assert "在 3 个责任部门中列第 2 位" in d1["conclusion"]["text"]
    assert "列第 1 位" in d2["conclusion"]["text"]
    audit = d2["department_audit"]
    assert [a["indicator_name"] for a in audit] == ["耕地保有量"] and audit[0]["incumbent"]
    assert (audit[0]["year_before"], audit[0]["year_end"], audit[0]["counties"]) == (2022, 2025, 3)
    assert all(a["indicator_name"] != "耕地保有量" for a in d1["department_audit"])


def test_county_cadre_result_is_stated_on_the_index_page_basis(scored):
    # 赵一 led 甲 (181 days) then 丙 (184 days): the grade is 丙's (post held longest), vetoed by V-LAND
    # (a threshold veto of 丙's year); E1 (丙, 14 June) fell before the tenure and does not bind.
    from report_templates.index_site import index_rows
    from transforms.reporting.context import build_contexts

    home, con, fw = scored
    submit_accepted(home, con, fw, {"zzb": TENURES}, year=2025)
    attribute_results(con, fw, 2025, "v1")
    docs = build_contexts(con, fw, 2025, "v1")
    k1 = next(ctx for kind, key, _, ctx in docs if key == "K1")
    grade, = rows(con, "SELECT grade FROM result WHERE run_id = 'v1' AND year = 2025 AND region_code = '990003'")[0]
    c = k1["conclusion"]
    assert (c["grade"], c["vetoed"]) == (grade, True) and "党政同责" in c["rule"] and "时间最长" in c["rule"]
    assert c["score"] == pytest.approx(k1["weighted"])
    entries = {(kind, key): {"html": f"{kind}/{key}.html"} for kind, key, _, _ in docs}
    row = next(r for r in index_rows(docs, entries) if r["code"] == "K1")
    assert (row["grade"], row["vetoed"], row["score"]) == (c["grade"], c["vetoed"], c["score"])
    county = next(ctx for kind, key, _, ctx in docs if key == "990001")
    gap = county["grade_gap"]
    assert gap is None or gap["distance"] == pytest.approx(gap["min"] - county["result"]["assessment_score"])


def test_portal_evidence_is_listed_under_the_veto_it_proves_and_in_its_county_only(scored, tmp_path):
    # 佐证材料 the departments attached through the portal, in the `.evidence.json` it keeps beside their
    # files: for event E1 (丙, V-EVENT), for 丙's 耕地保有量 (V-LAND), for the whole events file, for 甲's
    # data; plus entries the run must leave out: bytes no submission holds, a malformed entry.
    import json

    from transforms.config.framework import load_departments
    from transforms.intake.evidence import record_evidence
    from transforms.reporting.context import build_contexts

    home, con, fw = scored
    (events_sha,) = rows(con, "SELECT sha256 FROM submission WHERE kind = 'events'")[0]
    (land_sha,) = rows(con, "SELECT sha256 FROM submission WHERE department = 'zrzyj'")[0]

    def entry(n: int, **cites) -> dict:
        return {"id": n, "file_name": f"佐证{n}.pdf", "sha256": f"{n:064x}", "size": 100 + n, "note": f"说明{n}",
                "uploaded_at": "2026-01-05 09:00:00", "account": "clerk", **cites}

    listed = {"sthjj": {events_sha: [entry(1, event_id="E1"), entry(2), {"id": "x"}], "f" * 64: [entry(9)]},
              "zrzyj": {land_sha: [entry(3, region_code="990003", indicator_code="C"), entry(4, region_code="990001")]}}
    for dept, by_file in listed.items():
        (tmp_path / "inbox" / "2025" / dept).mkdir(parents=True)
        (tmp_path / "inbox" / "2025" / dept / ".evidence.json").write_text(json.dumps(by_file), "utf-8")
    assert record_evidence(con, tmp_path / "inbox", load_departments()) == 4
    assert record_evidence(con, tmp_path / "inbox", load_departments()) == 0  # repeatable without effect

    docs = {(k, key): ctx for k, key, _, ctx in build_contexts(con, fw, 2025, "v1")}
    bing, jia = docs[("county", "990003")], docs[("county", "990001")]
    assert {v["rule_id"]: [a["file_name"] for a in v["evidence"]["attachments"]] for v in bing["vetoes"]} == \
        {"V-EVENT": ["佐证1.pdf"], "V-LAND": ["佐证3.pdf"]}
    assert sorted((a["file_name"], a["proves"]) for a in bing["evidence"]) == [
        ("佐证1.pdf", "事件E1"), ("佐证2.pdf", "整份文件"), ("佐证3.pdf", "丙县耕地保有量")]
    assert sorted((a["file_name"], a["proves"]) for a in jia["evidence"]) == [
        ("佐证2.pdf", "整份文件"), ("佐证4.pdf", "甲县全部数据")]
    first = next(a for a in bing["evidence"] if a["file_name"] == "佐证1.pdf")
    assert (first["sha256"], first["size_bytes"], first["note"], first["submission_file"]) == \
        (f"{1:064x}", 101, "说明1", "sthjj_events.csv")
