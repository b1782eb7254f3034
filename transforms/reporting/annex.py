"""The bulletin's method annex on data treatment and statistical coherence (issue 23): the rules the
framework declares, in plain words, every number they changed or supplied, and the coherence tables an
audit of a composite index reports (transforms/scoring/coherence.py)."""

from __future__ import annotations

import duckdb

from transforms.config.framework import Framework
from transforms.config.methods import MISSING_TEXT
from transforms.runtime.sql import statement
from transforms.runtime.warehouse import frame


def treatment_rules(fw: Framework) -> list[str]:
    """What the framework declares beyond normalization and aggregation, one sentence each."""
    notes = [fw.weighting_note()]
    treated = [i for i in fw.indicators if fw.treatment_of(i).method != "none"]
    for method, text in (("jrc", "按JRC规则处理异常值：偏度绝对值大于{skew:g}且峰度大于{kurtosis:g}时逐步缩尾，最多{max_points}步，"
                                 "仍超过阈值则改作对数变换"),
                         ("log", "计分前作对数变换"), ("boxcox", "计分前作Box-Cox变换（λ={lambda:g}）")):
        names = [i.name for i in treated if fw.treatment_of(i).method == method]
        if names:
            rule = fw.treatment_of(next(i for i in treated if fw.treatment_of(i).method == method)).rule()
            notes.append(f"{'、'.join(names)}：{text.format(**rule)}；处理只改变计分所用的数值，报送值、目标和否决不变。")
    chains = {}
    for i in fw.indicators:
        chains.setdefault(fw.missing_rules(i), []).append(i.name)
    if len(chains) > 1 or next(iter(chains)) != ("reweight",):
        for chain, names in chains.items():
            who = "其余指标" if len(chains) > 1 and len(names) > len(fw.indicators) / 2 else "、".join(names)
            notes.append(f"{who}的缺失值：依次{'，再'.join(MISSING_TEXT[r] for r in chain)}；每个插补值均在报告中注明方法。")
    ratios = [i for i in fw.indicators if i.ratio]
    if ratios:
        items = {i.code: i.name for i in fw.reported_items}
        notes.append("；".join(f"{i.name}由{items[i.ratio.numerator]}÷{items[i.ratio.denominator]}"
                              f"{'×' + format(i.ratio.scale, 'g') if i.ratio.scale != 1 else ''}计算" for i in ratios) + "。")
    cov = fw.coverage
    if cov.indicator_min:
        notes.append(f"报送覆盖率低于{cov.indicator_min:.0%}的指标当年不计入，其权数在同类指标间分摊。")
    if cov.unit_max_missing:
        notes.append(f"缺失指标超过{cov.unit_max_missing:.0%}的县（市、区）不计算指数和排名。")
    if fw.geometric_indicators():
        notes.append("几何平均中出现不大于0的得分时" + (f"按下限{fw.geometric_zero.floor:g}计并注明。"
                                                   if fw.geometric_zero.rule == "floor" else "停止计算并指出该得分。"))
    return notes


def method_annex(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> dict:
    p = {"framework": fw.id, "run_id": run_id, "year": year}
    return {"rules": treatment_rules(fw),
            "treated": frame(con, statement("reporting/treated_numbers"), p).to_dicts(),
            "coherence": frame(con, statement("reporting/coherence"), p).to_dicts(),
            "alpha": frame(con, statement("reporting/coherence_categories"), p).to_dicts()}
