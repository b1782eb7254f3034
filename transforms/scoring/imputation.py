"""Filling a missing value by a declared rule (OECD/JRC Handbook, step 2), before normalization.

A framework (or one indicator) declares its missing-value policy as one rule or a list tried in
order; the rules that give a number are:
  group_mean / group_median  the mean or median of the same indicator and year over the region's peer
                             group (主体功能区 by default, or another column of regions.csv)
  interpolate                linear between the nearest earlier and later years with a value
  last_available             the latest earlier year with a value (not only last year)
The others (`reweight`: the weight goes to the indicators present; `minimum`: the method's lowest
score; `last_year`: last year's accepted value) are applied by the scoring SQL. Every imputed number
keeps its method in plain words, shown next to it in the county report.
"""

from __future__ import annotations

import polars as pl

FILLING = ("group_mean", "group_median", "interpolate", "last_available")
IMPUTED_SCHEMA = {"region_code": pl.String, "indicator_code": pl.String, "year": pl.Int64, "value": pl.Float64,
                  "how": pl.String}


def _group(values: pl.DataFrame, stat: str) -> pl.DataFrame:
    agg = pl.col("value").mean() if stat == "group_mean" else pl.col("value").median()
    word = "均值" if stat == "group_mean" else "中位数"
    return (values.with_columns(agg.over(["indicator_code", "year", "peer"]).alias("filled"),
                                pl.col("value").count().over(["indicator_code", "year", "peer"]).alias("n"))
            .with_columns(pl.format("按同类地区（{}）{}个地区的" + word + "插补", "peer", "n").alias("how")))


def _interpolate(values: pl.DataFrame) -> pl.DataFrame:
    """Years are consecutive in `values` (the grid has every year), so positions are years; the ends of
    a series (no later or no earlier value) stay missing."""
    keys = ["region_code", "indicator_code"]
    known_year = pl.when(pl.col("value").is_not_null()).then(pl.col("year"))
    return values.sort([*keys, "year"]).with_columns(
        pl.col("value").interpolate().over(keys).alias("filled"),
        known_year.forward_fill().over(keys).alias("y0"), known_year.backward_fill().over(keys).alias("y1"),
    ).with_columns(pl.format("按{}年与{}年数据线性插值", "y0", "y1").alias("how")).drop("y0", "y1")


def _last_available(values: pl.DataFrame) -> pl.DataFrame:
    keys = ["region_code", "indicator_code"]
    return values.sort([*keys, "year"]).with_columns(
        pl.col("value").forward_fill().over(keys).alias("filled"),
        pl.when(pl.col("value").is_not_null()).then(pl.col("year")).forward_fill().over(keys).alias("y0"),
    ).with_columns(pl.format("沿用{}年数据", "y0").alias("how")).drop("y0")


def impute(grid: pl.DataFrame, policies: dict[str, list[str]]) -> pl.DataFrame:
    """`grid`: every (region_code, indicator_code, year) of the years considered, with `value` (null
    where missing) and `peer` (the region's peer group). `policies`: each indicator's rules in order.
    Returns the imputed numbers only: region_code, indicator_code, year, value, how."""
    out = []
    remaining = grid
    for step in range(max((len(p) for p in policies.values()), default=0)):
        by_rule: dict[str, list[str]] = {}
        for code, rules in policies.items():
            if step < len(rules) and rules[step] in FILLING:
                by_rule.setdefault(rules[step], []).append(code)
        filled_now = []
        for rule, codes in by_rule.items():
            part = remaining.filter(pl.col("indicator_code").is_in(codes))
            done = (_group(part, rule) if rule.startswith("group_") else
                    _interpolate(part) if rule == "interpolate" else _last_available(part))
            filled_now.append(done.filter(pl.col("value").is_null() & pl.col("filled").is_not_null())
                              .select("region_code", "indicator_code", "year", pl.col("filled").alias("value"), "how"))
        if filled_now:
            new = pl.concat(filled_now)
            out.append(new)
            # later rules see what the earlier ones filled (a chain fills only what is still missing)
            remaining = remaining.join(new.select("region_code", "indicator_code", "year", pl.col("value").alias("v")),
                                       on=["region_code", "indicator_code", "year"], how="left") \
                .with_columns(pl.coalesce("value", "v").alias("value")).drop("v")
    return pl.concat(out).cast(IMPUTED_SCHEMA) if out else pl.DataFrame(schema=IMPUTED_SCHEMA)
