"""Typesetting and honest display rules of the reports, on the filters and helpers themselves:
rounding that never contradicts a verdict (both sides of every comparison), changes that round to
zero are neutral, Chinese punctuation and word breaks, official post titles from one source, the
bulletin workbook. The rendered documents are checked in test_report_render.py and end to end."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from report_templates.bulletin_xlsx import bulletin_workbook
from report_templates.render import cjk_words, direction, fmt_file, fmt_target, fmt_verdict, typeset
from tests.support.report_contexts import bulletin_context
from transforms.config.posts import DEPARTMENT_HEAD, GOVERNMENT_HEAD, PARTY_SECRETARY, full_title, official_title


@pytest.mark.parametrize("value,unit,op,target,met,shown,target_shown", [
    # ≥: 3.97 is not 4.0 (the case); 4.0 is; 4.04 prints 4.0 beside a √ (consistent)
    (3.97, "%", ">=", 4.0, False, "3.97", "4.00"),
    (3.9996, "%", ">=", 4.0, False, "3.9996", "4.0000"),
    (4.0, "%", ">=", 4.0, True, "4.0", "4.0"),
    (4.04, "%", ">=", 4.0, True, "4.0", "4.0"),
    # >: 4.04 beats 4.0 but would print 4.0 > 4.0; 4.0 does not beat 4.0
    (4.04, "%", ">", 4.0, True, "4.04", "4.00"),
    (4.0, "%", ">", 4.0, False, "4.0", "4.0"),
    (3.96, "%", ">", 4.0, False, "4.0", "4.0"),  # 4.0 > 4.0 is false: consistent with ×
    # ≤: 35.04 misses ≤ 35 but would print 35.0; 34.96 meets it and prints 35.0 ≤ 35.0 (true)
    (35.04, "μg/m³", "<=", 35, False, "35.04", "35.00"),
    (34.96, "μg/m³", "<=", 35, True, "35.0", "35.0"),
    (35.0, "μg/m³", "<=", 35, True, "35.0", "35.0"),
    # <: 34.96 meets < 35 but would print 35.0 < 35.0; 35.0 misses it
    (34.96, "μg/m³", "<", 35, True, "34.96", "35.00"),
    (35.0, "μg/m³", "<", 35, False, "35.0", "35.0"),
    (35.04, "μg/m³", "<", 35, False, "35.0", "35.0"),
    # integer units: 119.6 days against ≥ 120 is ×, not "120"
    (119.6, "天", ">=", 120, False, "119.6", "120.0"),
    (120, "天", ">=", 120, True, "120", "120"),
    # no verdict, or no target: the unit's decimals
    (3.97, "%", ">=", 4.0, None, "4.0", "4.0"),
    (3.97, "%", None, None, None, "4.0", "—"),
])
def test_a_printed_value_never_contradicts_its_verdict(value, unit, op, target, met, shown, target_shown):
    assert fmt_verdict(value, unit, target, op, met) == shown
    assert fmt_target(target, unit, value, op, met) == target_shown


def test_a_change_that_rounds_to_zero_is_neutral():
    assert direction(0.004) == "" and direction(-0.004) == "" and direction(None) == ""
    assert direction(0.006) == "up" and direction(-0.006) == "down"
    assert direction(0.04, "%") == "" and direction(0.06, "%") == "up"  # % prints one decimal
    assert direction(0.06, "%", -1) == "down" and direction(-0.06, "%", -1) == "up"  # lower is better


def test_chinese_text_is_typeset_with_full_width_punctuation():
    assert typeset("细颗粒物(PM2.5)年均浓度") == "细颗粒物（PM2.5）年均浓度"
    assert typeset("超过 10 个百分点, 请核实") == "超过10个百分点，请核实"
    assert typeset("EP03: 填报值; 备注") == "EP03：填报值；备注"
    for untouched in ("1,234.5", "09:15", "f(x) = 1", "VETO-EVENT", 3.5, None):
        assert typeset(untouched) == untouched
    # a file name is shown as it is, in pieces that break after its separators
    assert str(fmt_file("报表(2)_2025.xlsx")) == \
        '<span class="w">报表(2)_</span><span class="w">2025.</span><span class="w">xlsx</span>'
    assert str(fmt_file("<b>.csv")) == '<span class="w">&lt;b&gt;.</span><span class="w">csv</span>'
    # a long Chinese piece breaks between characters, as Chinese text does, instead of running across a cell
    assert str(fmt_file("贡江断面应急监测报告.pdf")) == '贡江断面应急监测报告.<span class="w">pdf</span>'


def test_headers_break_only_between_words():
    def words(label: str) -> list[str]:
        return re.findall(r'<span class="w">(.*?)</span>', str(cjk_words(label)))

    assert words("绿色低碳转型指数") == ["绿色", "低碳", "转型", "指数"]  # not 绿色低碳转/型
    assert words("生态环境质量指数") == ["生态", "环境", "质量", "指数"]  # not 生态环境质/量
    assert words("绿色生活与制度") == ["绿色", "生活", "与制度"]
    assert words("主体功能区") == ["主体", "功能区"]
    assert words("县（市、区）数") == ["县（市、区）", "数"]
    assert str(cjk_words("<b>")) == "&lt;b&gt;"


def test_official_titles_follow_the_level_of_the_region():
    assert official_title(PARTY_SECRETARY, "章贡区") == "区委书记" and official_title(GOVERNMENT_HEAD, "章贡区") == "区长"
    assert official_title(PARTY_SECRETARY, "寻乌县") == "县委书记" and official_title(GOVERNMENT_HEAD, "寻乌县") == "县长"
    assert official_title(PARTY_SECRETARY, "瑞金市") == "市委书记" and official_title(GOVERNMENT_HEAD, "瑞金市") == "市长"
    assert full_title(PARTY_SECRETARY, "章贡区") == "章贡区委书记" and full_title(GOVERNMENT_HEAD, "寻乌县") == "寻乌县县长"
    assert full_title(DEPARTMENT_HEAD, None, "市林业局") == "市林业局主要负责人"
    assert official_title("其他职务", "章贡区") == "其他职务"


def test_the_bulletin_tables_as_a_workbook():
    ctx = bulletin_context()
    raw = bulletin_workbook(ctx)
    assert bulletin_workbook(ctx) == raw  # same content, same bytes: an unchanged re-run rewrites nothing
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    assert wb.sheetnames == ["评价考核结果", "分类指数概览", "等级分布", "一票否决"]
    ranking = list(wb["评价考核结果"].iter_rows(min_row=3, values_only=True))
    assert len(ranking) == len(ctx["counties"])
    first = min(ctx["counties"], key=lambda c: c["rank"])
    assert ranking[0][0] == first["rank"] and ranking[0][3] == first["name"] and ranking[0][6] == round(first["gdi"], 2)
    header = [c.value for c in wb["评价考核结果"][2]]
    assert all(f"{c['name']}指数" in header or c["name"] in header for c in ctx["categories"])
    vetoes = list(wb["一票否决"].iter_rows(min_row=2, values_only=True))
    assert len(vetoes) == sum(len(v["items"]) for v in ctx["vetoed"]) and vetoes[0][-1]  # with the SHA-256
