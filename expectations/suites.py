"""The data contracts: Great Expectations suites, generated from the framework.

Every expectation carries its severity (GX `critical` = error, rejects the submission; `warning`
= accepted and carried into the reports) and, in `meta`, what a data steward needs in Chinese:
the rule in plain words, what was expected, and how to fix it.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe
import polars as pl
from great_expectations.expectations.metadata_types import FailureSeverity

from transforms.config.framework import Framework
from transforms.intake.parse import column_header

ERROR, WARNING = FailureSeverity.CRITICAL, FailureSeverity.WARNING
POSTS = ["党委书记", "政府主要负责人", "部门主要负责人"]
# Event kinds any framework accepts (DESIGN.md §5 and the graded 突发环境事件 levels); a framework's
# veto rules may add more. A framework without event rules still receives the events file.
EVENT_KINDS = {"一般突发环境事件", "较大突发环境事件", "重大突发环境事件", "重特大突发环境事件", "严重生态破坏责任事件",
               "造成恶劣社会影响的环境污染责任事件", "统计数据造假"}


def _meta(rule_id: str, rule: str, expected: str, fix: str, indicator: str | None = None) -> dict:
    return {"rule_id": rule_id, "rule": rule, "expected": expected, "fix": fix, "indicator": indicator}


def _region_rules(counties: list[str], complete: bool) -> list[gxe.Expectation]:
    """Region codes present and of this jurisdiction's counties. Whether a code is known is a column of
    the frame (`region_known`, computed in DuckDB), not a value set: GX copies an expectation's
    arguments each time it inspects it (about a hundred times per validation), which for a list of
    2,850 codes made it cost seconds."""
    rules: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(column="region_code", severity=ERROR, meta=_meta(
            "region.code_present", "每行须填写行政区划代码", "6 位行政区划代码", "补填该行的行政区划代码")),
        gxe.ExpectColumnValuesToBeInSet(column="region_known", value_set=[True], severity=ERROR, meta=_meta(
            "region.code_known", "行政区划代码须为本辖区的县(市、区)", "本辖区县级区划代码之一",
            "核对代码(GB/T 2260), 勿填写市级或乡镇代码") | {"column": "region_code"}),
    ]
    if complete:
        rules += [
            gxe.ExpectColumnValuesToBeUnique(column="region_code", severity=ERROR, meta=_meta(
                "region.unique", "每个县(市、区)只能填报一行", "每个区划代码只出现一次", "删除重复行, 保留核实后的数据")),
            gxe.ExpectColumnDistinctValuesToContainSet(column="region_code", value_set=counties, severity=ERROR,
                                                       meta=_meta("region.complete", "须填报辖区内全部县(市、区)",
                                                                  f"全部 {len(counties)} 个县(市、区)", "补齐缺少的县(市、区)")),
        ]
    return rules


def indicator_suite(fw: Framework, department: str, counties: list[str]) -> gx.ExpectationSuite:
    """Suite over one department's long observations (row, region, indicator, value):
    regions known; each (county, indicator) once; every indicator it answers for present for
    every county, with a value that parses and lies in the indicator's valid range."""
    suite = gx.ExpectationSuite(name=f"{fw.id}.{department}.indicators")
    for e in _region_rules(counties, complete=False):
        suite.add_expectation(e)
    own = [i for i in fw.reported_items if i.department == department]
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(
        column_list=["region_code", "indicator_code"], severity=ERROR, meta=_meta(
            "region.unique", "每个县(市、区)的每项指标只能填报一次", "区划代码 × 指标不重复",
            "删除重复行, 保留核实后的数据")))
    suite.add_expectation(gxe.ExpectColumnDistinctValuesToContainSet(
        column="indicator_code", value_set=[i.code for i in own], severity=ERROR, meta=_meta(
            "columns.required", "须填报本部门负责的全部指标", "、".join(column_header(i) for i in own),
            "使用下发的填报模板, 不要删除或改名指标列; 单位不同时在表头括号中注明")))
    for ind in own:
        label = column_header(ind)
        lo, hi = ind.valid_range
        # a value left empty (or —, /) with its reason in the 缺失原因说明 column is accepted with a
        # warning and scored as missing; an empty or unreadable value without a reason is an error.
        # Each rule reads the indicator's own column of the frame (`indicator_columns`), null on the
        # other indicators' rows: GX skips nulls, and needs no pandas query per rule and metric.
        present, explained, value = indicator_columns(ind.code)
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
            column=present, value_set=[True], severity=ERROR, meta=_meta(
                "value.present", f"“{label}”须为每个县填写可识别的数值", "数值(可带 %、千分位逗号)",
                "填写数值; 确无数据的, 该格留空或填“—”, 并在“缺失原因说明”列写明原因", ind.code)))
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
            column=explained, value_set=[True], severity=WARNING, meta=_meta(
                "value.missing_explained", f"“{label}”缺少数值(已说明原因)", "数值",
                "数据齐备后补报; 本年度按缺失处理, 原因将在考核报告中注明", ind.code)))
        suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
            column=value, min_value=lo, max_value=hi, severity=ERROR, meta=_meta(
                "value.range", f"“{label}”须在合理范围内", f"{lo:g} 至 {hi:g} {ind.unit}",
                "核对数值与计量单位(如 % 与小数、亩与万亩)", ind.code)))
    return suite


