"""Data treatment, imputation and the statistical coherence annex (issue 23): hand-computed fixtures,
and the same numbers from an independent plain-Python implementation on random data."""

from __future__ import annotations

import math
import random

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.config.framework import Framework
from transforms.scoring.coherence import coherence, cronbach_alpha, pearson
from transforms.scoring.imputation import impute
from transforms.scoring.treatment import jrc_treatment, kurtosis, log_ct, skewness, treat_frame

# ---------------------------------------------------------------- plain-Python references

def py_skew(x: list[float]) -> float:
    n, m = len(x), sum(x) / len(x)
    s = math.sqrt(sum((v - m) ** 2 for v in x) / (n - 1))
    return n / ((n - 1) * (n - 2)) * sum(((v - m) / s) ** 3 for v in x)


def py_kurt(x: list[float]) -> float:
    n, m = len(x), sum(x) / len(x)
    s = math.sqrt(sum((v - m) ** 2 for v in x) / (n - 1))
    return (n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum(((v - m) / s) ** 4 for v in x)
            - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def py_alpha(rows: list[list[float]]) -> float:
    k = len(rows[0])

    def var(v: list[float]) -> float:
        m = sum(v) / len(v)
        return sum((a - m) ** 2 for a in v) / (len(v) - 1)

    return k / (k - 1) * (1 - sum(var([r[j] for r in rows]) for j in range(k)) / var([sum(r) for r in rows]))


def py_jrc(x: list[float], skew_max: float, kurt_max: float, points: int) -> tuple[str, list[float]]:
    def bad(v: list[float]) -> bool:
        return len(set(v)) > 1 and abs(py_skew(v)) > skew_max and py_kurt(v) > kurt_max

    if not bad(x):
        return "none", x
    w = list(x)
    for _ in range(points):
        extreme = max(w) if py_skew(w) >= 0 else min(w)
        inward = [v for v in w if v != extreme]
        w = [(max(inward) if extreme == max(w) else min(inward)) if v == extreme else v for v in w]
        if not bad(w):
            return "winsorised", w
    return "log", []


# ---------------------------------------------------------------- hand-computed fixtures

def test_skewness_kurtosis_and_one_winsorised_point_by_hand():
    # [0,0,0,0,10]: mean 2, s² = 80/4 = 20; skew = 5/12 · 480/20^1.5 = √5 ≈ 2.236 (> 2);
    # kurt = 30/24 · 4160/400 − 3·16/6 = 13 − 8 = 5 (> 3.5): treated. The 10 becomes the next value, 0.
    x = np.array([0, 0, 0, 0, 10.0])
    assert skewness(x) == pytest.approx(math.sqrt(5))
    assert kurtosis(x) == pytest.approx(5.0)
    t = jrc_treatment(x, max_points=3)
    assert t.how == "winsorised" and t.points == (4,) and t.values.tolist() == [0, 0, 0, 0, 0]


def test_within_thresholds_nothing_is_treated_and_past_the_points_the_log_is_taken():
    assert jrc_treatment(np.array([1.0, 2, 3, 4, 5])).how == "none"
    # 1..30 with 1000 and 2000: two steps are needed (2000 → 1000, then both → 30); one is not enough
    x = np.array([*range(1, 31), 1000.0, 2000.0])
    assert abs(skewness(x)) > 2 and kurtosis(x) > 3.5
    two = jrc_treatment(x, max_points=2)
    assert two.how == "winsorised" and two.points == (31, 30, 31) and two.values.max() == 30
    t = jrc_treatment(x, max_points=1)
    assert t.how == "log"
    assert t.values == pytest.approx(np.log(x - 1 + 0.01 * (2000 - 1)))
    assert np.argsort(t.values).tolist() == np.argsort(x).tolist()  # order kept
    # mirrored for a negative skew: still increasing in x
    neg = log_ct(-x, -1.0)
    assert np.all(np.diff(neg[np.argsort(-x)]) > 0)


def test_treat_frame_records_each_treated_number_with_its_reason():
    values = pl.DataFrame({"indicator_code": ["A"] * 5 + ["B"] * 5, "year": [2025] * 10,
                           "region_code": list("abcde") * 2, "value": [0.0, 0, 0, 0, 10, 1, 2, 3, 4, 5]})
    out = treat_frame(values, {"A": {"method": "jrc", "max_points": 2}, "B": {"method": "jrc"}})
    assert out.select("indicator_code", "region_code", "value", "treated").rows() == [("A", "e", 10.0, 0.0)]
    assert "缩尾处理" in out["how"][0] and "第1个缩尾点" in out["how"][0]
    boxcox = treat_frame(values.filter(pl.col("indicator_code") == "B"), {"B": {"method": "boxcox", "lambda": 0.5}})
    assert boxcox["treated"].to_list() == pytest.approx([(v ** 0.5 - 1) / 0.5 for v in [1, 2, 3, 4, 5]])


def test_imputation_by_hand():
    grid = pl.DataFrame({"region_code": ["a"] * 4 + ["b"] * 4 + ["c"] * 4, "indicator_code": ["X"] * 12,
                         "year": [2022, 2023, 2024, 2025] * 3,
                         "value": [1.0, None, 3, None, 2, 4, None, 8, 5, 6, 7, 9],
                         "peer": ["重点开发区"] * 8 + ["重点生态功能区"] * 4})
    chain = impute(grid, {"X": ["interpolate", "last_available"]}).sort("region_code", "year").rows()
    assert chain == [("a", "X", 2023, 2.0, "按2022年与2024年数据线性插值"), ("a", "X", 2025, 3.0, "沿用2024年数据"),
                     ("b", "X", 2024, 6.0, "按2023年与2025年数据线性插值")]
    # group mean over the peers present: a 2023 ← b's 4; a 2025 ← b's 8; b 2024 ← a's 3
    means = impute(grid, {"X": ["group_mean"]}).sort("region_code", "year").select("region_code", "year", "value")
    assert means.rows() == [("a", 2023, 4.0), ("a", 2025, 8.0), ("b", 2024, 3.0)]
    medians = impute(grid.with_columns(pl.lit("同组").alias("peer")), {"X": ["group_median"]})
    assert medians.filter(pl.col("year") == 2024)["value"].to_list() == [5.0]  # median of 3 and 7


def _flat_framework(weights: tuple[float, ...] = (1, 1, 1)) -> Framework:
    return Framework.model_validate({
        "id": "flat", "name": "测试", "jurisdiction": "990000", "years": [2024, 2026],
        "weight_classes": {"★": 1}, "assessment": {"target_points": 80, "index_points": 20},
        "grade_bands": [{"grade": "合格", "min": 60}, {"grade": "不合格", "min": 0}],
        "categories": [{"code": "X", "name": "全部"}],
        "indicators": [{"code": c, "name": c, "category": "X", "unit": "%", "direction": 1, "weight": w,
                        "valid_range": [0, 100], "department": "tjj"} for c, w in zip("ABC", weights)]})


def test_rank_shift_correlations_and_importance_by_hand():
    #        A    B    C  | index (mean)   rank | without A  without B  without C
    # R1   100   60   60  | 73.33          4    | 60 (4)     80 (2)     80 (1)
    # R2    60  100   80  | 80             2    | 90 (1)     70 (4)     80 (1)
    # R3    80   80  100  | 86.67          1    | 90 (1)     90 (1)     80 (1)
    # R4    90   70   70  | 76.67          3    | 70 (3)     80 (2)     80 (1)
    # |shift|: A 0,1,0,0 (mean 0.25, max 1); B 2,2,0,1 (1.25, 2); C 3,1,0,2 (1.5, 3)
    scores = np.array([[100, 60, 60], [60, 100, 80], [80, 80, 100], [90, 70, 70.0]])
    index = scores.mean(axis=1)
    ind, cat = coherence(_flat_framework(), np.ones((4, 3)), scores, index[:, None], index)
    assert ind["rank_shift_mean"].to_list() == [0.25, 1.25, 1.5] and ind["rank_shift_max"].to_list() == [1, 2, 3]
    r = [np.corrcoef(scores[:, j], index)[0, 1] for j in range(3)]
    assert ind["r_index"].to_list() == pytest.approx(r) and ind["r_category"].to_list() == pytest.approx(r)
    assert ind["effective_importance"].to_list() == pytest.approx([v * v / sum(w * w for w in r) for v in r])
    assert ind["nominal_weight"].to_list() == pytest.approx([1 / 3] * 3)
    # α over A, B, C with the sample variances of the table
    assert cat["cronbach_alpha"][0] == pytest.approx(py_alpha(scores.tolist()))


def test_cronbach_alpha_by_hand():
    # items (1,2), (2,3), (3,5): var 1 and 7/3, totals 3, 5, 8 var 19/3 → α = 2·(1 − (10/3)/(19/3)) = 18/19
    assert cronbach_alpha(np.array([[1, 2], [2, 3], [3, 5.0]])) == pytest.approx(18 / 19)
    assert cronbach_alpha(np.array([[1.0], [2], [3]])) is None
    assert pearson(np.array([1.0, 2, 3]), np.array([5.0, 5, 5])) is None


# ---------------------------------------------------------------- against plain Python on random data

samples = st.lists(st.integers(min_value=-10 ** 6, max_value=10 ** 7).map(lambda v: v / 1000), min_size=5, max_size=40)


@settings(max_examples=150, deadline=None)
@given(samples, st.integers(min_value=1, max_value=6))
def test_treatment_matches_plain_python(values, points):
    x = np.array(values)
    if x.std() < 1e-6 * max(1.0, abs(x).max()):
        return  # (near-)constant: skewness undefined in the reference
    assert skewness(x) == pytest.approx(py_skew(values), rel=1e-6, abs=1e-9)
    assert kurtosis(x) == pytest.approx(py_kurt(values), rel=1e-6, abs=1e-9)
    how, expected = py_jrc(values, 2.0, 3.5, points)
    t = jrc_treatment(x, max_points=points)
    assert t.how == how
    if how == "winsorised":
        assert t.values.tolist() == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=3, max_value=15), st.integers(min_value=2, max_value=5), st.integers(0, 10 ** 6))
