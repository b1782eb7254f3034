"""Method notes of the bulletin and the county report, written from the framework's own settings.

Nothing here names a method the framework does not use: the index range of the assessment score,
each indicator's normalization (with its goalposts and logarithm), the aggregation of every level
and node, the deductions and vetoes all come from the framework file, so a framework brought by a
user is described as it is computed (`transforms/scoring/score.py`). Under a geometric mean an
indicator's "contribution" is not weight × score: the notes say what the number is.
"""

from __future__ import annotations

from transforms.config.framework import Framework, Indicator
from transforms.config.methods import MISSING_TEXT, missing_chain

METHOD_NAME = {"efficacy": "效能系数法", "minmax": "阈值法", "minmax_data": "极值法", "target": "目标达成法",
               "zscore": "标准化法", "rank": "位次法", "attainment": "目标完成度法"}
AGGREGATION_NAME = {"arithmetic": "加权算术平均", "geometric": "加权几何平均"}


def missing_text(policy: str | list[str]) -> str:
    """A missing-value policy (one rule or a chain) in words."""
    return "，再".join(MISSING_TEXT[r] for r in missing_chain(policy))


def _formula(method: str, fw: Framework) -> str:
    return {
        "efficacy": "正向指标 60 + 40 ×（x − 最小值）/（最大值 − 最小值），逆向指标 60 + 40 ×（最大值 − x）/（最大值 − 最小值），"
                    "最小值、最大值取当年参评县（市、区）；各县取值相同时记100分",
        "minmax": "按指标体系给定的上下限线性换算为0–100分，正向指标 100 ×（x − 下限）/（上限 − 下限），逆向指标在下限处得100分，"
                  "超出上下限按端点计",
        "target": f"实际值与目标值之比（逆向指标取倒数）× 100，最高{100 * fw.target_cap:g}分",
        "zscore": "（x − 均值）/标准差，均值、标准差取当年参评县（市、区），逆向指标取反",
        "rank": "按当年参评县（市、区）中的百分位次计0–100分",
        "minmax_data": f"按当年参评县（市、区）的最小值、最大值线性换算为{fw.normalization_range[0]:g}–"
                       f"{fw.normalization_range[1]:g}分（指标另有规定的按其区间），逆向指标反之；各县取值相同时记最高分",
        # stock indicators (耕地保有量, outputs): compliance with the county's target, not size
        "attainment": f"存量、总量指标按目标完成度计分：{'60 + 40' if fw.normalization == 'efficacy' else '100'} × "
                      "min（实际值/目标值，1）（逆向指标取倒数），有县级分解目标的用县级分解目标，按是否达标而非规模大小评价",
    }[method]


def _method_of(fw: Framework, ind: Indicator) -> str:
    return ind.normalization or fw.normalization


def _indicator_detail(ind: Indicator) -> str:
    """An indicator's own settings a reader needs to recompute its score: goalposts, logarithm."""
    parts = []
    if ind.goalposts:
        parts.append(f"上下限{ind.goalposts[0]:g}–{ind.goalposts[1]:g} {ind.unit}".rstrip())
    if ind.log:
        parts.append("先取自然对数")
    return f"{ind.name}（{'，'.join(parts)}）" if parts else ind.name


def normalization_note(fw: Framework) -> str:
    """Each normalization method in use, its formula and the indicators that use it (the
    framework's default method named as such; every indicator with goalposts or a log named)."""
    scored = [i for i in fw.indicators if i.in_index]
    groups: dict[str, list[Indicator]] = {}
    for ind in scored:
        groups.setdefault(_method_of(fw, ind), []).append(ind)
    if len(groups) == 1 and not any(i.goalposts or i.log for i in scored):
        (method,) = groups
        return f"个体指数：计入指数的{len(scored)}项指标均用{METHOD_NAME[method]}，{_formula(method, fw)}。"
    parts = []
    for method in sorted(groups, key=lambda m: (m != fw.normalization, list(METHOD_NAME).index(m))):
        inds = groups[method]
        named = [i for i in inds if method != fw.normalization or i.goalposts or i.log]
        who = "、".join(_indicator_detail(i) for i in named)
        if method == fw.normalization and len(named) < len(inds):
            who = f"{len(inds)}项指标" + (f"，其中{who}" if who else "")
        parts.append(f"{METHOD_NAME[method]}（{who}）：{_formula(method, fw)}")
    return "个体指数：" + "；".join(parts) + "。"


def aggregation_note(fw: Framework) -> str:
    """How every level is combined: leaf categories from their indicators, parents from their parts,
    the index from the top categories, naming the categories whose method differs from their level's."""
    methods, depths, counted = fw.category_methods(), fw.category_depths(), _counted_categories(fw)
    with_parts = {c.parent for c in fw.categories if c.parent}
    names = {c.code: c.name for c in fw.categories}
    lines = []
    for depth in sorted(set(depths.values()), reverse=True):
        at = [c for c in fw.categories if depths[c.code] == depth and c.code in counted]
        by_method: dict[tuple[str, bool], list[str]] = {}
        for c in at:
            by_method.setdefault((methods[c.code], c.code in with_parts), []).append(c.code)
        for (method, parts), codes in by_method.items():
            who = f"第{depth}层各类" if len(codes) == len(at) else f"第{depth}层的" + "、".join(names[c] for c in codes)
            lines.append(f"{who}为所含{'下级类别' if parts else '指标'}的{AGGREGATION_NAME[method]}")
    top = [c.name for c in fw.categories if c.parent is None and c.code in counted]
    lines.append(f"总指数为第1层各类（{'、'.join(top)}）的{AGGREGATION_NAME[fw.aggregation.index]}")
    formula = "；加权几何平均为 exp（Σ w·ln s），其中各项得分 s 须大于0" if _uses_geometric(fw) else ""
    return "汇总：" + "；".join(lines) + f"（w 为同一上级内归一的权数）{formula}。"


