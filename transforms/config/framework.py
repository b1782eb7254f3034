"""Configuration as data: frameworks, regions, departments and decomposed targets.

Everything the office may change from year to year lives in files under `data/`; this module
loads them and validates them on load, so that a typo in a YAML file stops the run with a message
that names the file, the entry and the problem instead of producing wrong scores later.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from transforms.config.methods import Coverage, GeometricZero, Percentiles, Ratio, Treatment, missing_chain

DATA_DIR = Path(__file__).resolve().parents[2] / "data"  # the committed configuration


def data_dir() -> Path:
    """The configuration folder in use: $ECOASSESS_DATA (e.g. a generated synthetic jurisdiction
    for a benchmark), else the committed `data/`. Resolved at call time, so setting the variable
    before a run is enough whatever was imported first."""
    chosen = os.environ.get("ECOASSESS_DATA")
    return Path(chosen).resolve() if chosen else DATA_DIR


class ConfigError(ValueError):
    """A configuration file is wrong; the message names file, entry and problem (Chinese first)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    op: Literal[">=", "<=", "=="]
    value: float | None = None  # None: only per-region targets (data/targets/) apply


# How a target's operator is printed (reports, veto and deduction evidence): 耕地保有量 目标 ≥45.12万亩
OP_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "=", "=": "="}


Method = Literal["efficacy", "minmax", "minmax_data", "target", "zscore", "rank", "attainment"]
AggregationMethod = Literal["arithmetic", "geometric"]
POSITIVE_SCALE_METHODS = {"efficacy", "minmax", "minmax_data", "target", "rank", "attainment"}
# methods whose scale comes from the year's data: the ones outlier treatment and imputation serve
DATA_DRIVEN_METHODS = {"efficacy", "minmax_data", "zscore", "rank"}
# Written in the `op` column of data/targets/<framework>.csv: the indicator does not apply to that region
# in that year (left out, its weight redistributed within its category), as a framework's `not_applicable`.
NOT_APPLICABLE_OP = "不涉及"
ALL_REGIONS = "*"


class Category(_Strict):
    """A node of the hierarchy (dimension, sub-dimension, …): it holds indicators or sub-categories."""

    code: str
    name: str
    name_en: str = ""
    weight: float | None = Field(default=None, gt=0)  # explicit weight among its siblings; else Σ of its indicators'
    parent: str | None = None  # the category this one is part of; None: directly under the index
    aggregation: AggregationMethod | None = None  # how it combines its parts; else its level's method


class Indicator(_Strict):
    code: str
    name: str
    name_en: str = ""
    category: str
    unit: str
    direction: Literal[1, -1]
    weight_class: str | None = None
    weight: float | None = Field(default=None, gt=0)
    binding: bool = False
    target: Target | None = None
    valid_range: tuple[float, float]
    department: str
    audit: bool = False  # natural-resource indicator shown in the outgoing audit (离任审计)
    normalization: Method | None = None  # overrides the framework's method for this indicator
    goalposts: tuple[float, float] | None = None  # minmax: fixed (low, high) bounds in the unit; − scores 100 at low
    log: bool = False  # log-transform before normalizing (values must be > 0)
    zone_weights: dict[str, float] = {}  # 差异化考核: weight per main functional zone; 0 = not assessed there
    in_index: bool = True  # False: collected and validated, reported apart, weight 0 (公众满意程度 in the 2016 GDI)
    # 地域性指标: regions it does not apply to (region codes, main-functional-zone names, or "*" for every
    # region of the jurisdiction). Not applicable ≠ missing: the indicator is left out for them and its
    # weight redistributed within its category (2016 公报 附注); data/targets/ can say so per region and year.
    not_applicable: list[str] = []
    # composite-indicator methods (transforms/config/methods.py): each overrides the framework's
    treatment: Treatment | None = None  # outliers before normalization
    missing_policy: str | list[str] | None = None  # one rule or a chain, e.g. [group_median, reweight]
    ratio: Ratio | None = None  # denomination: computed from two submitted items, not submitted itself
    goalposts_percentiles: Percentiles | None = None  # minmax: goalposts from the year's data percentiles
    normalization_range: tuple[float, float] | None = None  # minmax_data: the range scores span
    source: str = ""

    @model_validator(mode="after")
    def _weight_given(self) -> "Indicator":
        if self.in_index and self.weight is None and self.weight_class is None:
            raise ValueError("需给出 weight 或 weight_class / weight or weight_class is required")
        lo, hi = self.valid_range
        if lo >= hi:
            raise ValueError(f"valid_range 下限须小于上限 / lower bound must be below upper: {self.valid_range}")
        if self.goalposts is not None and self.goalposts[0] >= self.goalposts[1]:
            raise ValueError("goalposts 须写作 [下限, 上限] 且下限小于上限 (逆向指标在下限处得 100) / goalposts are "
                             "[low, high] with low < high (a negative indicator scores 100 at low)")
        if self.log and (self.goalposts or (1, 1))[0] <= 0:
            raise ValueError("对数变换要求 goalposts 为正 / log transform needs positive goalposts")
        if any(w < 0 for w in self.zone_weights.values()):
            raise ValueError("zone_weights 不得为负 / zone weights must be ≥ 0")
        if self.missing_policy is not None:
            missing_chain(self.missing_policy)
        if self.goalposts is not None and self.goalposts_percentiles is not None:
            raise ValueError("goalposts 与 goalposts_percentiles 只能给出一个 / fixed or percentile goalposts, not both")
        if self.treatment and self.treatment.method in ("log", "boxcox") and lo <= 0 and (
                self.treatment.method == "log" or self.treatment.lambda_ <= 0):
            raise ValueError(f"{self.treatment.method} 变换要求 valid_range 下限大于 0 / needs positive values")
        return self


