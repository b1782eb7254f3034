"""The observations the normalization reads (`_observation`), after the steps a framework declares
(OECD/JRC Handbook steps 2–3, in COINr's order): denomination (ratio indicators computed from two
submitted items), imputation (filling rules), coverage (an indicator too thinly reported is left out
for the year; a county missing too many indicators gets no index), then outlier treatment (the value
that is normalized, not the value reported). Without any of them `_observation` is the accepted data
as it is (a view, no cost).

Every number changed or added keeps how, in plain words (`how`), and the county report shows it.
"""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.config.framework import DATA_DRIVEN_METHODS, Framework
from transforms.config.methods import FILLING_RULES
from transforms.runtime.sql import registered, statement
from transforms.runtime.warehouse import frame
from transforms.scoring.imputation import impute
from transforms.scoring.treatment import treat_frame

PREPARED = ("_observation", "_low_coverage", "_no_index")


def drop_prepared(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what `prepare_observations` made (`_observation` is a view or a table)."""
    found = con.execute(statement("scoring/prepared_objects"), [list(PREPARED)]).fetchall()
    for name, kind in found:
        con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} {name}")


def _rules(fw: Framework) -> tuple[list, dict[str, list[str]], dict[str, dict]]:
    ratios = [i for i in fw.indicators if i.ratio is not None]
    filling = {i.code: [r for r in fw.missing_rules(i) if r in FILLING_RULES] for i in fw.indicators}
    treating = {i.code: fw.treatment_of(i).rule() for i in fw.indicators if fw.treatment_of(i).method != "none"
                and ((i.normalization or fw.normalization) in DATA_DRIVEN_METHODS or i.goalposts_percentiles)}
    return ratios, {k: v for k, v in filling.items() if v}, treating


def _empty_coverage(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _low_coverage (indicator_code VARCHAR, year INTEGER, share DOUBLE)")
    con.execute("CREATE OR REPLACE TEMP TABLE _no_index (region_code VARCHAR, year INTEGER, missing_share DOUBLE)")


def prepare_observations(con: duckdb.DuckDBPyConnection, fw: Framework, regions: list[str], last: int) -> dict:
    """Create `_observation` (what NORMALIZED_SQL reads instead of `current_observation`), `_low_coverage`
    (indicator, year left out) and `_no_index` (county, year without an index). Returns counts."""
    ratios, filling, treating = _rules(fw)
    cov = fw.coverage
    _empty_coverage(con)
    if not (ratios or filling or treating or cov.indicator_min or cov.unit_max_missing):
        con.execute(statement("scoring/observation_plain"))
        return {"ratio": 0, "imputed": 0, "treated": 0}
    items = sorted({i.code for i in fw.indicators} | {p for i in ratios for p in (i.ratio.numerator, i.ratio.denominator)})
    latest = frame(con, statement("scoring/observation_latest"), {"last": last, "items": items, "regions": regions})
    names = {i.code: i.name for i in fw.reported_items}
    ratio_rows = pl.DataFrame(
        [{"code": i.code, "numerator": i.ratio.numerator, "denominator": i.ratio.denominator, "scale": i.ratio.scale,
          "numerator_name": names[i.ratio.numerator], "denominator_name": names[i.ratio.denominator]} for i in ratios],
        schema={"code": pl.String, "numerator": pl.String, "denominator": pl.String, "scale": pl.Float64,
                "numerator_name": pl.String, "denominator_name": pl.String})
    if ratios:
        with registered(con, ratios=ratio_rows, latest=latest):
            derived = frame(con, statement("scoring/ratio_values"))
        latest = pl.concat([latest.filter(~pl.col("indicator_code").is_in(ratio_rows["code"])),
                            derived.select(latest.columns)], how="vertical_relaxed")
    indicators = [i.code for i in fw.indicators]
    values = latest.filter(pl.col("indicator_code").is_in(indicators))
    assessed = _assessed(con, fw, regions, last)  # region, indicator, year the indicator applies to, with peer
    grid = assessed.join(values.select("region_code", "indicator_code", "year", "value"),
                         on=["region_code", "indicator_code", "year"], how="left")
    shares = grid.group_by("indicator_code", "year").agg(
        (pl.col("value").is_not_null().sum() / pl.len()).alias("share"))
    low = shares.filter(pl.col("share") < cov.indicator_min) if cov.indicator_min else shares.clear()
    in_index = [i.code for i in fw.indicators if fw.indicator_weight(i) > 0]
    unit_missing = (grid.filter(pl.col("indicator_code").is_in(in_index))
                    .join(low, on=["indicator_code", "year"], how="anti")
                    .group_by("region_code", "year").agg((pl.col("value").is_null().mean()).alias("missing_share")))
    no_index = unit_missing.filter(pl.col("missing_share") > cov.unit_max_missing) if cov.unit_max_missing \
        else unit_missing.clear()
    imputed = impute(grid.join(low, on=["indicator_code", "year"], how="anti"), filling) if filling else None
    if imputed is not None and imputed.height:
        values = pl.concat([values, imputed.with_columns(pl.lit(None, pl.Int64).alias("submission_id"),
                                                         pl.lit(None, pl.String).alias("note"))
                            .select(values.columns)], how="vertical_relaxed")
    years = [last - 1, last]
    treated = treat_frame(values.filter(pl.col("year").is_in(years) & pl.col("value").is_not_null())
                          .select("indicator_code", "year", "region_code", "value"), treating) if treating else None
    out = values.join(imputed.select("region_code", "indicator_code", "year", pl.col("how").alias("imputed_how"))
                      if imputed is not None else pl.DataFrame(schema={"region_code": pl.String, "indicator_code": pl.String,
                                                                       "year": pl.Int64, "imputed_how": pl.String}),
                      on=["region_code", "indicator_code", "year"], how="left")
    if treated is not None and treated.height:
        out = out.join(treated.select("region_code", "indicator_code", "year", "treated", pl.col("how").alias("treated_how")),
                       on=["region_code", "indicator_code", "year"], how="left")
    else:
        out = out.with_columns(pl.lit(None, pl.Float64).alias("treated"), pl.lit(None, pl.String).alias("treated_how"))
    out = out.with_columns(pl.concat_str([pl.col("imputed_how"), pl.col("treated_how")], separator="；",
                                         ignore_nulls=True).alias("how")).drop("imputed_how", "treated_how")
    with registered(con, prepared=out, low=low, no_index=no_index):
        con.execute(statement("scoring/observation_prepared"))
        con.execute("INSERT INTO _low_coverage SELECT indicator_code, year, share FROM low")
        con.execute("INSERT INTO _no_index SELECT region_code, year, missing_share FROM no_index")
    return {"ratio": int(values["indicator_code"].is_in(ratio_rows["code"]).sum()) if ratios else 0,
            "imputed": imputed.height if imputed is not None else 0,
            "treated": treated.height if treated is not None else 0, "low_coverage": low.height,
            "no_index": no_index.height}


def _assessed(con: duckdb.DuckDBPyConnection, fw: Framework, regions: list[str], last: int) -> pl.DataFrame:
    """Every (county, indicator, year) the indicator applies to: assessed in the county's zone and not
    declared not applicable, for the years of the accepted data up to `last`, with the county's peer
    group (`fw.peer_group`, a column of regions.csv)."""
    with registered(con, wanted=pl.DataFrame({"region_code": regions})):
        return frame(con, statement("scoring/assessed_pairs").replace("$peer_column", _column(con, fw.peer_group)),
                     {"framework": fw.id, "last": last})


def _column(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """`name` as a quoted column of `region`, refused if regions.csv has no such column."""
    columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'region'")
               .fetchall()}
    if name not in columns:
        raise ValueError(f"peer_group {name!r} 不是 regions.csv 的列（可用：{', '.join(sorted(columns))}） / not a column "
                         "of regions.csv")
    return '"' + name.replace('"', '""') + '"'
