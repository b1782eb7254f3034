"""Method notes (bulletin, county report) are written from the framework's own settings: an arithmetic
framework (the shipped ganzhou_2024) and an outside composite index with fixed goalposts, a logged
indicator, an arithmetic sub-dimension and a geometric mean at the top (the case of issue 22)."""

from __future__ import annotations

import pytest

from tests.support.mini import scored
from transforms.config.framework import Framework, framework_path, load_framework
from transforms.reporting.context import build_contexts
from transforms.reporting.method import METHOD_NAME, county_method_note, method_notes

BANDS = [{"grade": "高", "min": 70}, {"grade": "中", "min": 40}, {"grade": "低", "min": 0}]
OUTSIDE = {
    "id": "outside", "name": "外部综合指数", "jurisdiction": "990000", "years": [2024, 2026],
    "normalization": "minmax", "weight_classes": {"★": 3, "◆": 2, "○": 1},
    "aggregation": {"index": "geometric", "category": "arithmetic"},
    "assessment": {"target_points": 0, "index_points": 100, "index_range": [0, 100]},
    "grade_bands": BANDS,
    "categories": [{"code": "EC", "name": "经济"}, {"code": "EN", "name": "环境"},
                   {"code": "AIR", "name": "空气", "parent": "EN"}, {"code": "WAT", "name": "水", "parent": "EN"}],
    "indicators": [
        {"code": "G", "name": "人均GDP", "category": "EC", "unit": "2017 PPP $", "direction": 1, "weight": 1,
         "goalposts": [1000, 100000], "log": True, "valid_range": [100, 1e6], "department": "tjj"},
        {"code": "P", "name": "细颗粒物浓度", "category": "AIR", "unit": "μg/m³", "direction": -1, "weight": 1,
         "goalposts": [5, 75], "valid_range": [0, 300], "department": "sthjj"},
        {"code": "W", "name": "优良水体比例", "category": "WAT", "unit": "%", "direction": 1, "weight": 1,
         "normalization": "target", "target": {"op": ">=", "value": 90}, "valid_range": [0, 100],
         "department": "sthjj"},
    ],
}
# 甲: G ln 10000 halfway between ln 1000 and ln 100000 -> 50; P (75 − 40)/70 · 100 = 50; W 45/90 · 100 = 50
VALUES = {2025: {"G": [10000, 1000 * 10 ** 1.5, 50000], "P": [40, 20, 60], "W": [45, 80, 90]}}


def _joined(fw: Framework) -> str:
    return "\n".join(method_notes(fw))


def test_arithmetic_framework_notes_name_its_method_range_and_contribution():
    fw = load_framework(framework_path("ganzhou_2024"))
    text = _joined(fw)
    efficacy = [i for i in fw.indicators if (i.normalization or fw.normalization) == "efficacy"]
    others = {i.normalization for i in fw.indicators} - {None, "efficacy"}
    assert (f"效能系数法（{len(efficacy)}项指标）" in text and all(METHOD_NAME[m] in text for m in others)
            if others else f"计入指数的{len(fw.indicators)}项指标均用效能系数法" in text)
    assert "考核得分 = 80 × 目标完成权重占比 + 20 ×（总指数 − 60）/（100 − 60）" in text
    assert "第1层各类为所含指标的加权算术平均" in text and "的加权算术平均（w 为" in text
    assert "几何" not in text and "“贡献”为权数 × 个体指数" in text
    assert county_method_note(fw)["contribution"].startswith("“贡献”为权数 × 个体指数")


def test_geometric_framework_notes_state_goalposts_log_levels_range_and_what_a_contribution_is(mini_data):
    fw = Framework.model_validate(OUTSIDE)
    text = _joined(fw)
    # index range of the framework, no target term (target_points 0)
    assert "考核得分 = 100 ×（总指数 − 0）/（100 − 0）（总指数的0–100对应0–100分）" in text
    assert "目标完成权重占比" not in text
    # normalization per indicator: the default method with its goalposts and log, the override by name
    assert "阈值法（人均GDP（上下限1000–100000 2017 PPP $，先取自然对数）、细颗粒物浓度（上下限5–75 μg/m³））" in text
    assert "目标达成法（优良水体比例）：实际值与目标值之比（逆向指标取倒数）× 100，最高120分" in text
    assert "效能系数法" not in text
    # aggregation per level
    assert "第2层各类为所含指标的加权算术平均" in text
    assert "第1层的经济为所含指标的加权算术平均" in text and "第1层的环境为所含下级类别的加权算术平均" in text
    assert "总指数为第1层各类（经济、环境）的加权几何平均" in text and "exp（Σ w·ln s）" in text
    # the contribution wording says what the number is
    note = county_method_note(fw)["contribution"]
    assert "w·ln s 占 Σ w·ln s 的比例" in note and "不等于权数 × 个体指数" in note
    assert "“贡献”为权数 × 个体指数" not in text


def test_the_reports_of_a_geometric_framework_carry_its_notes_and_the_contributions_they_describe(mini_data):
    from report_templates.render import Renderer

    con, fw = scored(mini_data, OUTSIDE, VALUES)
    docs = {(kind, key): ctx for kind, key, _, ctx in build_contexts(con, fw, 2025, "t")}
    bulletin, county = docs[("bulletin", "bulletin")], docs[("county", "990001")]
    assert bulletin["method_notes"] == method_notes(fw)
    # 甲: G 50, P 50, W 50 -> every node 50, index 50, and the contributions add up to it
    gdi = county["result"]["gdi"]
    assert gdi == pytest.approx(50) and sum(i["contribution"] for i in county["indicators"]) == pytest.approx(gdi)
    # 乙: G 75; P (75 − 20)/70 · 100 = 78.571429, W 80/90 · 100 = 88.888889 -> EN (arithmetic) 83.730159.
    # EC weighs 1, EN 2 (their indicators' weights): index = exp(⅓ ln 75 + ⅔ ln 83.730159) = exp(4.390896) = 80.712667;
    # G's contribution is the index times EC's share of its logarithm, ⅓ ln 75 / (⅓ ln 75 + ⅔ ln 83.730159)
    # = 1.439163 / 4.390896 = 0.327761 -> 26.454435, not weight × score = 75/3 = 25
    yi = docs[("county", "990002")]
    [g] = [i for i in yi["indicators"] if i["code"] == "G"]
    assert g["score"] == pytest.approx(75) and yi["result"]["gdi"] == pytest.approx(80.712667, abs=1e-6)
    assert g["contribution"] == pytest.approx(26.454435, abs=1e-6)
    assert g["weight"] * g["score"] == pytest.approx(25)
    renderer = Renderer(pdf=False)
    county_html = renderer.render_html("county", county)
    assert county_method_note(fw)["contribution"] in county_html and "人均GDP（上下限1000–100000 2017 PPP $" in county_html
    bulletin_html = renderer.render_html("bulletin", bulletin)
    assert "（总指数 − 0）/（100 − 0）" in bulletin_html and "加权几何平均" in bulletin_html