class GradeBand(_Strict):
    grade: str
    min: float


class RankPoints(_Strict):
    """Points given by a county's rank on one indicator's value (年度评价结果 in the 考核目标体系: the
    annual evaluation results, by rank as in the provincial versions): rank 1 gets `points`, the last
    `last_share` × `points`, linear between; a county without a value gets 0."""

    indicator: str
    points: float = Field(gt=0)
    last_share: float = Field(default=0.6, ge=0, le=1)
    source: str = ""


class Assessment(_Strict):
    target_points: float = Field(ge=0)
    index_points: float = Field(ge=0)
    index_range: tuple[float, float] = (60, 100)  # index mapped linearly onto 0..index_points
    rank_points: RankPoints | None = None
    # points from the public-satisfaction indicator (`public_satisfaction`): points × value / 100
    satisfaction_points: float = Field(default=0, ge=0)

    @field_validator("index_range")
    @classmethod
    def _range_increasing(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] >= value[1]:
            raise ValueError("index_range 须递增 / must increase")
        return value

    @model_validator(mode="after")
    def _sum_100(self) -> "Assessment":
        total = self.target_points + self.index_points + self.satisfaction_points + \
            (self.rank_points.points if self.rank_points else 0)
        if abs(total - 100) > 1e-9:
            raise ValueError("target_points + index_points + rank_points.points + satisfaction_points 须等于 100 / "
                             "must sum to 100")
        return self


class PublicSatisfaction(_Strict):
    """公众满意程度. The national method (2016 年度评价结果公报) evaluates it beside the index, not in it
    (`separate: true`, the indicator with `in_index: false`); a framework that keeps it as one indicator of
    its index says so here (`separate: false`) and why."""

    indicator: str
    separate: bool
    source: str = ""


class Aggregation(_Strict):
    """Method per level: `index` combines the top categories; a category combines its parts with its
    own `aggregation`, else `levels[depth]` (depth 1 = directly under the index), else `category`."""

    category: AggregationMethod = "arithmetic"
    index: AggregationMethod = "arithmetic"
    levels: dict[int, AggregationMethod] = {}


class Uncertainty(_Strict):
    draws: int = Field(default=500, ge=10, le=100_000)
    weight_spread: float = Field(default=0.25, gt=0, le=2)  # sd of the log-normal factor on each weight
    seed: int = 20250101
    # normalization methods a draw may use instead of the framework's (for indicators without their own)
    alternative_methods: list[Method] = []


