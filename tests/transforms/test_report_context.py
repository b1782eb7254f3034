"""Report contexts from a real warehouse (the 3-county mini framework), over several runs and years:
the trend takes each year from its best run and lists years no run scored; data-quality notes are
per county; vetoes bind to the cadres in post (终身追责); the documents then render."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.scoring import EVENTS, FILES, TENURES, submit_accepted
from transforms.reporting.context import build_contexts
from transforms.runtime.warehouse import rows
from transforms.scoring.attribution import attribute_results
from transforms.scoring.score import score_year
from transforms.scoring.veto import apply_vetoes

# Efficacy, weights A ½, B ⅓, C ⅙ (see test_scoring for the method).
# 2022–2024 (FILES): A 40/50/60 -> 60/80/100, B 10/30/20 -> 100/60/80, C 5/5/5 -> 100 each;
#   乙 = 40 + 20 + 16.667 = 76.667.
# 2024 corrected after the 2024 run (甲 A 40 -> 45): A 45/50/60 -> 60/73.333/100;
#   乙 = 36.667 + 20 + 16.667 = 73.333: the 2025 run's view of 2024, while the 2024 run said 76.667.
# 2025: A as FILES; B 10/30/— (丙 missing) -> 100/60/—; C 12/11/9.5 -> 100 / 60 + 40·1.5/2.5 = 84 / 60;
#   乙 = 40 + 20 + 84/6 = 74.
Y2024_FIX = ["行政区划代码,县(市、区),森林覆盖率(%)", "990001,甲县,45", "990002,乙县,50", "990003,丙县,60"]
Y2025 = dict(FILES, sthjj=["行政区划代码,县(市、区),细颗粒物浓度(μg/m³)", "990001,甲县,10", "990002,乙县,30",
                            "990003,丙县,—"],
             zrzyj=["行政区划代码,县(市、区),耕地保有量(万亩)", "990001,甲县,12", "990002,乙县,11", "990003,丙县,9.5"])


def _succeeded(con, run_id: str, year: int) -> None:
    con.execute("INSERT INTO run (run_id, year, framework_id, status, scored_run_id, started_at, finished_at) "
                "VALUES (?, ?, 'mini', 'succeeded', ?, now(), now())", [run_id, year, run_id])


@pytest.fixture
def docs(mini):
    home, con, fw = mini
    for year in (2022, 2023, 2024):
        submit_accepted(home, con, fw, FILES, year=year)
    submit_accepted(home, con, fw, {"zzb": TENURES}, year=2025)
    score_year(con, fw, 2024, "r2024")  # scores 2023 alongside
    apply_vetoes(con, fw, 2024, "r2024")
    attribute_results(con, fw, 2024, "r2024")
    _succeeded(con, "r2024", 2024)
    submit_accepted(home, con, fw, {"lyj": Y2024_FIX}, year=2024)  # a correction after the 2024 run
    submit_accepted(home, con, fw, Y2025 | {"sthjj_events": EVENTS}, year=2025)
    con.execute("UPDATE submission SET department = 'sthjj' WHERE department = 'sthjj_events'")
    lyj_2025 = rows(con, "SELECT submission_id FROM submission WHERE department = 'lyj' AND year = 2025")[0][0]
    # two warnings on 市林业局's 2025 file: one about 乙县's row, one about the file as a whole
    for rule, failures in (("W-ROW", [{"row": 3, "region_code": "990002", "indicator": "A", "value": "50",
                                       "note": None}]), ("W-FILE", [])):
        con.execute("INSERT INTO validation_result (submission_id, rule_id, severity, success, message, failures) "
                    "VALUES (?, ?, 'warning', false, ?, ?)", [lyj_2025, rule, f"提示 {rule}", json.dumps(failures)])
    score_year(con, fw, 2025, "r2025")  # the run being reported: still running, no run row yet
    apply_vetoes(con, fw, 2025, "r2025")
    attribute_results(con, fw, 2025, "r2025")
    return {(kind, key): ctx for kind, key, _, ctx in build_contexts(con, fw, 2025, "r2025")}


def test_trend_takes_each_year_from_its_best_run_and_lists_unscored_years(docs):
    yi = docs[("county", "990002")]
    trend = {t["year"]: t for t in yi["trend"]}
    assert sorted(trend) == [2022, 2023, 2024, 2025]  # every year with data in the warehouse
    assert trend[2022]["gdi"] is None and trend[2022]["assessed"] is None  # data, but never scored
    assert trend[2023]["gdi"] == pytest.approx(76.667, abs=1e-3) and trend[2023]["assessed"] is False
    # 2024 as the 2024 run assessed it (76.667), not the 2025 run's recomputation on corrected data
    assert trend[2024]["gdi"] == pytest.approx(76.667, abs=1e-3) and trend[2024]["assessed"] is True
    assert trend[2025]["gdi"] == pytest.approx(74.0, abs=1e-3) and trend[2025]["assessed"] is True
    # the headline's change from last year compares like with like: this run's own view of 2024
    assert yi["result"]["previous_gdi"] == pytest.approx(73.333, abs=1e-3)


def test_data_quality_notes_are_per_county(docs):
    yi, jia, bing = docs[("county", "990002")], docs[("county", "990001")], docs[("county", "990003")]
    assert {w["rule_id"] for w in yi["warnings"]} == {"W-ROW", "W-FILE"}
    assert {w["rule_id"] for w in jia["warnings"]} == {"W-FILE"}  # 乙's row is none of 甲's business
    row = next(w for w in yi["warnings"] if w["rule_id"] == "W-ROW")["rows"][0]
    assert row["indicator"] == "森林覆盖率" and row["row"] == 3
    assert [(m["name"], m["flag"]) for m in bing["missing"]] == [("细颗粒物浓度", "缺失: 按权重重新分配")]
    assert jia["missing"] == []
    used = {(s["file_name"], s["version"]) for s in yi["submissions"]}
    assert ("lyj.csv", 1) in used and len(used) == len(yi["submissions"])  # each version once
    assert {s["kind"] for s in yi["submissions"]} >= {"indicators", "events", "tenures"}


def test_vetoes_and_events_bind_to_the_cadres_in_post(docs):
    bulletin = docs[("bulletin", "bulletin")]
    assert [v["region_code"] for v in bulletin["vetoed"]] == ["990003"]
    assert {i["rule_id"] for i in bulletin["vetoed"][0]["items"]} == {"V-EVENT", "V-LAND"}
    # K3 led 丙 until 30 June: both vetoes of 丙's 2025 are in his record, the event among his events
    k3 = docs[("cadre", "K3")]
    assert {v["rule_id"] for r in k3["record"] if r["year"] == 2025 for v in r["vetoes"]} == {"V-EVENT", "V-LAND"}
    assert [e["kind"] for e in k3["events"]] == ["重特大突发环境事件"]
    # K1 came to 丙 on 1 July: the red-line veto of the year is his too, the June event is not
    k1 = docs[("cadre", "K1")]
    assert {v["rule_id"] for r in k1["record"] if r["year"] == 2025 for v in r["vetoes"]} == {"V-LAND"}
    assert len(k1["posts"]) == 2 and k1["weighted"] is not None
    shares = {p["region_code"]: p["share"] for p in k1["posts"]}
    gdis = {p["region_code"]: p["gdi"] for p in k1["posts"]}
    assert k1["weighted"] == pytest.approx(sum(shares[c] * gdis[c] for c in shares))  # shares sum to 1
    # 2023 and 2024 from the 2024 run (2023 scored alongside), 2025 from this one
    assert {r["year"] for r in k1["record"]} == {2023, 2024, 2025}


def test_contexts_render(docs):
    from report_templates.render import Renderer

    renderer = Renderer(pdf=False)
    for (kind, _), ctx in docs.items():
        html = renderer.render_html(kind, ctx)
        assert ctx["doc"]["title"] in html
    html = renderer.render_html("county", docs[("county", "990002")])
    assert "有已审核数据，尚未运行该年度评价" in html and "提示 W-ROW" in html


def test_threshold_veto_evidence_shows_the_target_operator(mini, docs):
    """丙's red line (耕地保有量 9.5 万亩 against a target of ≥ 10): the evidence states the
    operator, in the warehouse's evidence text and in the county report, the reports of the
    cadres bound to it and the bulletin."""
    from report_templates.render import Renderer

    _, con, _ = mini
    [(description,)] = rows(con, "SELECT description FROM veto_hit WHERE run_id = 'r2025' AND rule_id = 'V-LAND'")
    assert description == "耕地保有量 9.5万亩, 目标 ≥10.0万亩"
    [land] = [v for v in docs[("county", "990003")]["vetoes"] if v["rule_id"] == "V-LAND"]
    assert land["evidence"]["target_op"] == ">="
    renderer = Renderer(pdf=False)
    for key in (("county", "990003"), ("cadre", "K1"), ("cadre", "K3"), ("bulletin", "bulletin")):
        text = re.sub(r"<[^>]+>", "", renderer.render_html(key[0], docs[key]))
        assert "耕地保有量：实际值9.50万亩，目标≥10.00万亩" in text, key


def test_index_histogram_bins_by_hand():
    """Widths 0.1, 0.2, 0.25, 0.5, 1 …: the smallest with at most 30 bins; a value on an edge opens its bin."""
    import polars as pl

    from transforms.reporting.context import index_histogram

    frame = pl.DataFrame({"gdi": [80.0, 80.05, 80.1, 81.99, None, 79.3],
                          "grade": ["良好", "合格", "良好", "优秀", "合格", "不合格"]})
    h = index_histogram(frame)
    # 79.3 … 81.99 with width 0.1 is 27 bins (793 … 819)
    assert h["width"] == 0.1 and len(h["bins"]) == 27
    assert (h["bins"][0]["lo"], h["bins"][-1]["hi"]) == (79.3, 82.0)
    filled = {b["lo"]: b["counts"] for b in h["bins"] if b["total"]}
    assert filled == {79.3: {"不合格": 1}, 80.0: {"良好": 1, "合格": 1}, 80.1: {"良好": 1}, 81.9: {"优秀": 1}}
    # a wider spread: 60 … 99.5 needs width 2 (20 bins; width 1 would be 40)
    wide = index_histogram(pl.DataFrame({"gdi": [60.0, 99.5], "grade": ["合格", "优秀"]}))
    assert wide["width"] == 2.0 and [b["lo"] for b in wide["bins"]][::19] == [60.0, 98.0]
    assert index_histogram(frame.filter(pl.col("gdi").is_null())) is None


def test_rises_and_falls_use_the_absolute_change_and_rows_say_improved_or_worsened(docs):
    # 2024 (the 2025 run's view, 甲 A corrected to 45) → 2025: 甲 A 45→40 ↓, C 5→12 ↑ (B 10→10 =);
    # 乙 A, B unchanged, C 5→11 ↑; 丙 A unchanged, B missing in 2025, C 5→9.5 ↑.
    # Balance (A ½, B ⅓, C ⅙): 甲 (−½ + ⅙) / 1 = −⅓; 乙 ⅙ / 1 = ⅙; 丙 ⅙ / (½ + ⅙) = ¼
    bulletin = docs[("bulletin", "bulletin")]
    up = [(m["region_code"], round(m["change_balance"], 4)) for m in bulletin["movers"]["up"]]
    down = [(m["region_code"], round(m["change_balance"], 4)) for m in bulletin["movers"]["down"]]
    assert up == [("990003", 0.25), ("990002", 0.1667)] and down == [("990001", -0.3333)]
    jia = {i["code"]: i for i in docs[("county", "990001")]["indicators"]}
    assert (jia["A"]["movement"], jia["B"]["movement"], jia["C"]["movement"]) == ("恶化", "持平", "改善")
    assert "相对位置" in docs[("county", "990001")]["change_note"]
