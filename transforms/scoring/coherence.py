"""Statistical coherence of a framework on one year's scores: what a JRC audit of a composite index
reports (Saisana, Saltelli & Tarantola 2005; OECD/JRC Handbook 2008, steps 4 and 7; Paruolo, Saisana
& Saltelli 2013 on effective against nominal weights).

Per indicator: its Pearson correlation with its category's score and with the index; its effective
importance, the squared correlation with the index normalized over the indicators (the linear
approximation of the correlation ratio), beside its nominal weight (its share of the index's
weight); and how far the ranking moves when it is left out (its weight redistributed within its
category, the index recomputed over the same tree with the same aggregation): mean and largest
absolute rank shift. Per category: Cronbach's alpha over its parts' scores (its indicators, or the
scores of its sub-categories).

Counties with a missing score for an indicator are left out of that indicator's correlations (and
of their category's alpha): the measures describe the data, not the missing-value policy.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from transforms.config.framework import Framework
from transforms.runtime.sql import registered, transaction
from transforms.runtime.warehouse import frame
from transforms.scoring.uncertainty import Tree, _ranks, _score_matrix, index_of

INDICATOR_SCHEMA = {"indicator_code": pl.String, "category": pl.String, "n": pl.Int64,
                    "r_category": pl.Float64, "r_index": pl.Float64, "nominal_weight": pl.Float64,
                    "effective_importance": pl.Float64, "rank_shift_mean": pl.Float64, "rank_shift_max": pl.Int64}
CATEGORY_SCHEMA = {"category": pl.String, "parts": pl.Int64, "n": pl.Int64, "cronbach_alpha": pl.Float64}


def pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    """Pearson's r over the pairs where both are present; None when either does not vary."""
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def cronbach_alpha(items: np.ndarray) -> float | None:
    """α = k/(k−1) · (1 − Σ var(item) / var(Σ items)) over the rows complete in every item (sample
    variances); None for a single item, fewer than 3 complete rows or a constant total."""
    complete = items[~np.isnan(items).any(axis=1)]
    k = items.shape[1]
    if k < 2 or len(complete) < 3:
        return None
    total = complete.sum(axis=1).var(ddof=1)
    if total == 0:
        return None
    return float(k / (k - 1) * (1 - complete.var(axis=0, ddof=1).sum() / total))


def coherence(fw: Framework, weights: np.ndarray, scores: np.ndarray, category_scores: np.ndarray,
              index: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """weights, scores (R,K) in framework indicator order (NaN score = missing, weight 0 = not
    assessed in that county's zone); category_scores (R,C) in framework category order; index (R,).
    Returns the indicator table and the category table."""
    codes = [i.code for i in fw.indicators]
    cat_pos = {c.code: n for n, c in enumerate(fw.categories)}
    tree = Tree.of(fw)
    k = len(codes)
    # leaving indicator j out = its weight factor 0 in draw j+1 (draw 0: the index as computed)
    factors = np.ones((k + 1, k))
    factors[np.arange(1, k + 1), np.arange(k)] = 0.0
    ranks = _ranks(index_of(factors, weights, scores, tree))
    shifts = np.abs(ranks[1:] - ranks[0])  # (K,R)
    r_index = [pearson(scores[:, j], index) for j in range(k)]
    r2 = np.array([0.0 if r is None else r * r for r in r_index])
    in_index = np.array([fw.indicator_weight(i) > 0 for i in fw.indicators])
    nominal = np.array([fw.indicator_weight(i) for i in fw.indicators], dtype=float)
    nominal = nominal / nominal.sum()
    effective = np.where(in_index, r2 / r2[in_index].sum(), 0.0) if r2[in_index].sum() > 0 else np.zeros(k)
    indicators = pl.DataFrame({
        "indicator_code": codes, "category": [i.category for i in fw.indicators],
        "n": [int((~np.isnan(scores[:, j])).sum()) for j in range(k)],
        "r_category": [pearson(scores[:, j], category_scores[:, cat_pos[i.category]])
                       for j, i in enumerate(fw.indicators)],
        "r_index": r_index, "nominal_weight": nominal, "effective_importance": effective,
        "rank_shift_mean": shifts.mean(axis=1), "rank_shift_max": shifts.max(axis=1).astype(np.int64)},
        schema=INDICATOR_SCHEMA)
    # a category's parts: its indicators, or (an inner node) its sub-categories' scores
    parts = [scores[:, tree.indicators[n]] if len(tree.indicators[n]) else category_scores[:, tree.parts[n]]
             for n in range(len(fw.categories))]
    categories = pl.DataFrame([
        {"category": c.code, "parts": p.shape[1], "n": int((~np.isnan(p)).all(axis=1).sum()),
         "cronbach_alpha": cronbach_alpha(p)} for c, p in zip(fw.categories, parts)], schema=CATEGORY_SCHEMA)
    return indicators, categories


def record_coherence(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> int:
    """Compute the coherence tables of `run_id`'s `year` from its stored scores and store them
    (`coherence_indicator`, `coherence_category`); returns the number of indicators described."""
    sc = frame(con, "SELECT region_code, indicator_code, normalized, weight FROM score WHERE run_id = ? AND year = ?",
               [run_id, year])
    cs = frame(con, "SELECT region_code, category, score FROM category_score WHERE run_id = ? AND year = ?",
               [run_id, year])
    res = frame(con, "SELECT region_code, gdi FROM result WHERE run_id = ? AND year = ? AND gdi IS NOT NULL",
                [run_id, year])
    regions = sorted(res["region_code"].to_list())
    if len(regions) < 3:
        return 0
    r_idx = {r: n for n, r in enumerate(regions)}
    k_idx = {i.code: n for n, i in enumerate(fw.indicators)}
    c_idx = {c.code: n for n, c in enumerate(fw.categories)}
    sc = sc.filter(pl.col("region_code").is_in(regions))
    weights = np.nan_to_num(_score_matrix(sc, r_idx, k_idx, "weight"))
    scores = _score_matrix(sc, r_idx, k_idx, "normalized")
    cs = cs.filter(pl.col("region_code").is_in(regions)).rename({"category": "indicator_code"})
    category_scores = _score_matrix(cs, r_idx, c_idx, "score")
    index = res.sort("region_code")["gdi"].to_numpy()
    indicators, categories = coherence(fw, weights, scores, category_scores, index)
    keys = {"run_id": run_id, "year": year}
    with transaction(con), registered(con, indicators=indicators.with_columns(**{k: pl.lit(v) for k, v in keys.items()}),
                                      categories=categories.with_columns(**{k: pl.lit(v) for k, v in keys.items()})):
        for table in ("coherence_indicator", "coherence_category"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ? AND year = ?", [run_id, year])
        con.execute("INSERT INTO coherence_indicator BY NAME SELECT * FROM indicators")
        con.execute("INSERT INTO coherence_category BY NAME SELECT * FROM categories")
    return indicators.height