class Deduction(_Strict):
    """Points taken off the assessment score (扣分项): per event of the listed kinds in the year, or per
    missed target of the listed indicators; at most `max_points` per rule."""

    id: str
    name: str
    kind: Literal["event", "target"]
    points: float = Field(gt=0)  # per event or per missed target
    max_points: float | None = Field(default=None, gt=0)
    event_kinds: list[str] = []
    indicators: Literal["binding", "all"] | list[str] = "binding"  # kind target: whose missed targets count
    source: str = ""

    @model_validator(mode="after")
    def _complete(self) -> "Deduction":
        if self.kind == "event" and not self.event_kinds:
            raise ValueError("event 扣分项须列出 event_kinds / event deduction needs event_kinds")
        return self


class VetoRule(_Strict):
    id: str
    kind: Literal["event", "threshold", "data"]
    name: str
    effect: Literal["fail", "cap"]
    cap_grade: str | None = None
    event_kinds: list[str] = []
    indicator: str | None = None
    indicators: Literal["binding"] | list[str] | None = None
    source: str = ""

    @model_validator(mode="after")
    def _complete(self) -> "VetoRule":
        if self.kind == "event" and not self.event_kinds:
            raise ValueError("event 规则须列出 event_kinds / event rule needs event_kinds")
        if self.kind == "threshold" and not self.indicator and not self.indicators:
            raise ValueError("threshold 规则须指定 indicator 或 indicators (如 binding) / threshold rule needs "
                             "indicator or indicators")
        if self.effect == "cap" and not self.cap_grade:
            raise ValueError("effect=cap 须指定 cap_grade / cap needs cap_grade")
        return self


class SupportingItem(_Strict):
    """基础数据: a quantity a department reports beside its indicators so that the data contracts
    can cross-check them (e.g. 优良天数 and 有效监测天数 behind 优良天数比例); never scored."""

    code: str
    name: str
    name_en: str = ""
    unit: str
    valid_range: tuple[float, float]
    department: str
    source: str = ""


EXPRESSION_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>\d+(?:\.\d+)?)|(?P<op>[-+*/()]))")
DAYS_IN_YEAR = "DAYS_IN_YEAR"


def expression_names(expression: str) -> list[str]:
    """The item codes an arithmetic expression of a relation uses; anything but codes, numbers,
    + - * / ( ) and DAYS_IN_YEAR is refused, so an expression can safely become SQL."""
    names, pos = [], 0
    while pos < len(expression.rstrip()):
        m = EXPRESSION_TOKEN.match(expression, pos)
        if not m or m.end() == pos:
            raise ValueError(f"表达式 {expression!r} 第 {pos + 1} 个字符无法识别 / bad expression")
        if m.group("name") and m.group("name") != DAYS_IN_YEAR:
            names.append(m.group("name"))
        pos = m.end()
    return names


class Relation(_Strict):
    """A cross-field rule within one county's data of one department: `left op right`, where both
    sides are arithmetic over item codes, numbers and DAYS_IN_YEAR (365 or 366)."""

    id: str
    rule: str  # the rule in plain words, for the steward
    left: str
    op: Literal["<=", ">=", "=="]
    right: str
    tolerance: float = Field(default=0, ge=0)  # "==": |left − right| ≤ tolerance
    severity: Literal["error", "warning"] = "error"
    fix: str
    source: str = ""

    @model_validator(mode="after")
    def _parses(self) -> "Relation":
        if not expression_names(self.left) + expression_names(self.right):
            raise ValueError("关系两边至少引用一个指标代码 / a relation needs an item code")
        return self


class ChangeBound(_Strict):
    """Largest plausible change from the last accepted year: max(absolute, relative × |last value|)."""

    absolute: float = Field(default=0, ge=0)  # in the item's unit (percentage points for %)
    relative: float = Field(default=0, ge=0)  # fraction of last year's value

    @model_validator(mode="after")
    def _positive(self) -> "ChangeBound":
        if self.absolute == 0 and self.relative == 0:
            raise ValueError("absolute 与 relative 至少一个大于 0 / give absolute or relative")
        return self


class Plausibility(_Strict):
    default: ChangeBound = ChangeBound(relative=0.5)
    items: dict[str, ChangeBound] = {}  # per indicator or supporting item code


class Checks(_Strict):
    """What the framework's columns cannot say: plausibility against last year, cross-field relations."""

    plausibility: Plausibility = Plausibility()
    relations: list[Relation] = []


