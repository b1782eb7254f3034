"""Scoring on a fixture worked by hand (3 counties × 3 indicators, efficacy coefficient)."""

from __future__ import annotations

import pytest
import yaml

from tests.support.mini import MINI_FRAMEWORK
from tests.support.scoring import FILES, submit_accepted
from transforms.runtime.warehouse import rows
from transforms.scoring.score import score_year


def test_efficacy_weights_index_rank_targets_grade(mini):
    home, con, fw = mini
    submit_accepted(home, con, fw, FILES)
    assert score_year(con, fw, 2025, "t1") == 3
    got = {r[0]: r[1:] for r in rows(con, "SELECT region_code, gdi, rank, targets_met, targets_total, binding_missed, "
                                          "assessment_score, grade FROM result WHERE run_id = 't1'")}
    assert got["990001"][0] == pytest.approx(80.0)
    assert got["990002"][0] == pytest.approx(76.6667, abs=1e-4)
    assert got["990003"][0] == pytest.approx(93.3333, abs=1e-4)
    assert [got[c][1] for c in ("990003", "990001", "990002")] == [1, 2, 3]
    assert [got[c][2:5] for c in ("990001", "990002", "990003")] == [(1, 3, 1), (1, 3, 1), (2, 3, 1)]
    assert [got[c][5] for c in ("990001", "990002", "990003")] == [36.67, 48.33, 83.33]  # published, 2 decimals
    assert [got[c][6] for c in ("990001", "990002", "990003")] == ["不合格", "不合格", "良好"]
    normalized = dict(((r[0], r[1]), r[2]) for r in rows(
        con, "SELECT region_code, indicator_code, normalized FROM score WHERE run_id = 't1'"))
    assert normalized[("990001", "B")] == pytest.approx(100.0)
    assert normalized[("990002", "B")] == pytest.approx(60.0)
    assert normalized[("990003", "C")] == pytest.approx(100.0)
    cat = dict(((r[0], r[1]), r[2]) for r in rows(con, "SELECT region_code, category, score FROM category_score"))
    assert cat[("990001", "X")] == pytest.approx(76.0)
    assert cat[("990002", "X")] == pytest.approx(72.0)
    assert cat[("990003", "X")] == pytest.approx(92.0)
    # contributions add up to the index (the report's "why" numbers)
    total = rows(con, "SELECT region_code, sum(contribution) FROM score WHERE run_id = 't1' GROUP BY ALL")
    assert all(t == pytest.approx(got[c][0]) for c, t in total)


def test_missing_value_is_reweighted_and_flagged(mini):
    # 甲 has no B. B over 乙, 丙 (30, 20): 乙 60, 丙 100.
    # 甲: (1/2·60 + 1/6·100) / (1/2 + 1/6) = (30 + 16.667) / 0.6667 = 70.0
    home, con, fw = mini
    files = dict(FILES, sthjj=["行政区划代码,县(市、区),细颗粒物浓度(μg/m³)", "990001,甲县,—", "990002,乙县,30",
                               "990003,丙县,20"])
    submit_accepted(home, con, fw, files)
    score_year(con, fw, 2025, "t2")
    gdi, missing = rows(con, "SELECT gdi, missing_count FROM result WHERE run_id = 't2' AND region_code = '990001'")[0]
    assert gdi == pytest.approx(70.0)
    assert missing == 1
    flag, = rows(con, "SELECT flag FROM score WHERE run_id = 't2' AND region_code = '990001' AND indicator_code = 'B'")[0]
    assert "缺失" in flag
    assert rows(con, "SELECT normalized FROM score WHERE run_id = 't2' AND region_code = '990003' "
                     "AND indicator_code = 'B'")[0][0] == pytest.approx(100.0)


def test_framework_weights_normalize_to_one():
    from transforms.config.framework import framework_path, load_framework
    from transforms.runtime.warehouse import normalized_weights

    fw = load_framework(framework_path("ganzhou_2024"))
    weights = normalized_weights(fw)
    assert sum(weights.values()) == pytest.approx(1.0)
    # ★ is three times ○
    star = next(i.code for i in fw.indicators if i.weight_class == "★")
    circle = next(i.code for i in fw.indicators if i.weight_class == "○")
    assert weights[star] == pytest.approx(3 * weights[circle])


def test_rank_uncertainty_collapses_to_the_rank_without_spread_and_is_seeded(mini):
    from transforms.scoring.uncertainty import rank_uncertainty

    home, con, fw = mini
    submit_accepted(home, con, fw, FILES)
    score_year(con, fw, 2025, "u1")
    still = fw.model_copy(update={"uncertainty": fw.uncertainty.model_copy(update={"weight_spread": 1e-9})})
    out = rank_uncertainty(con, still, 2025, "u1")
    ranks = dict(rows(con, "SELECT region_code, rank FROM result WHERE run_id = 'u1'"))
    for r in out.iter_rows(named=True):
        assert r["rank_p05"] == r["rank_median"] == r["rank_p95"] == ranks[r["region_code"]]
    wide = fw.model_copy(update={"uncertainty": fw.uncertainty.model_copy(update={"weight_spread": 1.5})})
    a = rank_uncertainty(con, wide, 2025, "u1")
    b = rank_uncertainty(con, wide, 2025, "u1")
    assert a.equals(b)  # fixed seed
    # 甲 (2nd) and 乙 (3rd) swap when B's weight dominates A's: the interval widens and B or A drives it
    jia = a.filter(a["region_code"] == "990001").row(0, named=True)
    assert jia["rank_p05"] < jia["rank_p95"] and jia["rank_driver"] in ("A", "B")
    assert rows(con, "SELECT rank_p95 FROM result WHERE run_id = 'u1' AND region_code = '990001'")[0][0] == \
        jia["rank_p95"]


