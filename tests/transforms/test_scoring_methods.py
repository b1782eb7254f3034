"""Hand-computed fixtures for the scoring methods not covered in test_scoring.py: min–max with
goalposts (negative, clipped), target attainment with a cap (+ and −, per-region targets), z-score,
rank, the `minimum` and `last_year` missing policies, year-over-year changes, deductions, a
three-level category tree with a method per level and per node, and the configuration errors of
the tree. Every expected number is worked out in the comment above its assertion.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from tests.support.mini import MINI_FRAMEWORK, scored
from transforms.config.framework import ConfigError, load_framework
from transforms.runtime.warehouse import rows
from transforms.scoring.uncertainty import Tree, index_of, rank_uncertainty

JIA, YI, BING = "990001", "990002", "990003"
BANDS = [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 80}, {"grade": "合格", "min": 60},
         {"grade": "不合格", "min": 0}]


def framework(fid: str, indicators: list[dict], categories: list[dict] | None = None, **extra) -> dict:
    return {"id": fid, "name": f"测试 {fid}", "jurisdiction": "990000", "years": [2024, 2026],
            "weight_classes": {"★": 3, "◆": 2, "○": 1}, "assessment": {"target_points": 50, "index_points": 50},
            "grade_bands": BANDS, "categories": categories or [{"code": "M", "name": "全部"}],
            "indicators": indicators} | extra


def indicator(code: str, direction: int, category: str = "M", **extra) -> dict:
    return {"code": code, "name": f"指标{code}", "category": category, "unit": "个", "direction": direction,
            "weight": 1, "valid_range": [-1000, 1000], "department": "tjj"} | extra


def by_region(con, sql: str, params: list) -> dict:
    return {r[0]: (r[1] if len(r) == 2 else r[1:]) for r in rows(con, sql, params)}


def normalized(con, run_id: str = "t", year: int = 2025) -> dict[tuple[str, str], float]:
    return {(r[0], r[1]): r[2] for r in rows(
        con, "SELECT region_code, indicator_code, normalized FROM score WHERE run_id = ? AND year = ?", [run_id, year])}


# ---------------------------------------------------------------- minmax, target, zscore, rank
METHODS = framework("methods", [
    indicator("N", -1, normalization="minmax", goalposts=[10, 50]),
    indicator("TP", 1, normalization="target", target={"op": ">=", "value": 50}),
    indicator("TN", -1, normalization="target", target={"op": "<=", "value": 20}),
    indicator("ZP", 1, normalization="zscore"), indicator("ZN", -1, normalization="zscore"),
    indicator("RP", 1, normalization="rank"), indicator("RN", -1, normalization="rank"),
], target_cap=1.2, assessment={"target_points": 50, "index_points": 50, "index_range": [0, 100]})
METHOD_VALUES = {2025: {"N": [5, 30, 60], "TP": [40, 75, 50], "TN": [25, 10, 18], "ZP": [2, 4, 9], "ZN": [1, 2, 3],
                        "RP": [10, 30, 20], "RN": [5, 5, 1]}}


def test_minmax_target_zscore_rank_by_hand(mini_data):
    con, _ = scored(mini_data, METHODS, METHOD_VALUES, targets=[("TP", YI, 2025, ">=", 100)])
    got = normalized(con)
    expected = {
        # minmax, negative, goalposts [10, 50]: 100·(50 − x)/40, clipped to 0–100
        #   甲 5 -> 112.5 -> 100; 乙 30 -> 50; 丙 60 -> −25 -> 0
        "N": [100, 50, 0],
        # target ≥ 50, cap 1.2: 100·min(x/target, 1.2); 乙 has its own (decomposed) target 100
        #   甲 40/50 -> 80; 乙 75/100 -> 75; 丙 50/50 -> 100
        "TP": [80, 75, 100],
        # target ≤ 20 (negative): 100·min(target/x, 1.2)
        #   甲 20/25 -> 80; 乙 20/10 = 2 -> capped 120; 丙 20/18 -> 111.111
        "TN": [80, 120, 111.111111],
        # z-score: mean (2 + 4 + 9)/3 = 5, sd_pop = √((9 + 1 + 16)/3) = 2.943920
        #   (2 − 5)/2.943920 = −1.019049; (4 − 5)/… = −0.339683; (9 − 5)/… = 1.358732
        "ZP": [-1.019049, -0.339683, 1.358732],
        # negative z-score: mean 2, sd_pop = √(2/3) = 0.816497; −(x − 2)/0.816497 -> 1.224745, 0, −1.224745
        "ZN": [1.224745, 0, -1.224745],
        # rank: 100·percent_rank in the good direction; ascending 10 (甲), 20 (丙), 30 (乙) -> 0, 50, 100
        "RP": [0, 100, 50],
        # negative: ascending −x: −5 (甲), −5 (乙) tie at rank 1, −1 (丙) rank 3 -> 0, 0, (3−1)/2 = 100
        "RN": [0, 0, 100],
    }
    for code, vals in expected.items():
        for region, v in zip((JIA, YI, BING), vals):
            assert got[(region, code)] == pytest.approx(v, abs=1e-6), (code, region)
    met = {(r[0], r[1]): r[2] for r in rows(con, "SELECT region_code, indicator_code, met FROM score "
                                                 "WHERE indicator_code IN ('TP', 'TN')")}
    # TP: 40 ≥ 50 no; 75 ≥ 100 (own target) no; 50 ≥ 50 yes.  TN: 25 ≤ 20 no; 10 ≤ 20 yes; 18 ≤ 20 yes
    assert [met[(r, "TP")] for r in (JIA, YI, BING)] == [False, False, True]
    assert [met[(r, "TN")] for r in (JIA, YI, BING)] == [False, True, True]
    result = by_region(con, "SELECT region_code, gdi, targets_met, points_targets, points_index, assessment_score, "
                            "grade FROM result WHERE run_id = 't' AND year = 2025", [])
    # index = mean of the 7 (equal weights):
    #   甲 (100 + 80 + 80 − 1.019049 + 1.224745 + 0 + 0)/7 = 260.205696/7 = 37.172242
    #   乙 (50 + 75 + 120 − 0.339683 + 0 + 100 + 0)/7 = 344.660317/7 = 49.237188
    #   丙 (0 + 100 + 111.111111 + 1.358732 − 1.224745 + 50 + 100)/7 = 361.245098/7 = 51.606443
    # assessment = 50·(targets met, weighted)/(targets) + 50·index/100 (index_range 0–100):
    #   甲 0 + 18.586121 = 18.59 不合格; 乙 25 + 24.618594 = 49.62 不合格; 丙 50 + 25.803222 = 75.80 合格
    assert result[JIA][0] == pytest.approx(37.172242, abs=1e-6)
    assert result[YI][0] == pytest.approx(49.237188, abs=1e-6)
    assert result[BING][0] == pytest.approx(51.606443, abs=1e-6)
    assert [result[r][1] for r in (JIA, YI, BING)] == [0, 1, 2]
    assert result[YI][2] == pytest.approx(25.0) and result[YI][3] == pytest.approx(24.618594, abs=1e-6)
    assert [result[r][4:] for r in (JIA, YI, BING)] == [(18.59, "不合格"), (49.62, "不合格"), (75.80, "合格")]


# ---------------------------------------------------------------- missing: minimum
def test_missing_minimum_gives_each_method_its_lowest_score(mini_data):
    doc = framework("minimum", [indicator("E", 1), indicator("Z", 1, normalization="zscore"),
                                indicator("MM", 1, normalization="minmax", goalposts=[0, 100])],
                    missing_policy="minimum")
    con, _ = scored(mini_data, doc, {2025: {"E": [None, 50, 70], "Z": [None, 4, 9], "MM": [20, 30, 60]}})
    got = normalized(con)
    # E (efficacy) over 乙 50, 丙 70 -> 60, 100; 甲 missing -> 60, the efficacy minimum
    # Z over 4, 9: mean 6.5, sd 2.5 -> −1, 1; 甲 missing -> −1, the lowest z present
    # MM (minmax 0–100) -> 20, 30, 60 as reported
    assert [got[(r, "E")] for r in (JIA, YI, BING)] == pytest.approx([60, 60, 100])
    assert [got[(r, "Z")] for r in (JIA, YI, BING)] == pytest.approx([-1, -1, 1])
    gdi = by_region(con, "SELECT region_code, gdi FROM result WHERE year = 2025", [])
    # 甲 (60 − 1 + 20)/3 = 26.333; 乙 (60 − 1 + 30)/3 = 29.667; 丙 (100 + 1 + 60)/3 = 53.667
    assert [gdi[r] for r in (JIA, YI, BING)] == pytest.approx([26.333333, 29.666667, 53.666667])
    flags = rows(con, "SELECT indicator_code, flag FROM score WHERE region_code = ? AND flag IS NOT NULL "
                      "ORDER BY 1", [JIA])
    assert flags == [("E", "缺失: 按该方法最低分计"), ("Z", "缺失: 按该方法最低分计")]
    assert by_region(con, "SELECT region_code, missing_count FROM result", [])[JIA] == 2


# ---------------------------------------------------------------- missing: last_year, and year-over-year
def test_last_year_value_fills_a_gap_and_every_change_is_stored(mini_data):
    doc = copy.deepcopy(MINI_FRAMEWORK) | {"id": "yoy", "missing_policy": "last_year"}
    values = {2024: {"A": [40, 50, 60], "B": [10, 30, 20], "C": [5, 5, 5]},
              2025: {"A": [58, 44, 60], "B": [None, 30, 20], "C": [5, 5, 5]}}
    con, _ = scored(mini_data, doc, values)
    # 2024 (as in test_scoring): index 甲 80, 乙 76.667, 丙 93.333 -> ranks 2, 3, 1; category X of 甲 = 76
    # 2025: A 58/44/60 -> efficacy 60 + 40·(x − 44)/16: 甲 95, 乙 60, 丙 100
    #       B: 甲 missing -> last year's 10; over 10, 30, 20 -> 100, 60, 80;  C all equal -> 100
    #       甲 = ½·95 + ⅓·100 + ⅙·100 = 47.5 + 33.333 + 16.667 = 97.5
    #       乙 = ½·60 + ⅓·60 + ⅙·100 = 30 + 20 + 16.667 = 66.667
    #       丙 = ½·100 + ⅓·80 + ⅙·100 = 50 + 26.667 + 16.667 = 93.333   -> ranks 1, 3, 2
    res = by_region(con, "SELECT region_code, gdi, rank, previous_gdi, previous_rank FROM result "
                         "WHERE year = 2025", [])
    assert res[JIA] == pytest.approx((97.5, 1, 80.0, 2))
    assert res[YI] == pytest.approx((66.666667, 3, 76.666667, 3))
    assert res[BING] == pytest.approx((93.333333, 2, 93.333333, 1))
    b = rows(con, "SELECT value, previous_value, normalized, previous_normalized, flag, submission_id FROM score "
                  "WHERE year = 2025 AND region_code = ? AND indicator_code = 'B'", [JIA])[0]
    assert b == (10.0, 10.0, pytest.approx(100.0), pytest.approx(100.0), "缺失: 沿用上年已审核数据", 2024)
    a = rows(con, "SELECT value, previous_value, normalized, previous_normalized FROM score "
                  "WHERE year = 2025 AND region_code = ? AND indicator_code = 'A'", [JIA])[0]
    assert a == pytest.approx((58.0, 40.0, 95.0, 60.0))
    # category X (A ⅗, B ⅖ inside it): 2025 甲 0.6·95 + 0.4·100 = 97; 2024: 76
    x = rows(con, "SELECT score, previous_score FROM category_score WHERE year = 2025 AND region_code = ? "
                  "AND category = 'X'", [JIA])[0]
    assert x == pytest.approx((97.0, 76.0))
    # the year before is kept in the same run, scored the same way
    assert rows(con, "SELECT count(*) FROM result WHERE run_id = 't' AND year = 2024")[0][0] == 3


# ---------------------------------------------------------------- deductions and points
def test_deductions_per_event_and_missed_target_are_capped_and_lower_the_grade(mini_data):
    doc = copy.deepcopy(MINI_FRAMEWORK) | {"id": "ded", "deductions": [
        {"id": "D-EVENT", "name": "生态环境事件", "kind": "event", "points": 3, "max_points": 5,
         "event_kinds": ["重特大突发环境事件"]},
        {"id": "D-BIND", "name": "约束性目标未完成", "kind": "target", "points": 4}]}
    values = {2025: {"A": [40, 50, 60], "B": [10, 30, 20], "C": [5, 5, 5]}}
    events = [("E1", JIA, "2025-03-01", "重特大突发环境事件"), ("E2", JIA, "2025-08-01", "重特大突发环境事件"),
              ("E3", JIA, "2024-05-01", "重特大突发环境事件"), ("E4", BING, "2025-02-01", "一般环境事件")]
    con, _ = scored(mini_data, doc, values, events=events)
    # Before deductions (test_scoring): 80·met share + 20·(index − 60)/40
    #   甲 26.667 + 10 = 36.667; 乙 40 + 8.333 = 48.333; 丙 66.667 + 16.667 = 83.333 (良好)
    # D-EVENT: 甲 two listed events in 2025 = 2·3 = 6, capped at 5 (E3 is 2024, E4 not a listed kind)
    # D-BIND: C (binding, ≥ 10) is missed by everyone: 4 each
    #   甲 36.667 − 5 − 4 = 27.67 不合格; 乙 48.333 − 4 = 44.33 不合格; 丙 83.333 − 4 = 79.33 合格
    res = by_region(con, "SELECT region_code, points_targets, points_index, points_deducted, assessment_score, grade "
                         "FROM result", [])
    assert res[JIA][:3] == pytest.approx((26.666667, 10.0, 9.0))
    assert [res[r][3:] for r in (JIA, YI, BING)] == [(27.67, "不合格"), (44.33, "不合格"), (79.33, "合格")]
    hits = rows(con, "SELECT region_code, deduction_id, points, event_id, indicator_code, description "
                     "FROM deduction_hit WHERE run_id = 't' ORDER BY ALL")
    assert [h[:5] for h in hits] == [
        (JIA, "D-BIND", 4.0, None, "C"), (JIA, "D-EVENT", 3.0, "E1", None), (JIA, "D-EVENT", 3.0, "E2", None),
        (YI, "D-BIND", 4.0, None, "C"), (BING, "D-BIND", 4.0, None, "C")]
    assert hits[0][5] == "耕地保有量 5.0万亩, 目标 ≥10.0万亩"


# ---------------------------------------------------------------- a three-level tree
TREE = framework("tree", [
    indicator("P", 1, "S1", weight_class="★", weight=None), indicator("Q", 1, "S1", weight_class="○", weight=None),
    indicator("R", 1, "S2", weight_class="◆", weight=None), indicator("T", 1, "D2", weight_class="○", weight=None),
], categories=[{"code": "D1", "name": "维度一", "weight": 3}, {"code": "D2", "name": "维度二", "weight": 1},
               {"code": "S1", "name": "子维度一", "parent": "D1"}, {"code": "S2", "name": "子维度二", "parent": "D1"}],
   normalization="minmax", aggregation={"index": "arithmetic", "category": "arithmetic", "levels": {1: "geometric"}})
for _ind in TREE["indicators"]:
    _ind["goalposts"] = [0, 100]  # minmax on 0–100: the normalized score is the value
TREE_VALUES = {2025: {"P": [40, 100, 60], "Q": [80, 100, 60], "R": [90, 25, 60], "T": [50, 100, 60]}}


def test_three_level_tree_with_a_method_per_level(mini_data):
    con, fw = scored(mini_data, TREE, TREE_VALUES)
    # weights ★◆○ = 3:2:1 -> P 3/7, Q 1/7, R 2/7, T 1/7
    # S1 (depth 2, arithmetic by default) = (3·P + 1·Q)/4: 甲 (120 + 80)/4 = 50; 乙 100
    # S2 = R: 甲 90; 乙 25
    # D1 (depth 1: geometric by `levels`), parts weigh their indicators: S1 4/7, S2 2/7 -> ⅔, ⅓
    #   甲 50^⅔ · 90^⅓ = exp((2·3.912023 + 4.499810)/3) = 60.822020
    #   乙 100^⅔ · 25^⅓ = 21.544347 · 2.924018 = 62.996052
    # index (arithmetic) over D1, D2 with explicit weights 3 : 1 -> 0.75, 0.25
    #   甲 0.75·60.822020 + 0.25·50 = 58.116515; 乙 0.75·62.996052 + 0.25·100 = 72.247039; 丙 all 60 -> 60
    gdi = by_region(con, "SELECT region_code, gdi FROM result", [])
    assert [gdi[r] for r in (JIA, YI, BING)] == pytest.approx([58.116515, 72.247039, 60.0])
    cats = {(r[0], r[1]): r[2:] for r in rows(con, "SELECT region_code, category, score, weight, parent, depth, "
                                                   "aggregation, contribution FROM category_score")}
    assert cats[(JIA, "S1")][:5] == pytest.approx((50.0, 2 / 3, "D1", 2, "arithmetic"))
    assert cats[(JIA, "D1")][:5] == pytest.approx((60.822020, 0.75, None, 1, "geometric"))
    # contributions, top-down. D1: 0.75·60.822020 = 45.616515; D2: 12.5
    # inside D1 (geometric) by ⅔·ln 50 = 2.608015 : ⅓·ln 90 = 1.499937 -> S1 0.634870 · 45.616515 = 28.960556,
    #   S2 16.655959; inside S1 (arithmetic) by 0.75·40 = 30 : 0.25·80 = 20 -> P 17.376334, Q 11.584222
    assert cats[(JIA, "D1")][5] == pytest.approx(45.616515, abs=1e-6)
    assert cats[(JIA, "S1")][5] == pytest.approx(28.960556, abs=1e-6)
    contrib = {r[0]: r[1:] for r in rows(con, "SELECT indicator_code, contribution, weight_share FROM score "
                                              "WHERE region_code = ?", [JIA])}
    assert contrib["P"][0] == pytest.approx(17.376334, abs=1e-6)
    assert contrib["Q"][0] == pytest.approx(11.584222, abs=1e-6)
    assert contrib["R"][0] == pytest.approx(16.655959, abs=1e-6)
    assert contrib["T"][0] == pytest.approx(12.5)
    assert sum(c[0] for c in contrib.values()) == pytest.approx(gdi[JIA])
    # P's share of the index's weight: 0.75 (D1) · ⅔ (S1 in D1) · ¾ (P in S1) = 0.375
    assert contrib["P"][1] == pytest.approx(0.375)
    # the parts of every node add up to it, at every level
    for region in (JIA, YI):
        assert cats[(region, "S1")][5] + cats[(region, "S2")][5] == pytest.approx(cats[(region, "D1")][5])
        assert cats[(region, "D1")][5] + cats[(region, "D2")][5] == pytest.approx(gdi[region])
    assert rows(con, "SELECT code, weight FROM category ORDER BY position") == [
        ("D1", 0.75), ("D2", 0.25), ("S1", 0.5), ("S2", 0.25)]
    # the Monte Carlo index, with every weight factor 1, is the same number
    sc = rows(con, "SELECT region_code, indicator_code, normalized, weight FROM score ORDER BY ALL")
    codes = [i.code for i in fw.indicators]
    scores, weights = np.full((3, 4), np.nan), np.zeros((3, 4))
    for r, k, s, w in sc:
        scores[(JIA, YI, BING).index(r), codes.index(k)], weights[(JIA, YI, BING).index(r), codes.index(k)] = s, w
    mc = index_of(np.ones((1, 4)), weights, scores, Tree.of(fw))[0]
    assert mc == pytest.approx([gdi[JIA], gdi[YI], gdi[BING]])


def test_a_node_can_override_its_level(mini_data):
    doc = copy.deepcopy(TREE) | {"id": "tree_node"}
    doc["categories"][2]["aggregation"] = "geometric"  # S1 geometric although depth 2 is arithmetic
    con, _ = scored(mini_data, doc, TREE_VALUES)
    # S1 甲 = 40^¾ · 80^¼ = 15.905415 · 2.990698 = 47.568285
    # D1 甲 = exp((2·ln 47.568285 + ln 90)/3) = exp((7.724332 + 4.499810)/3) = 58.833655
    # index 0.75·58.833655 + 0.25·50 = 56.625241
    s1, = rows(con, "SELECT score FROM category_score WHERE region_code = ? AND category = 'S1'", [JIA])[0]
    assert s1 == pytest.approx(47.568285, abs=1e-6)
    gdi, = rows(con, "SELECT gdi FROM result WHERE region_code = ?", [JIA])[0]
    assert gdi == pytest.approx(56.625241, abs=1e-6)


# ---------------------------------------------------------------- rank uncertainty with methods
def test_rank_uncertainty_over_normalization_methods_and_drivers(mini_data):
    doc = copy.deepcopy(MINI_FRAMEWORK) | {"id": "mc", "uncertainty": {
        "draws": 200, "weight_spread": 1e-9, "seed": 7, "alternative_methods": ["rank"]}}
    values = {2025: {"A": [0, 90, 100], "B": [10, 30, 20], "C": [5, 5, 5]}}
    con, fw = scored(mini_data, doc, values)
    out = rank_uncertainty(con, fw, 2025, "t")
    # efficacy: A 60, 96, 100; B 100, 60, 80; C 100 -> 甲 30 + 33.33 + 16.67 = 80, 乙 48 + 20 + 16.67 = 84.67,
    #           丙 50 + 26.67 + 16.67 = 93.33 -> ranks 3, 2, 1
    # rank:     A 0, 50, 100; B 100, 0, 50; C 0, 0, 0 (ties) -> 甲 33.33, 乙 25, 丙 66.67 -> ranks 2, 3, 1
    by_method = {(r[0], r[1]): r[2:] for r in rows(
        con, "SELECT region_code, method, draws, rank_median FROM rank_by_method WHERE run_id = 't'")}
    assert [by_method[(r, "efficacy")][1] for r in (JIA, YI, BING)] == [3, 2, 1]
    assert [by_method[(r, "rank")][1] for r in (JIA, YI, BING)] == [2, 3, 1]
    assert by_method[(JIA, "efficacy")][0] + by_method[(JIA, "rank")][0] == 200
    assert 50 < by_method[(JIA, "rank")][0] < 150  # both methods drawn, equally likely
    jia = out.filter(out["region_code"] == JIA).row(0, named=True)
    assert (jia["rank_p05"], jia["rank_p95"]) == (2, 3)
    assert out.filter(out["region_code"] == BING)["rank_p95"][0] == 1  # first under either method

    wide = fw.model_copy(update={"uncertainty": fw.uncertainty.model_copy(update={"weight_spread": 1.5})})
    rank_uncertainty(con, wide, 2025, "t")
    drivers = rows(con, "SELECT position, indicator_code, correlation FROM rank_driver WHERE run_id = 't' "
                        "AND region_code = ? ORDER BY position", [JIA])
    assert [d[0] for d in drivers] == [1, 2, 3] and {d[1] for d in drivers} == {"A", "B", "C"}
    assert abs(drivers[0][2]) >= abs(drivers[1][2]) >= abs(drivers[2][2]) > 0
    assert rows(con, "SELECT rank_driver FROM result WHERE run_id = 't' AND region_code = ?", [JIA])[0][0] == \
        drivers[0][1]


# ---------------------------------------------------------------- the tree is validated on load
def _tree_with(change) -> dict:
    doc = copy.deepcopy(TREE)
    change(doc)
    return doc


BAD_TREES = {
    "unknown parent": (lambda d: d["categories"][3].update(parent="D9"), ["categories[S2].parent", "'D9'",
                                                                          "unknown parent"]),
    "cycle": (lambda d: d["categories"][0].update(parent="S1"), ["循环", "cycle", "D1 → S1 → D1"]),
    "indicators and parts": (lambda d: d["indicators"][3].update(category="D1"), ["categories[D1]", "既含指标"]),
    "empty": (lambda d: d["categories"].append({"code": "S3", "name": "空", "parent": "D1"}),
              ["categories[S3]", "empty category"]),
    "level": (lambda d: d["aggregation"]["levels"].update({3: "geometric"}), ["aggregation.levels", "[3]"]),
    "sibling weights": (lambda d: d["categories"][2].update(weight=2), ["S1", "S2", "all or none"]),
    "alternative method": (lambda d: d.update(uncertainty={"alternative_methods": ["zscore"]}),
                           ["几何平均", "zscore"]),
    "goalposts order": (lambda d: d["indicators"][0].update(goalposts=[100, 0]), ["indicators[P]", "[下限, 上限]"]),
}


@pytest.mark.parametrize("case", BAD_TREES, ids=list(BAD_TREES))
def test_bad_tree_is_refused_naming_file_and_entry(tmp_path, case):
    change, fragments = BAD_TREES[case]
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(_tree_with(change), allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError) as err:
        load_framework(path)
    message = str(err.value)
    assert str(path) in message and "配置文件有误" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