class Framework(_Strict):
    id: str
    name: str
    name_en: str = ""
    jurisdiction: str
    years: tuple[int, int]
    normalization: Method = "efficacy"
    aggregation: Aggregation = Aggregation()
    missing_policy: str | list[str] = "reweight"  # one rule or a chain (transforms/config/methods.py)
    peer_group: str = "zone"  # the regions.csv column whose groups `group_mean` / `group_median` use
    treatment: Treatment = Treatment()
    coverage: Coverage = Coverage()
    normalization_range: tuple[float, float] = (0.0, 100.0)  # minmax_data: the range scores span
    # A category without `weight`: `indicator_sum` weighs it by the sum of its indicators' weights (how the
    # national 2016 index weighs its areas), `equal` gives it the same weight as its siblings.
    category_weights: Literal["indicator_sum", "equal"] = "indicator_sum"
    geometric_zero: GeometricZero = GeometricZero()
    target_cap: float = Field(default=1.2, ge=1)  # `target` normalization: 100 · min(x / target, cap)
    uncertainty: Uncertainty = Uncertainty()
    weight_classes: dict[str, float]
    assessment: Assessment
    grade_bands: list[GradeBand]
    categories: list[Category]
    indicators: list[Indicator]
    veto_rules: list[VetoRule] = []
    deductions: list[Deduction] = []
    supporting_items: list[SupportingItem] = []
    checks: Checks = Checks()
    public_satisfaction: PublicSatisfaction | None = None

    @model_validator(mode="before")
    @classmethod
    def _equal_category_weights(cls, data: object) -> object:
        """`category_weights: equal`: every category without a weight weighs 1 among its siblings."""
        if isinstance(data, dict) and data.get("category_weights") == "equal":
            data = dict(data, categories=[c if not isinstance(c, dict) or c.get("weight") is not None
                                          else dict(c, weight=1.0) for c in data.get("categories", [])])
        return data

    @field_validator("missing_policy")
    @classmethod
    def _missing_chain(cls, value: str | list[str]) -> str | list[str]:
        missing_chain(value)
        return value

    @field_validator("aggregation", mode="before")
    @classmethod
    def _one_method_for_all_levels(cls, value: object) -> object:
        return {"category": value, "index": value} if isinstance(value, str) else value

    @field_validator("grade_bands")
    @classmethod
    def _bands_descending(cls, bands: list[GradeBand]) -> list[GradeBand]:
        mins = [b.min for b in bands]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("grade_bands 的 min 须严格递减 / min must strictly decrease")
        return bands

    @model_validator(mode="after")
    def _hierarchy(self) -> "Framework":
        """The categories form a tree: known parents and no cycle (checked before anything walks it)."""
        codes = [c.code for c in self.categories]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"类别代码重复 / duplicate category codes: {dupes}")
        parent = {c.code: c.parent for c in self.categories}
        for c in self.categories:
            if c.parent is not None and c.parent not in parent:
                raise ValueError(f"条目 categories[{c.code}].parent: 上级类别 {c.parent!r} 未定义 / unknown parent category")
        for c in self.categories:
            path, node = [c.code], c.parent
            while node is not None:
                if node in path:
                    cycle = " → ".join(path[path.index(node):] + [node])
                    raise ValueError(f"条目 categories[{c.code}].parent: 类别层级出现循环 {cycle} / cycle in the "
                                     "category hierarchy")
                path.append(node)
                node = parent[node]
        return self

    @model_validator(mode="after")
    def _references(self) -> "Framework":
        cats = {c.code for c in self.categories}
        codes = [i.code for i in self.indicators]
        dupes = {c for c in codes if codes.count(c) > 1}
        if dupes:
            raise ValueError(f"指标代码重复 / duplicate indicator codes: {sorted(dupes)}")
        names = [i.name for i in self.indicators]
        if len(set(names)) != len(names):  # submissions name their columns by indicator name
            raise ValueError(f"指标名称重复 / duplicate indicator names: {sorted({n for n in names if names.count(n) > 1})}")
        grades = {b.grade for b in self.grade_bands}
        if not any(i.in_index for i in self.indicators):
            raise ValueError("至少须有一项指标计入指数 / at least one indicator must have in_index: true")
        for ind in self.indicators:
            if ind.category not in cats:
                raise ValueError(f"指标 {ind.code} 的类别 {ind.category!r} 未定义 / unknown category")
            if ind.in_index and ind.weight is None and ind.weight_class not in self.weight_classes:
                raise ValueError(f"指标 {ind.code} 的权数等级 {ind.weight_class!r} 未定义 / unknown weight class")
        ids = [d.id for d in self.deductions]
        for d in self.deductions:
            if ids.count(d.id) > 1:
                raise ValueError(f"扣分项 id 重复 / duplicate deduction id: {d.id}")
            unknown = [c for c in (d.indicators if isinstance(d.indicators, list) else []) if c not in codes]
            if unknown:
                raise ValueError(f"扣分项 {d.id} 引用了未知指标 {unknown} / unknown indicators")
        for rule in self.veto_rules:
            unknown = [c for c in [rule.indicator] + (rule.indicators if isinstance(rule.indicators, list) else [])
                       if c and c not in codes]
            if unknown:
                raise ValueError(f"否决规则 {rule.id} 引用了未知指标 {unknown} / unknown indicator")
            if rule.cap_grade and rule.cap_grade not in grades:
                raise ValueError(f"否决规则 {rule.id} 的 cap_grade {rule.cap_grade!r} 不在等级中 / unknown grade")
        self._check_contracts()
        self._check_points()
        return self

    def _check_points(self) -> None:
        """公众满意程度 and the rank points name known indicators, and no indicator is counted twice: one that
        gives points of its own is outside the index and has no target."""
        by_code = {i.code: i for i in self.indicators}
        ps, rp = self.public_satisfaction, self.assessment.rank_points
        if ps is not None:
            ind = by_code.get(ps.indicator)
            if ind is None:
                raise ValueError(f"public_satisfaction 引用了未知指标 {ps.indicator!r} / unknown indicator")
            if ps.separate == ind.in_index:
                raise ValueError(f"public_satisfaction: separate 为 {ps.separate} 时指标 {ind.code} 的 in_index 须为 "
                                 f"{not ps.separate} / separate ⇔ in_index: false")
        if self.assessment.satisfaction_points and (ps is None or not ps.separate):
            raise ValueError("assessment.satisfaction_points 须配合 public_satisfaction (separate: true) / "
                             "satisfaction points need a separately evaluated public_satisfaction")
        if rp is not None:
            ind = by_code.get(rp.indicator)
            if ind is None:
                raise ValueError(f"assessment.rank_points 引用了未知指标 {rp.indicator!r} / unknown indicator")
            if ind.in_index or ind.target is not None:
                raise ValueError(f"assessment.rank_points: 指标 {ind.code} 单独计分, 不得再计入指数或目标 (in_index: "
                                 "false, 无 target) / an indicator is not counted twice")

    @model_validator(mode="after")
    def _tree_shape(self) -> "Framework":
        """Each category holds indicators or parts; siblings weigh alike; `levels` exist."""
        with_parts = {c.parent for c in self.categories if c.parent is not None}
        with_indicators = {i.category for i in self.indicators}
        for c in self.categories:
            if c.code in with_parts and c.code in with_indicators:
                raise ValueError(f"条目 categories[{c.code}]: 类别不能既含指标又含下级类别 / a category holds "
                                 "either indicators or sub-categories, not both")
            if c.code not in with_parts and c.code not in with_indicators:
                raise ValueError(f"条目 categories[{c.code}]: 类别既无指标也无下级类别 / empty category")
        # a category whose indicators are all outside the index (in_index: false) weighs nothing
        outside = {c for c in with_indicators
                   if all(not i.in_index for i in self.indicators if i.category == c)} - with_parts
        for p in {c.parent for c in self.categories}:
            siblings = [c for c in self.categories if c.parent == p and c.code not in outside]
            if len({c.weight is None for c in siblings}) > 1:
                raise ValueError(f"同一上级({p or '指数'})下的类别须全部或全部不给出 weight: "
                                 f"{[c.code for c in siblings]} / sibling categories: all or none explicit weights")
        deepest = max(self.category_depths().values())
        wrong = sorted(k for k in self.aggregation.levels if not 1 <= k <= deepest)
        if wrong:
            raise ValueError(f"条目 aggregation.levels: 层级 {wrong} 不存在 (类别层级 1–{deepest}) / no such level")
        return self

    @model_validator(mode="after")
    def _methods_apply(self) -> "Framework":
        """Each indicator's methods (its own, or the framework's and the alternatives) can be computed, and
        give positive scores wherever a geometric mean above it takes their logarithm."""
        methods = self.category_methods()
        parent = {c.code: c.parent for c in self.categories}

        def under_geometric(code: str | None) -> bool:  # a geometric mean anywhere above needs scores > 0
            return self.aggregation.index == "geometric" if code is None else \
                methods[code] == "geometric" or under_geometric(parent[code])

        for ind in self.indicators:
            geometric = under_geometric(ind.category)
            for method in [ind.normalization or self.normalization] + (
                    [] if ind.normalization else self.uncertainty.alternative_methods):
                if method == "minmax" and ind.goalposts is None and ind.goalposts_percentiles is None:
                    raise ValueError(f"指标 {ind.code} 使用 minmax 须给出 goalposts 或 goalposts_percentiles / minmax "
                                     "needs goalposts")
                treatment = self.treatment_of(ind)
                data_driven = method in DATA_DRIVEN_METHODS or (method == "minmax" and ind.goalposts_percentiles)
                if treatment.method != "none" and not data_driven:
                    raise ValueError(f"指标 {ind.code}: 异常值处理（treatment {treatment.method}）只用于按当年数据计分的方法"
                                     f"（efficacy、minmax_data、按百分位的 minmax、zscore、rank），不用于 {method} / "
                                     "treatment serves data-driven normalizations only")
                if method in ("target", "attainment") and ind.target is None:
                    raise ValueError(f"指标 {ind.code} 使用 {method} 须给出 target (value 可为 null, 即只用 data/targets/ 的"
                                     f"分解目标) / {method} method needs a target")
                if geometric and method not in POSITIVE_SCALE_METHODS:
                    raise ValueError(f"指标 {ind.code}: 几何平均不能用于 {method} / geometric mean needs positive "
                                     "scores")
        return self

    def geometric_indicators(self) -> list[str]:
        """Indicators with a geometric mean at or above them (their scores reach a logarithm)."""
        methods = self.category_methods()
        parent = {c.code: c.parent for c in self.categories}

        def under(code: str | None) -> bool:
            return self.aggregation.index == "geometric" if code is None else \
                methods[code] == "geometric" or under(parent[code])

        return [i.code for i in self.indicators if under(i.category)]

    def treatment_of(self, ind: Indicator) -> Treatment:
        return ind.treatment or self.treatment

    def missing_rules(self, ind: Indicator) -> tuple[str, ...]:
        """The indicator's missing-value chain: filling rules in order, then the scoring SQL's rule."""
        return missing_chain(ind.missing_policy if ind.missing_policy is not None else self.missing_policy)

    def weighting_note(self) -> str:
        """What the loader decided about categories without a weight, said in the method notes."""
        if self.category_weights == "equal":  # the loader gave each category without a weight 1
            return "未给出权数的类别在同一上级下等权。"
        if all(c.weight is not None for c in self.categories):
            return "各类别按指标体系给出的权数计。"
        return "未给出权数的类别按其所含指标权数之和计。"

    def category_depths(self) -> dict[str, int]:
        """Depth of each category: 1 directly under the index, 2 under a depth-1 category, …"""
        parent = {c.code: c.parent for c in self.categories}

        def depth(code: str) -> int:
            return 1 if parent[code] is None else 1 + depth(parent[code])

        return {code: depth(code) for code in parent}

    def category_methods(self) -> dict[str, str]:
        """The aggregation each category uses for its parts (own, else its level's, else the default)."""
        depths = self.category_depths()
        agg = self.aggregation
        return {c.code: c.aggregation or agg.levels.get(depths[c.code], agg.category) for c in self.categories}

    def _check_ratios(self) -> None:
        items = {i.code: i for i in self.reported_items}
        for ind in self.indicators:
            if ind.ratio is None:
                continue
            parts = [items.get(ind.ratio.numerator), items.get(ind.ratio.denominator)]
            if None in parts:
                raise ValueError(f"指标 {ind.code} 的 ratio 引用了未报送的项目 "
                                 f"{[c for c, i in zip((ind.ratio.numerator, ind.ratio.denominator), parts) if i is None]}"
                                 " / ratio items must be reported items")
            wrong = ind.ratio.check_units(ind.unit, parts[0].unit, parts[1].unit)
            if wrong:
                raise ValueError(f"指标 {ind.code} 的 ratio：{wrong} / ratio units do not fit")

    def _check_contracts(self) -> None:
        self._check_ratios()
        items = {i.code: i.department for i in self.reported_items}
        if len(items) != len(self.reported_items):
            raise ValueError("基础数据代码与指标代码重复 / supporting item codes must differ from indicator codes")
        for code in self.checks.plausibility.items:
            if code not in items:
                raise ValueError(f"checks.plausibility 引用了未知指标 {code!r} / unknown item")
        for rel in self.checks.relations:
            codes = expression_names(rel.left) + expression_names(rel.right)
            unknown = [c for c in codes if c not in items]
            if unknown:
                raise ValueError(f"关系 {rel.id} 引用了未知指标 {unknown} / unknown item")
            if len({items[c] for c in codes}) > 1:
                raise ValueError(f"关系 {rel.id} 的指标须属于同一报送部门 / items of one department only")

    @property
    def reported_items(self) -> list["Indicator | SupportingItem"]:
        """Everything a department reports: its indicators (not those computed as a ratio of two
        reported items) and its supporting items (基础数据)."""
        return [*(i for i in self.indicators if i.ratio is None), *self.supporting_items]

    def change_bound(self, code: str) -> ChangeBound:
        return self.checks.plausibility.items.get(code, self.checks.plausibility.default)

    def indicator_weight(self, ind: Indicator) -> float:
        """Raw (un-normalized) weight: explicit, or the value of its class ★◆○; 0 outside the index."""
        if not ind.in_index:
            return 0.0
        return ind.weight if ind.weight is not None else self.weight_classes[ind.weight_class]

    @property
    def departments(self) -> list[str]:
        return sorted({i.department for i in self.indicators})