def test_alpha_and_rank_shift_match_plain_python(regions, k, seed):
    rng = random.Random(seed)
    rows = [[rng.uniform(60, 100) for _ in range(k)] for _ in range(regions)]
    assert cronbach_alpha(np.array(rows)) == pytest.approx(py_alpha(rows), rel=1e-9, abs=1e-12)
    fw = _flat_framework(tuple([1.0] * 3))
    if k != 3:
        return
    scores = np.array(rows)
    index = scores.mean(axis=1)
    ind, _ = coherence(fw, np.ones((regions, 3)), scores, index[:, None], index)

    def ranks(v: list[float]) -> list[int]:
        return [1 + sum(o > x for o in v) for x in v]

    base = ranks(list(index))
    for j in range(3):
        dropped = ranks([sum(r[i] for i in range(3) if i != j) / 2 for r in rows])
        shifts = [abs(a - b) for a, b in zip(dropped, base)]
        assert ind["rank_shift_mean"][j] == pytest.approx(sum(shifts) / regions)
        assert ind["rank_shift_max"][j] == max(shifts)


# ---------------------------------------------------------------- through the scoring, on the mini jurisdiction

import copy  # noqa: E402

from tests.support.mini import MINI_FRAMEWORK, scored  # noqa: E402
from transforms.config.framework import ConfigError, load_framework  # noqa: E402
from transforms.runtime.warehouse import rows  # noqa: E402
from transforms.scoring.score import GeometricZeroError  # noqa: E402

