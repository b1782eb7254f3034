"""Scoring rules of issue 18, each on a fixture worked by hand: not applicable ≠ missing, no data
anywhere, one county's missing value under each policy, stock indicators on target attainment, whose
target applies, and the absolute change (indicators improved and worsened in their own direction)."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import MINI_FRAMEWORK, scored
from transforms.config.framework import ConfigError
from transforms.runtime.warehouse import rows

# Weights ★◆○ = 3:2:1 → A 1/2, B 1/3 (both in category X), C 1/6 (category Y).
# Values (甲/乙/丙) unless a test says otherwise:
#   A (+): 40 / 60 / 50 → efficacy 60 / 100 / 80
#   B (−): 10 / 30 / 20 → over all three: 100 / 60 / 80
#   C (+):  5 / 10 / 15 → 60 / 80 / 100
VALUES = {"A": [40, 60, 50], "B": [10, 30, 20], "C": [5, 10, 15]}


def doc(**changes) -> dict:
    d = copy.deepcopy(MINI_FRAMEWORK)
    for code, extra in changes.items():
        next(i for i in d["indicators"] if i["code"] == code).update(extra)
    return d


def results(con) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in rows(con, "SELECT region_code, gdi, missing_count, targets_total FROM result "
                                           "WHERE year = 2025")}


def score_rows(con, region: str) -> dict[str, dict]:
    cols = ["indicator_code", "normalized", "weight_share", "contribution", "applicable", "flag", "target_value",
            "target_source", "met"]
    return {r[0]: dict(zip(cols, r)) for r in rows(con, f"SELECT {', '.join(cols)} FROM score WHERE year = 2025 "
                                                        "AND region_code = ?", [region])}


def test_not_applicable_in_the_framework_keeps_the_weight_in_its_category(mini_data):
    # B does not apply to 丙 (its value, if any, is ignored). B over 甲, 乙 (10, 30): 100, 60.
    # 丙: X = A alone = 80, X keeps its weight 5/6 (B's 1/3 goes to A); Y = 100 (1/6).
    #     GDI = 5/6 · 80 + 1/6 · 100 = 66.667 + 16.667 = 83.333
    # 甲: X = (1/2 · 60 + 1/3 · 100) / (5/6) = 76; GDI = 5/6 · 76 + 1/6 · 60 = 63.333 + 10 = 73.333
    con, _ = scored(mini_data, doc(B={"not_applicable": ["990003"]}), {2025: VALUES})
    got = results(con)
    assert got["990003"][0] == pytest.approx(83.3333, abs=1e-4)
    assert got["990001"][0] == pytest.approx(73.3333, abs=1e-4)
    assert got["990003"][1] == 0  # not applicable is not missing
    assert got["990003"][2] == 2 and got["990001"][2] == 3  # no target counted where B does not apply
    b = score_rows(con, "990003")["B"]
    assert b["applicable"] is False and b["normalized"] is None and b["target_value"] is None
    assert b["flag"].startswith("不涉及")
    a = score_rows(con, "990003")["A"]
    assert a["weight_share"] == pytest.approx(5 / 6)  # all of X's weight
    total, = rows(con, "SELECT sum(contribution) FROM score WHERE year = 2025 AND region_code = '990003'")[0]
    assert total == pytest.approx(got["990003"][0])


def test_missing_is_not_the_same_as_not_applicable(mini_data):
    # The same county without B's value under `reweight`: B's weight leaves X, so X weighs 1/2 against Y's 1/6.
    # 丙: GDI = (1/2 · 80 + 1/6 · 100) / (2/3) = (40 + 16.667) / 0.6667 = 85.0
    values = VALUES | {"B": [10, 30, None]}
    con, _ = scored(mini_data, doc(), {2025: values})
    got = results(con)
    assert got["990003"][0] == pytest.approx(85.0)
    assert got["990003"][1] == 1


def test_not_applicable_in_the_targets_file_for_one_region_and_year(mini_data):
    # 不涉及 in data/targets/ for (B, 丙, 2025): the same as the framework's declaration above.
    con, _ = scored(mini_data, doc(), {2025: VALUES}, targets=[("B", "990003", 2025, "不涉及", "")])
    assert results(con)["990003"][0] == pytest.approx(83.3333, abs=1e-4)
    assert rows(con, "SELECT count(*) FROM region_target")[0][0] == 0


def test_not_applicable_by_zone_and_everywhere_and_an_unknown_entry(mini_data):
    # 丙 is the only 重点生态功能区: the same numbers again
    con, _ = scored(mini_data, doc(B={"not_applicable": ["重点生态功能区"]}), {2025: VALUES})
    assert results(con)["990003"][0] == pytest.approx(83.3333, abs=1e-4)
    # "*": B applies nowhere; X is A alone for everyone. 甲: 5/6 · 60 + 1/6 · 60 = 60
    con, _ = scored(mini_data, doc(B={"not_applicable": ["*"]}), {2025: VALUES})
    assert results(con)["990001"][0] == pytest.approx(60.0)
    with pytest.raises(ConfigError, match="not_applicable"):
        scored(mini_data, doc(B={"not_applicable": ["沿海地区"]}), {2025: VALUES})


def test_no_data_anywhere_keeps_the_weight_and_scores_the_floor(mini_data):
    # Nobody reported B in 2025 (policy `reweight`): B scores 60 everywhere and keeps its weight.
    # 甲: X = (1/2 · 60 + 1/3 · 60) / (5/6) = 60, Y = 60 → 60
    # 乙: X = (50 + 20) / (5/6) = 84, Y = 80 → 70 + 13.333 = 83.333
    # 丙: X = (40 + 20) / (5/6) = 72, Y = 100 → 60 + 16.667 = 76.667
    con, _ = scored(mini_data, doc(), {2025: VALUES | {"B": [None, None, None]}})
    got = results(con)
    assert [round(got[c][0], 3) for c in ("990001", "990002", "990003")] == [60.0, 83.333, 76.667]
    b = score_rows(con, "990002")["B"]
    assert b["normalized"] == pytest.approx(60.0) and "各地区均无数据" in b["flag"]


def test_one_county_missing_under_the_minimum_policy(mini_data):
    # Policy `minimum`: 甲's B scores 60 (B over 乙, 丙 = 30, 20 → 60, 100).
    # 甲: X = (30 + 20) / (5/6) = 60, Y = 60 → 60
    con, _ = scored(mini_data, doc() | {"missing_policy": "minimum"}, {2025: VALUES | {"B": [None, 30, 20]}})
    assert results(con)["990001"][0] == pytest.approx(60.0)
    assert score_rows(con, "990003")["B"]["normalized"] == pytest.approx(100.0)


def test_stock_indicator_on_target_attainment_with_the_county_target(mini_data):
    # C (耕地保有量, target ≥ 10) scored on attainment on the efficacy scale: 60 + 40 · min(x / target, 1).
    # 甲 5 / 10 → 80; 乙 10 / 10 → 100; 丙 has its own decomposed target ≥ 20: 15 / 20 → 90.
    con, _ = scored(mini_data, doc(C={"normalization": "attainment"}), {2025: VALUES},
                    targets=[("C", "990003", 2025, ">=", 20)])
    c = {r: score_rows(con, r)["C"] for r in ("990001", "990002", "990003")}
    assert [c[r]["normalized"] for r in ("990001", "990002", "990003")] == pytest.approx([80.0, 100.0, 90.0])
    assert c["990003"]["target_source"] == "县级分解目标" and c["990003"]["met"] is False
    assert c["990001"]["target_source"] == "市级目标"


def test_absolute_change_counts_indicators_improved_and_worsened_in_their_direction(mini_data):
    # 2024 → 2025:  A (+) 甲 40→45 ↑, 乙 60→55 ↓, 丙 50→50 =
    #               B (−) 甲 10→12 ↓, 乙 30→25 ↑, 丙 20→20 =
    #               C (+) 甲  5→6  ↑, 乙 10→10 =, 丙 15→14 ↓
    # Weighted balance (1/2, 1/3, 1/6): 甲 1/2 − 1/3 + 1/6 = 1/3; 乙 −1/2 + 1/3 = −1/6; 丙 −1/6
    now = {"A": [45, 55, 50], "B": [12, 25, 20], "C": [6, 10, 14]}
    con, _ = scored(mini_data, doc(), {2024: VALUES, 2025: now})
    got = {r[0]: r[1:] for r in rows(con, "SELECT region_code, improved, worsened, change_balance FROM result "
                                          "WHERE year = 2025")}
    assert got["990001"][:2] == (2, 1) and got["990001"][2] == pytest.approx(1 / 3)
    assert got["990002"][:2] == (1, 1) and got["990002"][2] == pytest.approx(-1 / 6)
    assert got["990003"][:2] == (0, 1) and got["990003"][2] == pytest.approx(-1 / 6)


def test_points_by_rank_and_from_public_satisfaction_each_indicator_counted_once(mini_data):
    # 60 points for targets, 30 by rank on D (年度评价结果, outside the index), 10 from S (公众满意程度).
    # Targets met (weights 1/2, 1/3, 1/6): 甲 B → 1/3; 乙 A, C → 2/3; 丙 all → 1. × 60: 20, 40, 60
    # D: 80 / 90 / 85 → ranks 3, 1, 2 → 30 · (1 − 0.4 · (rank − 1) / 2): 18, 30, 24
    # S: 70 / 80 / 90 → 10 · S / 100: 7, 8, 9
    # Total: 甲 45, 乙 78, 丙 93
    d = doc()
    d["indicators"] += [
        {"code": "D", "name": "年度评价结果", "category": "Y", "unit": "指数", "direction": 1, "in_index": False,
         "valid_range": [0, 100], "department": "tjj"},
        {"code": "S", "name": "公众满意程度", "category": "Y", "unit": "%", "direction": 1, "in_index": False,
         "valid_range": [0, 100], "department": "tjj"}]
    d["assessment"] = {"target_points": 60, "index_points": 0, "satisfaction_points": 10,
                       "rank_points": {"indicator": "D", "points": 30, "last_share": 0.6}}
    d["public_satisfaction"] = {"indicator": "S", "separate": True}
    con, _ = scored(mini_data, d, {2025: VALUES | {"D": [80, 90, 85], "S": [70, 80, 90]}})
    got = {r[0]: r[1:] for r in rows(con, "SELECT region_code, points_targets, points_rank, points_satisfaction, "
                                          "satisfaction, assessment_score FROM result WHERE year = 2025")}
    assert got["990001"] == pytest.approx((20, 18, 7, 70, 45))
    assert got["990002"] == pytest.approx((40, 30, 8, 80, 78))
    assert got["990003"] == pytest.approx((60, 24, 9, 90, 93))


def test_an_indicator_giving_points_of_its_own_may_not_count_twice(mini_data):
    d = doc()
    d["assessment"] = {"target_points": 70, "index_points": 0, "rank_points": {"indicator": "A", "points": 30}}
    with pytest.raises(ConfigError, match="counted twice"):
        scored(mini_data, d, {2025: VALUES})
    d = doc()
    d["public_satisfaction"] = {"indicator": "A", "separate": True}
    with pytest.raises(ConfigError, match="in_index"):
        scored(mini_data, d, {2025: VALUES})
