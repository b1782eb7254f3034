"""The mini jurisdiction (3 counties, 3 indicators) that formulas are worked by hand on, and the
helpers that put numbers into a real warehouse for it."""

from __future__ import annotations

from pathlib import Path

import yaml

from transforms.config.framework import load_framework
from transforms.runtime.warehouse import connect, load_config

MINI_FRAMEWORK = {
    "id": "mini", "name": "测试指标体系", "jurisdiction": "990000", "years": [2024, 2026],
    "weight_classes": {"★": 3, "◆": 2, "○": 1},
    "assessment": {"target_points": 80, "index_points": 20},
    "grade_bands": [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 80}, {"grade": "合格", "min": 60},
                    {"grade": "不合格", "min": 0}],
    "categories": [{"code": "X", "name": "环境"}, {"code": "Y", "name": "资源"}],
    "indicators": [
        {"code": "A", "name": "森林覆盖率", "category": "X", "unit": "%", "direction": 1, "weight_class": "★",
         "target": {"op": ">=", "value": 50}, "valid_range": [0, 100], "department": "lyj"},
        {"code": "B", "name": "细颗粒物浓度", "category": "X", "unit": "μg/m³", "direction": -1, "weight_class": "◆",
         "target": {"op": "<=", "value": 20}, "valid_range": [0, 300], "department": "sthjj"},
        {"code": "C", "name": "耕地保有量", "category": "Y", "unit": "万亩", "direction": 1, "weight_class": "○",
         "binding": True, "target": {"op": ">=", "value": 10}, "valid_range": [0, 200], "department": "zrzyj"},
    ],
    "veto_rules": [
        {"id": "V-EVENT", "kind": "event", "name": "重大环境事件", "event_kinds": ["重特大突发环境事件"],
         "effect": "fail"},
        {"id": "V-LAND", "kind": "threshold", "name": "耕地低于红线", "indicator": "C", "effect": "fail"},
    ],
}
MINI_REGIONS = """region_code,name,parent_code,level,zone,synthetic_note
990000,测试市,,city,,
990001,甲县,990000,county,重点开发区,测试
990002,乙县,990000,county,农产品主产区,测试
990003,丙县,990000,county,重点生态功能区,测试
"""


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


REGION_CODES = ["990001", "990002", "990003"]  # 甲 (重点开发区), 乙 (农产品主产区), 丙 (重点生态功能区)


def scored(data_dir: Path, doc: dict, values: dict[int, dict[str, list[float | None]]], *,
           targets: list[tuple[str, str, int, str, float]] = (), events: list[tuple[str, str, str, str]] = (),
           year: int = 2025, run_id: str = "t"):
    """Score `values` ({year: {indicator: [甲, 乙, 丙]}}, None = not reported) under the framework
    `doc` in a fresh in-memory warehouse with the real schema; returns (connection, framework).

    Observations go straight into an accepted submission per year (ingest has its own tests);
    `targets` are decomposed per-region targets (indicator, region, year, op, value), `events`
    (event_id, region, date, kind) an accepted events submission.
    """
    from transforms.scoring.score import score_year

    path = data_dir / "frameworks" / f"{doc['id']}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    if targets:
        (data_dir / "targets").mkdir(exist_ok=True)
        (data_dir / "targets" / f"{doc['id']}.csv").write_text(
            "framework,indicator,region_code,year,op,value,source\n"
            + "".join(f"{doc['id']},{i},{r},{y},{op},{v},测试\n" for i, r, y, op, v in targets), "utf-8")
    fw = load_framework(path)
    con = connect(Path(":memory:"))
    load_config(con, fw, path, data_dir)
    for y, table in values.items():
        con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) "
                    "VALUES (?, 'tjj', ?, 'indicators', 1, 'accepted')", [y, y])
        con.executemany("INSERT INTO observation (submission_id, region_code, indicator_code, year, value) "
                        "VALUES (?, ?, ?, ?, ?)", [[y, r, code, y, v] for code, vals in table.items()
                                                   for r, v in zip(REGION_CODES, vals) if v is not None])
    if events:
        con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) "
                    "VALUES (1, 'sthjj', ?, 'events', 1, 'accepted')", [year])
        con.executemany("INSERT INTO event (submission_id, event_id, region_code, event_date, kind, description) "
                        "VALUES (1, ?, ?, ?, ?, '测试事件')", [list(e) for e in events])
    score_year(con, fw, year, run_id)
    return con, fw
