"""Outlier treatment before normalization (OECD/JRC Handbook on Constructing Composite Indicators,
2008, step 3; the JRC COINr package's `Treat`).

An indicator's values of one year are treated when their distribution is strongly skewed: absolute
skewness above 2 **and** kurtosis above 3.5 (the JRC rule). The most extreme value on the side of the
skew is then winsorised (set to the next distinct value inward; tied extremes together), one step at a
time, until both measures are within the thresholds or a declared number of steps has been used; if that is not enough, the
original values are log-transformed instead (COINr's `log_CT`: ln(x − min + 0.01·(max − min)), mirrored
for a negative skew so that the order of the values is kept). A framework may instead declare a plain
log or a Box-Cox transformation. Skewness and kurtosis are the bias-adjusted sample measures of
Excel's SKEW and KURT (kurtosis in excess of the normal's 3), which the JRC's audits use.

Only the value that is normalized changes; the reported value, targets and vetoes keep the submitted
number. Every treated number is recorded with what was done to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

MIN_POINTS = 4  # kurtosis needs four values


def skewness(x: np.ndarray) -> float:
    """Excel's SKEW: n / ((n−1)(n−2)) · Σ((x − mean)/s)³, s the sample standard deviation."""
    n = len(x)
    s = x.std(ddof=1)
    if n < 3 or s == 0:
        return 0.0
    return float(n / ((n - 1) * (n - 2)) * (((x - x.mean()) / s) ** 3).sum())


def kurtosis(x: np.ndarray) -> float:
    """Excel's KURT (excess): n(n+1)/((n−1)(n−2)(n−3)) · Σ((x − mean)/s)⁴ − 3(n−1)²/((n−2)(n−3))."""
    n = len(x)
    s = x.std(ddof=1)
    if n < MIN_POINTS or s == 0:
        return 0.0
    return float(n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * (((x - x.mean()) / s) ** 4).sum()
                 - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


@dataclass(frozen=True)
class Treated:
    values: np.ndarray  # the values to normalize, in the order given
    how: str  # "none" | "winsorised" | "log" | "boxcox"
    points: tuple[int, ...] = ()  # positions changed by winsorisation, in the order they were treated
    skew_before: float = 0.0
    kurtosis_before: float = 0.0


def outlying(x: np.ndarray, skew_max: float, kurtosis_max: float) -> bool:
    return abs(skewness(x)) > skew_max and kurtosis(x) > kurtosis_max


def log_ct(x: np.ndarray, skew: float) -> np.ndarray:
    """COINr's `log_CT`, mirrored for a negative skew: the order of the values is kept either way."""
    lo, hi = x.min(), x.max()
    shift = 0.01 * (hi - lo)
    return np.log(x - lo + shift) if skew >= 0 else -np.log(hi - x + shift)


def jrc_treatment(x: np.ndarray, skew_max: float = 2.0, kurtosis_max: float = 3.5, max_points: int = 5) -> Treated:
    """The JRC rule on one indicator-year (values without missing ones)."""
    x = np.asarray(x, dtype=float)
    skew0, kurt0 = skewness(x), kurtosis(x)
    if len(x) < MIN_POINTS or not (abs(skew0) > skew_max and kurt0 > kurtosis_max):
        return Treated(x, "none", (), skew0, kurt0)
    w, points = x.copy(), []
    for _ in range(max_points):
        # the side of the current skew (it may change after a step, as in COINr); every value equal to
        # the extreme (ties) takes the next distinct value inward, one step
        extreme = w.max() if skewness(w) >= 0 else w.min()
        at = np.flatnonzero(w == extreme)
        rest = w[w != extreme]
        w[at] = rest.max() if extreme == w.max() else rest.min()
        points += [int(i) for i in at]
        if not outlying(w, skew_max, kurtosis_max):
            return Treated(w, "winsorised", tuple(points), skew0, kurt0)
    return Treated(log_ct(x, skew0), "log", (), skew0, kurt0)


def boxcox(x: np.ndarray, lam: float) -> np.ndarray:
    """(x^λ − 1)/λ, ln x at λ = 0; values must be positive (checked at load for the declared range)."""
    x = np.asarray(x, dtype=float)
    return np.log(x) if lam == 0 else (x ** lam - 1) / lam


TREATED_SCHEMA = {"indicator_code": pl.String, "year": pl.Int64, "region_code": pl.String, "value": pl.Float64,
                  "treated": pl.Float64, "how": pl.String}


def treat_frame(values: pl.DataFrame, rules: dict[str, dict]) -> pl.DataFrame:
    """Treat `values` (indicator_code, year, region_code, value; no missing values) per indicator and
    year by `rules` ({indicator: {"method": "jrc"|"log"|"boxcox", …}}; indicators without a rule are
    left as they are). Returns every treated number with its raw and treated value and how (Chinese),
    one row per number that changed."""
    out: list[pl.DataFrame] = []
    for (code, year), group in values.filter(pl.col("indicator_code").is_in(list(rules))).group_by(
            ["indicator_code", "year"], maintain_order=True):
        rule = rules[code]
        x = group["value"].to_numpy()
        if rule["method"] == "jrc":
            t = jrc_treatment(x, rule.get("skew", 2.0), rule.get("kurtosis", 3.5), rule.get("max_points", 5))
            if t.how == "none":
                continue
            how = (f"缩尾处理（偏度{t.skew_before:.2f}、峰度{t.kurtosis_before:.2f}超过阈值，第{{n}}个缩尾点）"
                   if t.how == "winsorised" else
                   f"对数变换（偏度{t.skew_before:.2f}、峰度{t.kurtosis_before:.2f}，缩尾{rule.get('max_points', 5)}"
                   "个点后仍超过阈值）")
            changed = list(t.points) if t.how == "winsorised" else list(range(len(x)))
            labels = [how.format(n=k + 1) for k in range(len(changed))] if t.how == "winsorised" else [how] * len(x)
        elif rule["method"] == "log":
            t, changed = Treated(np.log(x), "log"), list(range(len(x)))
            labels = ["按规定作对数变换"] * len(x)
        else:
            lam = rule.get("lambda", 0.0)
            t, changed = Treated(boxcox(x, lam), "boxcox"), list(range(len(x)))
            labels = [f"按规定作Box-Cox变换（λ={lam:g}）"] * len(x)
        pick = pl.Series(changed, dtype=pl.UInt32)
        out.append(group[["indicator_code", "year", "region_code", "value"]][pick].with_columns(
            pl.Series("treated", t.values[changed], dtype=pl.Float64), pl.Series("how", labels, dtype=pl.String)))
    return pl.concat(out) if out else pl.DataFrame(schema=TREATED_SCHEMA)