BASE = {2025: {"A": [40, 50, 60], "B": [10, 30, 20], "C": [5, 5, 5]}}


def _doc(**changes) -> dict:
    doc = copy.deepcopy(MINI_FRAMEWORK) | {"id": "m23"}
    for code, extra in changes.pop("indicators", {}).items():
        next(i for i in doc["indicators"] if i["code"] == code).update(extra)
    return doc | changes


def _scores(con, code: str) -> list[tuple]:
    return rows(con, "SELECT region_code, value, round(normalized, 6), flag FROM score WHERE year = 2025 "
                     "AND indicator_code = ? ORDER BY region_code", [code])


def test_minmax_on_the_data_to_a_declared_range_and_percentile_goalposts(mini_data):
    # A 40/50/60 on its own bounds onto [0, 10]: 0, 5, 10
    con, _ = scored(mini_data, _doc(indicators={"A": {"normalization": "minmax_data", "normalization_range": [0, 10]}}),
                    BASE)
    assert [r[2] for r in _scores(con, "A")] == [0, 5, 10]
    # goalposts = the 0th and 50th percentiles of 40/50/60 = 40 and 50: 0, 100, 100 (clipped)
    con, _ = scored(mini_data, _doc(indicators={"A": {"normalization": "minmax",
                                                      "goalposts_percentiles": {"low": 0, "high": 50}}}), BASE)
    assert [r[2] for r in _scores(con, "A")] == [0, 100, 100]