def _counted_categories(fw: Framework) -> set[str]:
    """Categories holding at least one indicator of the index (公众满意程度 in the 2016 GDI holds none)."""
    parent = {c.code: c.parent for c in fw.categories}
    counted: set[str] = set()
    for code in {i.category for i in fw.indicators if i.in_index}:
        while code is not None and code not in counted:
            counted.add(code)
            code = parent[code]
    return counted


def _uses_geometric(fw: Framework) -> bool:
    return fw.aggregation.index == "geometric" or "geometric" in fw.category_methods().values()


def contribution_note(fw: Framework) -> str:
    """What the 贡献 column of the county report is, under this framework's aggregation."""
    if not _uses_geometric(fw):
        return "“贡献”为权数 × 个体指数（权数为该项在全部指标中所占的比重），各项合计等于总指数"
    return ("“贡献”是把总指数按各层的汇总方式逐层分摊到各项的结果：算术平均的层级按 w·s 占 Σ w·s 的比例分摊，"
            "几何平均的层级按 w·ln s 占 Σ w·ln s 的比例（即各项在该层对数中的份额）分摊；各项合计等于总指数。"
            "几何平均下它不等于权数 × 个体指数，也不表示该项提高1分时指数的变化")


def weights_note(fw: Framework) -> str:
    scored = [i for i in fw.indicators if i.in_index]
    classes = [k for k in fw.weight_classes if any(i.weight is None and i.weight_class == k for i in scored)]
    explicit = sum(1 for i in scored if i.weight is not None)
    parts = []
    if classes:
        parts.append("按 " + " : ".join(classes) + " = " + " : ".join(f"{fw.weight_classes[k]:g}" for k in classes)
                     + "的比例定权")
    if explicit:
        parts.append(f"{explicit}项指标按指标体系给定的权数")
    if any(i.weight is not None for i in fw.categories):
        parts.append("各类按给定的类别权数")
    zoned = sum(1 for i in scored if i.zone_weights)
    if zoned:
        parts.append(f"{zoned}项指标按主体功能区差异化定权")
    return "权数：" + "；".join(parts) + "；在同一上级内归一。"


def assessment_note(fw: Framework) -> str:
    a = fw.assessment
    lo, hi = a.index_range
    terms = []
    if a.target_points:
        terms.append(f"{a.target_points:g} × 目标完成权重占比")
    if a.index_points:
        terms.append(f"{a.index_points:g} ×（总指数 − {lo:g}）/（{hi:g} − {lo:g}）")
    if a.rank_points:  # points of their own, each indicator counted once
        rp = a.rank_points
        name = next(i.name for i in fw.indicators if i.code == rp.indicator)
        terms.append(f"按{name}位次计分（第1名{rp.points:g}分，末名{rp.points * rp.last_share:g}分，其间线性）")
    if a.satisfaction_points:
        terms.append(f"{a.satisfaction_points:g} × 公众满意程度/100")
    deductions = "；".join(
        f"{d.name}每{'起' if d.kind == 'event' else '项'}扣{d.points:g}分" + (f"，最多{d.max_points:g}分" if d.max_points
                                                                               else "")
        for d in fw.deductions)
    bands = "、".join(f"{b.grade} ≥ {b.min:g}" for b in fw.grade_bands[:-1]) + f"，其余为{fw.grade_bands[-1].grade}"
    return (f"考核得分 = {' + '.join(terms)}" + (" − 扣分" if deductions else "")
            + f"（总指数的{lo:g}–{hi:g}对应0–{a.index_points:g}分）" * bool(a.index_points)
            + (f"；扣分：{deductions}" if deductions else "") + f"；等级：{bands}。")


def method_notes(fw: Framework) -> list[str]:
    """The bulletin's method notes, one paragraph each."""
    vetoes = "；".join(f"{r.name}（{'等级定为不合格' if r.effect == 'fail' else '等级最高为' + str(r.cap_grade)}）"
                      for r in fw.veto_rules)
    u = fw.uncertainty
    alternatives = "、".join(METHOD_NAME[m] for m in u.alternative_methods)
    return [
        f"指标体系：{fw.name}，共{len(fw.categories)}类{len(fw.indicators)}项指标；各指标的单位、方向、权数、目标值和"
        "责任单位见各县（市、区）报告的指标明细。",
        normalization_note(fw),
        weights_note(fw),
        aggregation_note(fw),
        contribution_note(fw) + "。",
        f"缺失数据：{missing_text(fw.missing_policy)}；当年各地区均无数据的指标权数不变、按该方法最低分计；"
        "地区不涉及的地域性指标不参与计算，其权数在同类指标间分摊（与缺失不同）；每项均在报告中注明。",
        assessment_note(fw),
        f"排名区间：对各指标权数随机扰动{u.draws}次（对数正态，标准差{u.weight_spread:g}）"
        + (f"并轮换使用{alternatives}" if alternatives else "")
        + "重新排名，取第5至第95百分位，反映排名对权数设定的敏感程度。",
        f"一票否决：{vetoes or '无'}。每项否决均列明规则、实际值与目标或事件，以及所依据的报送文件、版本和 SHA-256。",
    ]


def county_method_note(fw: Framework) -> dict[str, str]:
    """The note above the county report's indicator table: how the scores and the contributions were made."""
    return {"normalization": normalization_note(fw), "aggregation": aggregation_note(fw),
            "contribution": contribution_note(fw)}
