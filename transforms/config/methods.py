"""The composite-indicator methods a framework declares beyond normalization and aggregation: outlier
treatment, missing-value rules, denomination and coverage (OECD/JRC Handbook on Constructing Composite
Indicators, 2008, steps 2–3; the JRC's COINr). Validated on load like the rest of the framework."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Rules that give a number (transforms/scoring/imputation.py), tried in the order declared, and the
# rules of the scoring SQL, one of which ends every chain (`reweight` if none is written).
FILLING_RULES = ("group_mean", "group_median", "interpolate", "last_available")
FINAL_RULES = ("reweight", "minimum", "last_year")
MISSING_TEXT = {
    "reweight": "缺失指标不计分，其权数按比例分配给同类其余指标",
    "minimum": "缺失指标按该方法的最低分计",
    "last_year": "缺失指标沿用上年已审核数据，上年也缺失的按权重重新分配",
    "group_mean": "按同类地区均值插补",
    "group_median": "按同类地区中位数插补",
    "interpolate": "按前后年度数据线性插值",
    "last_available": "沿用最近一年的已审核数据",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Treatment(_Strict):
    """Outliers before normalization: `jrc` (winsorise while |skewness| > skew and kurtosis > kurtosis,
    at most max_points steps, else log), `log`, `boxcox` (with lambda), or `none`."""

    method: Literal["none", "jrc", "log", "boxcox"] = "none"
    skew: float = Field(default=2.0, gt=0)
    kurtosis: float = Field(default=3.5, gt=0)
    max_points: int = Field(default=5, ge=1)
    lambda_: float = Field(default=0.0, alias="lambda")

    def rule(self) -> dict:
        return {"method": self.method, "skew": self.skew, "kurtosis": self.kurtosis, "max_points": self.max_points,
                "lambda": self.lambda_}


def missing_chain(value: object) -> tuple[str, ...]:
    """A policy as written (one rule or a list) as the chain the scoring applies: the filling rules in
    order, then one rule of the scoring SQL (`reweight` when none is written)."""
    chain = (value,) if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
    unknown = [r for r in chain if r not in FILLING_RULES + FINAL_RULES]
    if unknown or not chain:
        raise ValueError(f"缺失值规则 {list(unknown) or '（空）'} 不可用；可用：{', '.join(FILLING_RULES + FINAL_RULES)} / "
                         "unknown missing-value rule")
    finals = [r for r in chain if r in FINAL_RULES]
    if len(finals) > 1 or (finals and chain[-1] != finals[0]):
        raise ValueError(f"缺失值规则 {list(chain)}：reweight / minimum / last_year 只能有一个且须写在最后 / "
                         "one final rule, written last")
    return chain if finals else (*chain, "reweight")


class Ratio(_Strict):
    """Denomination (OECD/JRC Handbook step 2): the indicator is numerator ÷ denominator × scale, both
    submitted items (supporting items or indicators) of the same region and year, e.g. energy use per
    GDP, GDP per person, forest area per land area × 100."""

    numerator: str
    denominator: str
    scale: float = Field(default=1.0, gt=0)
    # the unit of numerator ÷ denominator when `scale` converts it into another (e.g. 亿元/万人 × 1 =
    # 万元/人): written out, so that a conversion is always declared, never assumed
    unit_from: str | None = None

    def check_units(self, unit: str, numerator_unit: str, denominator_unit: str) -> str | None:
        """Why the units do not fit (Chinese), or None. The quotient's unit is `numerator/denominator`;
        equal units give a pure number, or % with scale 100."""
        def bare(u: str) -> str:
            return "".join(u.split())

        quotient = "" if bare(numerator_unit) == bare(denominator_unit) else f"{numerator_unit}/{denominator_unit}"
        if self.unit_from is not None:
            return None if bare(self.unit_from) == bare(quotient) else (
                f"unit_from {self.unit_from!r} 与分子、分母的单位之商 {quotient or '（无量纲）'!r} 不符")
        if quotient == "":
            return None if (bare(unit) == "%" and self.scale == 100) or (bare(unit) == "" and self.scale == 1) else (
                f"分子与分母单位相同（{numerator_unit}），指标单位须为 %（scale 100），或写明 unit_from")
        return None if bare(unit) == bare(quotient) and self.scale == 1 else (
            f"指标单位 {unit!r} 不是 {quotient!r}；单位换算须写明 unit_from 与 scale")


class Coverage(_Strict):
    """No index for a unit missing more than `unit_max_missing` of its applicable indicators (the SDG
    Index withholds it above 20 %); an indicator reported by fewer than `indicator_min` of the units
    it applies to is left out for the year (its weight redistributed within its category)."""

    unit_max_missing: float | None = Field(default=None, ge=0, lt=1)
    indicator_min: float | None = Field(default=None, gt=0, le=1)


class GeometricZero(_Strict):
    """A score of 0 under a geometric mean: `refuse` (the run stops naming the indicator and the county)
    or `floor` (scores below `floor` are raised to it before the logarithm, and flagged)."""

    rule: Literal["refuse", "floor"] = "refuse"
    floor: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _floor_given(self) -> "GeometricZero":
        if (self.rule == "floor") != (self.floor is not None):
            raise ValueError("geometric_zero: rule floor 须给出 floor（大于 0），rule refuse 不得给出 / floor goes with "
                             "rule floor only")
        return self


class Percentiles(_Strict):
    """Goalposts taken from the year's data: the `low`-th and `high`-th percentiles (0–100)."""

    low: float = Field(ge=0, le=100)
    high: float = Field(ge=0, le=100)

    @field_validator("high")
    @classmethod
    def _above_low(cls, high: float, info) -> float:
        if high <= info.data.get("low", -1):
            raise ValueError("goalposts_percentiles: high 须大于 low / high must exceed low")
        return high