class Department(_Strict):
    code: str
    name: str
    sheet: str | None = None  # the workbook sheet its files keep the data on, when not the first one
    # its head is a subject of the natural-resource audit (《领导干部自然资源资产离任审计规定(试行)》第五条(二)):
    # the cadre report gets the 离任审计 section over the department's indicators
    audit_subject: bool = False


def _explain(path: Path, err: ValidationError, doc: dict) -> ConfigError:
    """Turn pydantic's errors into one message naming file, entry and problem."""
    lines = [f"配置文件有误 / invalid configuration: {path}"]
    for e in err.errors():
        loc = e["loc"]
        entry = ".".join(str(p) for p in loc)
        # name the entry by its code when the location is inside a list of coded items
        if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(doc.get(loc[0]), list):
            item = doc[loc[0]][loc[1]]
            if isinstance(item, dict) and ("code" in item or "id" in item):
                entry = f"{loc[0]}[{item.get('code', item.get('id'))}]" + "".join(f".{p}" for p in loc[2:])
        msg = e["msg"].removeprefix("Value error, ")
        lines.append(f"  条目 {entry}: {msg}" if entry else f"  {msg}")
    return ConfigError("\n".join(lines))


def _read_yaml(path: Path) -> dict:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"无法读取配置文件 / cannot read {path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"配置文件须为 YAML 映射 / must be a YAML mapping: {path}")
    return doc


def load_framework(path: Path) -> Framework:
    doc = _read_yaml(path)
    try:
        return Framework.model_validate(doc)
    except ValidationError as err:
        raise _explain(path, err, doc) from None


def framework_path(framework_id: str, data: Path | None = None) -> Path:
    data = data or data_dir()
    path = data / "frameworks" / f"{framework_id}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in (data / "frameworks").glob("*.yaml"))
        raise ConfigError(f"未找到指标体系 {framework_id!r} / unknown framework; 可用: {known}")
    return path


def load_departments(data: Path | None = None) -> list[Department]:
    path = (data or data_dir()) / "departments.yaml"
    doc = _read_yaml(path)
    try:
        return [Department.model_validate(d) for d in doc["departments"]]
    except (KeyError, TypeError, ValidationError) as err:
        raise ConfigError(f"部门配置有误 / invalid departments file {path}: {err}") from None


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Small committed CSV config files (regions, targets); UTF-8 only, they are ours."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))