HDI_LIKE = {
    # A composite index from outside this field, expressed as a framework file with no code change:
    # goalposts, a log transform, and a geometric mean of dimensions (as the UNDP HDI does).
    "id": "hdi_like", "name": "人类发展指数式综合指数(测试)", "jurisdiction": "990000", "years": [2024, 2026],
    "normalization": "minmax", "aggregation": {"category": "arithmetic", "index": "geometric"},
    "weight_classes": {"★": 3, "◆": 2, "○": 1},
    "assessment": {"target_points": 0, "index_points": 100, "index_range": [0, 100]},
    "grade_bands": [{"grade": "高", "min": 70}, {"grade": "中", "min": 0}],
    "categories": [{"code": "H", "name": "健康"}, {"code": "E", "name": "教育"}, {"code": "I", "name": "收入"}],
    "indicators": [
        {"code": "LE", "name": "预期寿命", "category": "H", "unit": "岁", "direction": 1, "weight": 1,
         "goalposts": [20, 85], "valid_range": [0, 120], "department": "tjj"},
        {"code": "MYS", "name": "平均受教育年限", "category": "E", "unit": "年", "direction": 1, "weight": 1,
         "goalposts": [0, 15], "valid_range": [0, 25], "department": "tjj"},
        {"code": "GNI", "name": "人均国民收入", "category": "I", "unit": "元", "direction": 1, "weight": 1,
         "goalposts": [100, 75000], "log": True, "valid_range": [1, 1000000], "department": "tjj"},
    ],
}


def test_hdi_like_framework_goalposts_log_geometric(mini_data, tmp_path):
    # 甲: LE 70 -> 100·(70−20)/65 = 76.923; MYS 10 -> 100·10/15 = 66.667;
    #     GNI 10000 -> 100·(ln 10000 − ln 100)/(ln 75000 − ln 100) = 100·4.60517/6.62007 = 69.564
    #     index = (76.923 · 66.667 · 69.564)^(1/3) = 70.922  -> 高
    # 乙: LE 50 -> 46.154; MYS 4 -> 26.667; GNI 1000 -> 100·2.30259/6.62007 = 34.782
    #     index = (46.154 · 26.667 · 34.782)^(1/3) = 34.982 -> 中
    from transforms.config.framework import load_framework
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect, load_config

    path = mini_data / "frameworks" / "hdi_like.yaml"
    path.write_text(yaml.safe_dump(HDI_LIKE, allow_unicode=True), "utf-8")
    fw = load_framework(path)
    home = Home.resolve(tmp_path / "hdi")
    con = connect(home.warehouse)
    load_config(con, fw, path, mini_data)
    submit_accepted(home, con, fw, {"tjj": ["行政区划代码,预期寿命(岁),平均受教育年限(年),人均国民收入(元)",
                                            "990001,70,10,10000", "990002,50,4,1000", "990003,85,15,75000"]})
    score_year(con, fw, 2025, "h")
    got = {r[0]: r[1:] for r in rows(con, "SELECT region_code, gdi, grade FROM result WHERE run_id = 'h'")}
    assert got["990001"][0] == pytest.approx(70.92229, abs=1e-4) and got["990001"][1] == "高"
    assert got["990002"][0] == pytest.approx(34.98188, abs=1e-4) and got["990002"][1] == "中"
    assert got["990003"][0] == pytest.approx(100.0)
    norm = dict(rows(con, "SELECT indicator_code, normalized FROM score WHERE run_id = 'h' AND region_code = '990001'"))
    assert norm["GNI"] == pytest.approx(69.56374, abs=1e-4)
    # contributions still add up to the index under a geometric mean
    total = rows(con, "SELECT sum(contribution) FROM score WHERE run_id = 'h' AND region_code = '990002'")[0][0]
    assert total == pytest.approx(got["990002"][0])


def test_zone_weights_drop_an_indicator_for_ecological_zones(mini_data, tmp_path):
    # C is not assessed in 重点生态功能区 (丙): 丙's index uses A and B only:
    # (1/2·100 + 1/3·80) / (5/6) = 76.667 / 0.8333 = 92.0 ; 甲 and 乙 as in the first test.
    from transforms.config.framework import load_framework
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect, load_config

    doc = yaml.safe_load(yaml.safe_dump(MINI_FRAMEWORK))
    doc["indicators"][2]["zone_weights"] = {"重点生态功能区": 0}
    path = mini_data / "frameworks" / "zoned.yaml"
    path.write_text(yaml.safe_dump(doc | {"id": "zoned"}, allow_unicode=True), "utf-8")
    fw = load_framework(path)
    home = Home.resolve(tmp_path / "z")
    con = connect(home.warehouse)
    load_config(con, fw, path, mini_data)
    submit_accepted(home, con, fw, FILES)
    score_year(con, fw, 2025, "z")
    got = dict(rows(con, "SELECT region_code, gdi FROM result WHERE run_id = 'z'"))
    assert got["990003"] == pytest.approx(92.0)
    assert got["990001"] == pytest.approx(80.0)
    assert rows(con, "SELECT count(*) FROM score WHERE run_id = 'z' AND region_code = '990003'")[0][0] == 2