def test_declared_log_treatment_changes_what_is_normalized_not_the_value(mini_data):
    # A 1/10/100, log: 0, 2.303, 4.605 → efficacy 60, 80, 100 (untreated: 60, 63.64, 100)
    con, _ = scored(mini_data, _doc(indicators={"A": {"treatment": {"method": "log"}, "valid_range": [0.5, 200]}}),
                    {2025: dict(BASE[2025], A=[1, 10, 100])})
    got = _scores(con, "A")
    assert [r[1] for r in got] == [1, 10, 100] and [r[2] for r in got] == [60, 80, 100]
    assert all("对数变换" in r[3] for r in got)


def test_group_mean_imputation_is_scored_and_flagged(mini_data):
    # 乙 missing A; peers by `level` (all three are counties): mean of 40 and 60 = 50 → efficacy 80
    con, _ = scored(mini_data, _doc(missing_policy=["group_mean", "reweight"], peer_group="level"),
                    {2025: dict(BASE[2025], A=[40, None, 60])})
    yi = _scores(con, "A")[1]
    assert yi[1:3] == (50, 80) and "按同类地区（county）2个地区的均值插补" in yi[3]


def test_a_ratio_indicator_is_computed_from_two_submitted_items(mini_data):
    doc = _doc(indicators={"A": {"ratio": {"numerator": "S1", "denominator": "S2", "scale": 100}}})
    doc["supporting_items"] = [{"code": "S1", "name": "森林面积", "unit": "公顷", "valid_range": [0, 1e6],
                                "department": "lyj"},
                               {"code": "S2", "name": "土地面积", "unit": "公顷", "valid_range": [0, 1e6],
                                "department": "lyj"}]
    values = {2025: {"S1": [400, 500, 600], "S2": [1000, 1000, 1000], "B": [10, 30, 20], "C": [5, 5, 5]}}
    con, fw = scored(mini_data, doc, values)
    got = _scores(con, "A")
    assert [r[1] for r in got] == [40, 50, 60] and [r[2] for r in got] == [60, 80, 100]
    assert "A" not in {i.code for i in fw.reported_items}  # departments do not submit it
    bad = copy.deepcopy(doc)
    next(i for i in bad["indicators"] if i["code"] == "A")["ratio"]["scale"] = 1
    path = mini_data / "frameworks" / "bad.yaml"
    import yaml
    path.write_text(yaml.safe_dump(bad | {"id": "bad"}, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError, match="ratio"):
        load_framework(path)


def test_coverage_leaves_out_a_thin_indicator_and_withholds_a_thin_countys_index(mini_data):
    # B reported by 1 of 3 (33.3 % < 50 %): left out; A by 2 of 3 (kept). 甲 then misses A, 1 of its 2
    # remaining indicators (50 % > 40 %): no index. 乙 = (3·60 + 1·100)/4 = 70, 丙 = 100: ranks 2 and 1 of 2.
    con, _ = scored(mini_data, _doc(coverage={"indicator_min": 0.5, "unit_max_missing": 0.4}),
                    {2025: dict(BASE[2025], A=[None, 50, 60], B=[None, None, 20])})
    assert all(r[2] is None and "报送覆盖率33.3%，低于规定的50.0%" in r[3] for r in _scores(con, "B"))
    result = rows(con, "SELECT region_code, gdi, rank, n_regions, grade, no_index_reason FROM result WHERE year = 2025 "
                       "ORDER BY region_code")
    assert result[0][1:5] == (None, None, 2, None) and "缺失指标占50.0%" in result[0][5]
    assert [r[2] for r in result[1:]] == [2, 1] and all(r[5] is None for r in result[1:])


def test_geometric_zero_is_refused_by_default_or_floored_when_declared(mini_data):
    # a geometric mean everywhere: 甲's A scores 0 on the data's own bounds, inside a geometric category
    doc = _doc(aggregation="geometric", normalization="minmax_data")
    with pytest.raises(GeometricZeroError, match="甲县"):
        scored(mini_data, doc, BASE)
    con, _ = scored(mini_data, doc | {"geometric_zero": {"rule": "floor", "floor": 1}}, BASE)
    jia = _scores(con, "A")[0]
    assert jia[2] == 1 and "按下限1计" in jia[3]
    # a zero inside an arithmetic category is no logarithm: only a category scoring 0 under the geometric
    # index is. 丙's Y (C alone, minmax_data: 0 at the lowest C) is refused, the arithmetic X is not.
    arithmetic_parts = _doc(aggregation={"category": "arithmetic", "index": "geometric"}, normalization="minmax_data")
    with pytest.raises(GeometricZeroError, match="丙县（990003）资源"):
        scored(mini_data, arithmetic_parts, {2025: dict(BASE[2025], C=[6, 7, 5])})
    # with C equal everywhere (Y = 100), X = 40 / 30 / 80 although A and B each have a 0: scored
    con, _ = scored(mini_data, arithmetic_parts, BASE)
    assert [r[0] for r in rows(con, "SELECT round(score, 6) FROM category_score WHERE year = 2025 AND category = 'X' "
                                    "ORDER BY region_code")] == [40, 30, 80]
    assert rows(con, "SELECT count(*) FROM result WHERE year = 2025 AND gdi > 0")[0][0] == 3


def test_categories_without_weight_are_weighed_as_declared_and_the_loader_says_how(mini_data):
    # efficacy: X (A ★3, B ◆2) and Y (C ○1, all 5 → 100). 甲: A 60, B 100 → X = (3·60 + 2·100)/5 = 76
    # indicator_sum: (5·76 + 1·100)/6 = 80; equal: (76 + 100)/2 = 88
    by_sum, fw_sum = scored(mini_data, _doc(), BASE)
    equal, fw_eq = scored(mini_data, _doc(category_weights="equal"), BASE)
    gdi = "SELECT round(gdi, 6) FROM result WHERE year = 2025 AND region_code = '990001'"
    assert rows(by_sum, gdi)[0][0] == 80 and rows(equal, gdi)[0][0] == 88
    assert "指标权数之和" in fw_sum.weighting_note() and "等权" in fw_eq.weighting_note()


def test_the_coherence_of_a_scored_year_is_stored_and_the_annex_lists_rules_and_treated_numbers(mini_data):
    from transforms.reporting.annex import method_annex
    from transforms.scoring.coherence import record_coherence

    doc = _doc(indicators={"A": {"treatment": {"method": "log"}, "valid_range": [0.5, 200]}})
    con, fw = scored(mini_data, doc, {2025: dict(BASE[2025], A=[1, 10, 100])})
    assert record_coherence(con, fw, 2025, "t") == 3
    stored = dict(rows(con, "SELECT indicator_code, r_index FROM coherence_indicator WHERE run_id = 't'"))
    a = np.array([r[0] for r in rows(con, "SELECT normalized FROM score WHERE run_id = 't' AND year = 2025 "
                                          "AND indicator_code = 'A' ORDER BY region_code")])
    gdi = np.array([r[0] for r in rows(con, "SELECT gdi FROM result WHERE run_id = 't' AND year = 2025 "
                                            "ORDER BY region_code")])
    assert stored["A"] == pytest.approx(np.corrcoef(a, gdi)[0, 1])
    assert stored["C"] is None  # C is 100 everywhere: no correlation
    annex = method_annex(con, fw, 2025, "t")
    assert any("森林覆盖率：计分前作对数变换" in n for n in annex["rules"])
    assert [(t["region_name"], t["value"]) for t in annex["treated"]] == [("甲县", 1), ("乙县", 10), ("丙县", 100)]
    assert len(annex["coherence"]) == 3 and [a["category_name"] for a in annex["alpha"]] == ["环境", "资源"]


def test_a_county_without_an_index_is_reported_with_the_reason_in_its_report_and_the_bulletin(mini_data):
    import re

    from report_templates.render import Renderer
    from transforms.reporting.context import build_contexts
    from transforms.scoring.attribution import attribute_results
    from transforms.scoring.veto import apply_vetoes

    con, fw = scored(mini_data, _doc(coverage={"indicator_min": 0.5, "unit_max_missing": 0.4}),
                     {2024: BASE[2025], 2025: dict(BASE[2025], A=[None, 50, 60], B=[None, None, 20])}, run_id="r")
    apply_vetoes(con, fw, 2025, "r")
    attribute_results(con, fw, 2025, "r")
    docs = {(kind, key): ctx for kind, key, _, ctx in build_contexts(con, fw, 2025, "r")}
    renderer = Renderer(pdf=False)
    county = re.sub(r"<[^>]+>", "", renderer.render_html("county", docs[("county", "990001")]))
    bulletin = re.sub(r"<[^>]+>", "", renderer.render_html("bulletin", docs[("bulletin", "bulletin")]))
    assert "甲县2025年度缺失指标占50.0%，超过规定的40.0%，不计算指数和排名。" in county
    assert "甲县（缺失指标占50.0%" in bulletin
    assert [c["name"] for c in docs[("bulletin", "bulletin")]["counties"]] == ["丙县", "乙县"]
