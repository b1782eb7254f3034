"""The mini jurisdiction with data contracts: supporting items, relations and change bounds.

Good files for two years (every rule passes on them, see test_validation) and a helper that
sends a file through intake and validation like the pipeline does.
"""

from __future__ import annotations

import copy
import hashlib

from expectations.validate import Outcome, validate_pending
from tests.support.mini import MINI_FRAMEWORK, csv_bytes
from transforms.intake.receive import load_units, parse_received, receive_file
from transforms.runtime.warehouse import rows

CONTRACTS = {
    "indicators_extra": [
        {"code": "E", "name": "空气质量优良天数比例", "category": "X", "unit": "%", "direction": 1, "weight_class": "○",
         "valid_range": [0, 100], "department": "sthjj"},
        {"code": "F", "name": "地表水达到或好于Ⅲ类水体比例", "category": "X", "unit": "%", "direction": 1,
         "weight_class": "○", "valid_range": [0, 100], "department": "sthjj"},
    ],
    "supporting_items": [
        {"code": "S1", "name": "空气质量优良天数", "unit": "天", "valid_range": [0, 366], "department": "sthjj"},
        {"code": "S2", "name": "空气质量有效监测天数", "unit": "天", "valid_range": [0, 366], "department": "sthjj"},
        {"code": "S3", "name": "劣Ⅴ类水体比例", "unit": "%", "valid_range": [0, 100], "department": "sthjj"},
        {"code": "S4", "name": "永久基本农田保护面积", "unit": "万亩", "valid_range": [0, 200], "department": "zrzyj"},
    ],
    "checks": {
        "plausibility": {"default": {"relative": 0.3}, "items": {"A": {"absolute": 3}, "C": {"relative": 0.02}}},
        "relations": [
            {"id": "days.good_within_monitored", "rule": "空气质量优良天数不得多于有效监测天数", "left": "S1", "op": "<=",
             "right": "S2", "fix": "核对两项天数"},
            {"id": "days.within_year", "rule": "有效监测天数不得多于当年日历天数", "left": "S2", "op": "<=",
             "right": "DAYS_IN_YEAR", "fix": "核对有效监测天数"},
            {"id": "ratio.good_days", "rule": "优良天数比例应等于优良天数 ÷ 有效监测天数 × 100", "left": "E", "op": "==",
             "right": "100 * S1 / S2", "tolerance": 0.5, "severity": "warning", "fix": "重新计算"},
            {"id": "share.water_classes", "rule": "Ⅲ类及以上与劣Ⅴ类水体比例之和不得超过 100%", "left": "F + S3",
             "op": "<=", "right": "100", "fix": "核对断面数"},
            {"id": "area.basic_farmland", "rule": "永久基本农田保护面积不得大于耕地保有量", "left": "S4", "op": "<=",
             "right": "C", "fix": "核对两项面积"},
        ],
    },
}

LYJ = "行政区划代码,县(市、区),森林覆盖率(%)"
STHJJ = ("行政区划代码,县(市、区),细颗粒物浓度(μg/m³),空气质量优良天数比例(%),地表水达到或好于Ⅲ类水体比例(%),"
         "空气质量优良天数(天),空气质量有效监测天数(天),劣Ⅴ类水体比例(%)")
ZRZYJ = "行政区划代码,县(市、区),耕地保有量(万亩),永久基本农田保护面积(万亩)"
EVENTS = "事件编号,行政区划代码,县(市、区),事件日期,事件类型,严重程度,事件描述"
TENURES = "干部编号,姓名,职务,行政区划代码,县(市、区),任职开始,任职结束,是否代理"

# 优良天数比例 = 优良天数 / 有效监测天数 × 100: 320/360 = 88.89, 303/360 = 84.17, 285/360 = 79.17 (2024);
# 324/360 = 90.00, 306/360 = 85.00, 292/365 = 80.00 (2025). Ⅲ类 + 劣Ⅴ类 ≤ 100 everywhere; 基本农田 < 耕地.
GOOD = {
    2024: {
        "lyj": [LYJ, "990001,甲县,40", "990002,乙县,50", "990003,丙县,60"],
        "sthjj": ["测试市2024年度考核数据 — 市生态环境局", STHJJ, "990001,甲县,32,88.9,78,320,360,2.2",
                  "990002,乙县,26,84.2,88,303,360,5.5", "990003,丙县,21,79.2,72,285,360,9"],
        "zrzyj": [ZRZYJ, "990001,甲县,10,8", "990002,乙县,11,9", "990003,丙县,12,10"],
    },
    2025: {
        "lyj": [LYJ, "990001,甲县,41", "990002,乙县,51", "990003,丙县,60.5"],
        "sthjj": ["测试市2025年度考核数据 — 市生态环境局", STHJJ, "990001,甲县,30,90.0,80,324,360,2",
                  "990002,乙县,25,85.0,90,306,360,5", "990003,丙县,20,80.0,70,292,365,10"],
        "zrzyj": [ZRZYJ, "990001,甲县,10.1,8.1", "990002,乙县,11,9", "990003,丙县,12.1,10.1"],
        "events": [EVENTS, "E1,990003,丙县,2025-06-14,重特大突发环境事件,重大,尾矿库渗漏",
                   "E2,990001,甲县,2025-03-01,一般突发环境事件,一般,异味投诉"],
        "tenures": [TENURES, "K1,赵一,党委书记,990001,甲县,2020-01-01,2025-06-30,否",
                    "K2,钱二,政府主要负责人,990001,甲县,2022-05-01,,否",
                    "K4,李四,党委书记,990001,甲县,2025-07-01,,是"],
    },
}
FOLDER = {"events": "sthjj", "tenures": "zzb"}  # which department sends which kind of file


def contracts_framework() -> dict:
    doc, extra = copy.deepcopy(MINI_FRAMEWORK), copy.deepcopy(CONTRACTS)
    doc["indicators"] += extra["indicators_extra"]
    doc["supporting_items"] = extra["supporting_items"]
    doc["checks"] = extra["checks"]
    return doc


def submit(home, con, fw, lines: list[str] | bytes, department: str, year: int = 2025,
           name: str | None = None) -> Outcome:
    """Receive, parse and validate one file (CSV lines or raw bytes) as the pipeline does."""
    raw = lines if isinstance(lines, bytes) else csv_bytes(lines)
    sid = receive_file(con, home, raw, name or f"{department}_{year}.csv", FOLDER.get(department, department),
                       year).submission_id
    parse_received(con, home, fw, load_units())
    [outcome] = [o for o in validate_pending(con, home, fw) if o.submission_id == sid]
    return outcome


def submit_good(home, con, fw, year: int, only: tuple[str, ...] | None = None) -> list[Outcome]:
    return [submit(home, con, fw, lines, dept, year) for dept, lines in GOOD[year].items()
            if only is None or dept in only]


def failed(con, sid: int) -> dict[str, tuple[str, list]]:
    """rule_id -> (severity, failure rows) of a submission's failed rules."""
    import json

    return {r[0]: (r[1], json.loads(r[2])) for r in rows(
        con, "SELECT rule_id, severity, failures FROM validation_result WHERE submission_id = ? AND NOT success",
        [sid])}


def current_fingerprint(con) -> str:
    """A hash of everything accepted data consists of: current submissions and their observations."""
    data = rows(con, "SELECT department, year, kind, submission_id, region_code, indicator_code, value, raw_text "
                     "FROM current_observation JOIN current_submission USING (submission_id, department, year) "
                     "ORDER BY ALL")
    return hashlib.sha256(repr(data).encode()).hexdigest()