def indicator_columns(code: str) -> tuple[str, str, str]:
    """The frame columns of one indicator: on its rows whose value is not explained as missing, whether
    a value was read; on its rows explained as missing, whether there is a value (no: a warning); its value."""
    return f"present:{code}", f"explained:{code}", f"value:{code}"


def with_indicator_columns(data: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """Add `indicator_columns` for `codes` to the long frame (row, region, indicator, value, explained)."""
    mine = [pl.col("indicator_code") == code for code in codes]
    return data.with_columns(
        *[pl.when(m & ~pl.col("explained")).then(pl.col("value").is_not_null()).alias(indicator_columns(c)[0])
          for c, m in zip(codes, mine)],
        *[pl.when(m & pl.col("explained")).then(pl.col("value").is_not_null()).alias(indicator_columns(c)[1])
          for c, m in zip(codes, mine)],
        *[pl.when(m).then(pl.col("value")).alias(indicator_columns(c)[2]) for c, m in zip(codes, mine)])


def completeness_suite(fw: Framework, department: str, counties: list[str]) -> gx.ExpectationSuite:
    """Every indicator the department answers for, for every county: over a frame with one row per
    (county, indicator) and, in the indicator's column `reported:<code>`, whether the file has it."""
    suite = gx.ExpectationSuite(name=f"{fw.id}.{department}.completeness")
    for ind in (i for i in fw.reported_items if i.department == department):
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
            column=f"reported:{ind.code}", value_set=[True], severity=ERROR, meta=_meta(
                "region.complete", f"“{column_header(ind)}”须填报辖区内全部县(市、区)",
                f"全部 {len(counties)} 个县(市、区)", "补齐缺少的县(市、区)", ind.code)))
    return suite


def event_suite(fw: Framework, counties: list[str], year: int) -> gx.ExpectationSuite:
    kinds = sorted({k for r in fw.veto_rules for k in r.event_kinds} | EVENT_KINDS)
    suite = gx.ExpectationSuite(name=f"{fw.id}.events")
    for e in _region_rules(counties, complete=False):
        suite.add_expectation(e)
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="event_id", severity=ERROR, meta=_meta(
        "event.id", "每个事件须有事件编号", "非空且唯一的编号", "补填事件编号")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="event_id", severity=ERROR, meta=_meta(
        "event.id_unique", "事件编号不得重复", "唯一编号", "修改重复的事件编号")))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="event_date", severity=ERROR, meta=_meta(
        "event.date", "事件日期须为有效日期", "YYYY-MM-DD 格式的日期", "按 2025-06-14 的格式填写日期")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="event_year", max_value=year, severity=ERROR, meta=_meta(
            "event.future", "事件日期不得晚于报送年度", f"不晚于 {year} 年 12 月 31 日", "核对日期")))
    # an event found later is reported in a later year's file: accepted (it binds to whoever was in
    # post on its date, 终身追责) but flagged, since it does not change that earlier year's assessment
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
        column="event_year", min_value=year, severity=WARNING, meta=_meta(
            "event.earlier_year", "补报往年发生的事件", f"{year} 年内发生的事件",
            "确认事件日期; 该事件计入当时在任干部的记录, 不改变往年已发布的考核结果")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="kind", value_set=kinds, severity=ERROR, meta=_meta(
        "event.kind", "事件类型须为规定类型", "、".join(kinds), "从规定类型中选择")))
    return suite


def tenure_suite() -> gx.ExpectationSuite:
    """The cadre roster (市委组织部): posts, seats, dates, overlaps (error) and vacancies (warning)."""
    suite = gx.ExpectationSuite(name="tenures")
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="seat_known", value_set=[True], severity=ERROR, meta=_meta(
        "tenure.seat", "县级职务须对应本辖区的县(市、区), 部门主要负责人须注明已登记的单位",
        "县(市、区)的行政区划代码; 或“单位”列填写部门名称", "核对行政区划代码或单位名称")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="overlaps", value_set=[False], severity=ERROR, meta=_meta(
        "tenure.overlap", "同一职务同一时间只能有一人在任", "任职期间不重叠", "核对前后任的任职起止日期")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="gap_days", max_value=0, severity=WARNING, meta=_meta(
        "tenure.gap", "前后任之间存在空档", "后任开始日期为前任结束日期的次日", "核实空档期是否有人主持工作并补报")))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="cadre_id", severity=ERROR, meta=_meta(
        "tenure.cadre_id", "每行须有干部编号", "非空编号", "补填干部编号")))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="post", value_set=POSTS, severity=ERROR, meta=_meta(
        "tenure.post", "职务须为规定职务", "、".join(POSTS), "按规定职务名称填写")))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="start_date", severity=ERROR, meta=_meta(
        "tenure.start", "任职开始日期须为有效日期", "YYYY-MM-DD", "按 2024-07-01 的格式填写")))
    suite.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A="end_or_max", column_B="start_date", or_equal=True, severity=ERROR, meta=_meta(
            "tenure.order", "任职结束日期不得早于开始日期", "结束 ≥ 开始", "核对两个日期")))
    return suite
