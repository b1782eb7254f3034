"""Every shipped framework loads, its weights add up as its file documents, and its targets load."""

from __future__ import annotations

import csv

from collections import Counter
from pathlib import Path

import pytest
import yaml

from transforms.config.framework import DATA_DIR, ConfigError, load_departments, load_framework, read_csv_rows
from transforms.runtime.warehouse import normalized_weights

SHIPPED = sorted((DATA_DIR / "frameworks").glob("*.yaml"))


def test_three_frameworks_are_shipped():
    assert {p.stem for p in SHIPPED} >= {"ganzhou_2024", "green_development_2016", "eco_target_2016"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_framework_loads_with_sources_and_normalized_weights(path: Path):
    fw = load_framework(path)
    text = path.read_text("utf-8")
    assert text.lstrip().startswith("#") and "Sources" in text[:2000]  # sourced in a comment at its top
    assert sum(normalized_weights(fw).values()) == pytest.approx(1.0)
    known = {d.code for d in load_departments()}
    assert {i.department for i in fw.indicators} <= known  # every indicator has a registered department
    assert all(i.source for i in fw.indicators)  # each entry says where it comes from
    assert fw.id == path.stem


def test_green_development_index_has_7_areas_56_indicators_and_the_published_weights():
    fw = load_framework(DATA_DIR / "frameworks" / "green_development_2016.yaml")
    per_category = Counter(i.category for i in fw.indicators)
    # 2016 公报: 7 个方面 56 项; 资源利用 14, 环境治理 8, 环境质量 10, 生态保护 10, 增长质量 5, 绿色生活 8, 公众满意程度 1
    assert [(c.code, per_category[c.code]) for c in fw.categories] == [
        ("RU", 14), ("EG", 8), ("EQ", 10), ("EP", 10), ("GQ", 5), ("GL", 8), ("PS", 1)]
    assert len(fw.indicators) == 56 and [i.code for i in fw.indicators if not i.in_index] == ["GD56"]
    index = [i for i in fw.indicators if i.in_index]
    assert Counter(i.weight_class for i in index) == {"★": 16, "◆": 22, "○": 17}  # 16·3 + 22·2 + 17 = 109 units
    assert all(i.binding == (i.weight_class == "★") for i in index)  # ★ = 十三五纲要约束性指标
    assert {i.weight_class: i.weight for i in index} == {"★": 2.75, "◆": 1.83, "○": 0.92}  # 3/109, 2/109, 1/109
    weights = normalized_weights(fw)
    assert weights["GD56"] == 0
    published = {"RU": 29.3, "EG": 16.5, "EQ": 19.3, "EP": 16.5, "GQ": 9.2, "GL": 9.2}
    assert {c.code: c.weight for c in fw.categories if c.weight} == published and sum(published.values()) == 100
    for code, pct in published.items():  # indicator weights (2.75/1.83/0.92 %) add up to the category's
        assert sum(weights[i.code] for i in index if i.category == code) == pytest.approx(pct / 100, abs=0.001), code


def test_eco_target_assessment_points_grades_and_outright_fail_conditions():
    fw = load_framework(DATA_DIR / "frameworks" / "eco_target_2016.yaml")
    points = {c.code: sum(i.weight for i in fw.indicators if i.category == c.code) for c in fw.categories}
    assert points == {"RU": 30, "EP": 40, "AE": 20, "PS": 10}  # 资源利用 30, 生态环境保护 40, 年度评价 20, 满意度 10
    # 70 for the sub-targets met, 20 by rank on the annual evaluation results, 10 from public satisfaction;
    # the framework's own index gives nothing (each indicator counted once)
    a = fw.assessment
    assert (a.target_points, a.index_points, a.rank_points.points, a.satisfaction_points) == (70, 0, 20, 10)
    assert a.rank_points.indicator == "ET21" and fw.public_satisfaction.indicator == "ET22"
    assert not any(i.in_index for i in fw.indicators if i.code in ("ET21", "ET22"))
    assert [(b.grade, b.min) for b in fw.grade_bands] == [("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)]
    # the one verified outright fail: data falsification; the binding-target rule is a cap, marked 未能核实
    fails = [r for r in fw.veto_rules if r.effect == "fail"]
    assert [(r.id, r.kind, r.event_kinds) for r in fails] == [("VETO-FRAUD", "event", ["统计数据造假"])]
    binding = next(r for r in fw.veto_rules if r.id == "VETO-BINDING")
    assert (binding.kind, binding.indicators, binding.effect, binding.cap_grade) == ("threshold", "binding", "cap", "合格")
    assert "未能核实" in binding.source
    events = next(d for d in fw.deductions if d.id == "DED-EVENT")  # 生态环境事件: a deduction, not a veto
    assert events.kind == "event" and "未能核实" in events.source
    # targets are decomposed per region (value: null), so a region is only judged where data/targets/ has one
    assert all(i.target.value is None for i in fw.indicators if i.target)


def test_green_development_regional_indicators_are_not_applicable_and_satisfaction_is_apart():
    fw = load_framework(DATA_DIR / "frameworks" / "green_development_2016.yaml")
    # 2016 公报 附注: indicators a region does not have are left out and their weight redistributed
    assert [i.code for i in fw.indicators if i.not_applicable] == ["GD29", "GD35", "GD36", "GD39", "GD41"]
    assert all(i.not_applicable == ["*"] for i in fw.indicators if i.not_applicable)
    assert fw.public_satisfaction.indicator == "GD56" and fw.public_satisfaction.separate


def test_ganzhou_stock_indicators_on_attainment_with_county_targets():
    fw = load_framework(DATA_DIR / "frameworks" / "ganzhou_2024.yaml")
    assert sorted(i.code for i in fw.indicators if i.normalization == "attainment") == ["EP05", "PV01", "PV02", "PV03"]
    assert fw.public_satisfaction.separate is False  # GL03 stays in the index, and the file says why
    targets = list(csv.DictReader((DATA_DIR / "targets" / "ganzhou_2024.csv").open(encoding="utf-8")))
    counties = [r["region_code"] for r in csv.DictReader((DATA_DIR / "regions.csv").open(encoding="utf-8"))
                if r["level"] == "county"]
    for code in ("EP01", "EP05", "PV01", "PV02", "PV03"):  # every county, every demo year, marked as demo values
        rows = [r for r in targets if r["indicator"] == code]
        assert {(r["region_code"], int(r["year"])) for r in rows} >= {(c, y) for c in counties for y in range(2021, 2026)}
        assert all("演示" in r["source"] for r in rows), code


def test_ganzhou_framework_has_at_least_25_indicators_each_with_target_and_department():
    fw = load_framework(DATA_DIR / "frameworks" / "ganzhou_2024.yaml")
    assert len(fw.indicators) >= 25
    assert all(i.target is not None for i in fw.indicators)
    assert len(fw.departments) >= 10
    assert all("seed" in i.source for i in fw.indicators)  # each target traced to a seed document


def test_decomposed_targets_refer_to_known_indicators_regions_and_years_and_load(mini_data, tmp_path):
    from transforms.config.framework import framework_path
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect, load_config

    regions = {r["region_code"] for r in read_csv_rows(DATA_DIR / "regions.csv") if r["level"] == "county"}
    for path in sorted((DATA_DIR / "targets").glob("*.csv")):
        fw = load_framework(framework_path(path.stem))
        codes = {i.code: i for i in fw.indicators}
        targets = read_csv_rows(path)
        assert targets and all(t["framework"] == fw.id for t in targets)
        assert {t["indicator"] for t in targets} <= set(codes)
        assert {t["region_code"] for t in targets} <= regions
        assert all(t["op"] == codes[t["indicator"]].target.op for t in targets)
        red_lines = [i.code for i in fw.indicators if i.target and i.target.value is None]
        for code in red_lines:  # a region-only target exists for every county in every year of the framework
            got = {(t["region_code"], int(t["year"])) for t in targets if t["indicator"] == code}
            assert {(r, y) for r in regions for y in range(fw.years[0], fw.years[1] + 1)} <= got, code
        home = Home.resolve(tmp_path / path.stem)
        con = connect(home.warehouse)
        load_config(con, fw, framework_path(fw.id), DATA_DIR)
        assert con.sql("SELECT count(*) FROM region_target WHERE framework_id = ?", params=[fw.id]).fetchall() \
            == [(len(targets),)]
        con.close()


def test_adding_an_indicator_is_a_data_change_only(mini_data, tmp_path):
    from transforms.runtime.home import Home
    from transforms.runtime.warehouse import connect, load_config

    path = mini_data / "frameworks" / "mini.yaml"
    doc = yaml.safe_load(path.read_text("utf-8"))
    doc["indicators"].append({"code": "D", "name": "湿地保护率", "category": "Y", "unit": "%", "direction": 1,
                              "weight_class": "◆", "valid_range": [0, 100], "department": "lyj"})
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    fw = load_framework(path)
    con = connect(Home.resolve(tmp_path / "home").warehouse)
    load_config(con, fw, path, mini_data)
    got = dict(con.sql("SELECT code, weight FROM indicator WHERE framework_id = 'mini'").fetchall())
    assert got == pytest.approx({"A": 3 / 8, "B": 2 / 8, "C": 1 / 8, "D": 2 / 8})  # ★◆○◆ = 3:2:1:2
    con.close()


def test_an_unknown_weight_class_and_a_non_mapping_file_are_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- just\n- a list\n", "utf-8")
    with pytest.raises(ConfigError, match="须为 YAML 映射.*bad.yaml"):
        load_framework(path)
    doc = yaml.safe_load((DATA_DIR / "frameworks" / "ganzhou_2024.yaml").read_text("utf-8"))
    doc["indicators"][3]["weight_class"] = "☆"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    with pytest.raises(ConfigError, match="bad.yaml[\\s\\S]*指标 GT04 的权数等级 '☆' 未定义"):
        load_framework(path)
