"""Rank uncertainty: how much would the ranking move if the weights were somewhat different?

Monte Carlo over weights with a fixed seed: each draw multiplies every indicator's weight by a
log-normal factor (median 1, spread from the framework), recomputes the index with the same
aggregation as `scoring` from the stored normalized scores, and ranks the regions. Each region
gets its median rank and 5th–95th percentile interval, and the indicator whose weight moves its
rank most (the largest absolute correlation between that weight's factor and the region's rank).
Vectorized in numpy over (draws × regions × indicators), in chunks to bound memory.
"""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from transforms.config import Framework
from transforms.warehouse import frame

CHUNK_CELLS = 4_000_000  # draws per chunk × regions × indicators kept under this


def _index(scores: np.ndarray, weights: np.ndarray, member: np.ndarray, explicit: np.ndarray,
           cat_geometric: bool, index_geometric: bool) -> np.ndarray:
    """Index for each draw. scores (R,K) with NaN = missing; weights (D,R,K); member (K,C) one-hot."""
    present = ~np.isnan(scores)
    s = np.where(present, scores, 0.0)
    w = weights * present  # (D,R,K)
    cat_w = w @ member  # (D,R,C): Σ weights present per category
    if cat_geometric:
        cat = np.exp((w * np.log(np.where(present, scores, 1.0))) @ member / np.where(cat_w > 0, cat_w, 1))
    else:
        cat = (w * s) @ member / np.where(cat_w > 0, cat_w, 1)
    has = cat_w > 0
    cw = np.where(np.isnan(explicit), cat_w, explicit) * has  # explicit category weight, else Σ indicator w
    cw = cw / cw.sum(axis=2, keepdims=True)
    if index_geometric:
        return np.exp((cw * np.log(np.where(has, cat, 1.0))).sum(axis=2))
    return (cw * cat).sum(axis=2)


def _ranks(index: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best) per draw, as `rank()` in SQL: ties share the better rank."""
    order = np.sort(-index, axis=1)
    return np.stack([np.searchsorted(order[d], -index[d], side="left") + 1 for d in range(index.shape[0])])


def rank_uncertainty(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> pl.DataFrame:
    """Compute and store rank_p05 / rank_median / rank_p95 / rank_driver in `result`; returns them."""
    sc = frame(con, """SELECT s.region_code, s.indicator_code, s.normalized, s.weight, i.category, i.position
                       FROM score s JOIN indicator i ON i.framework_id = ? AND i.code = s.indicator_code
                       WHERE s.run_id = ? AND s.year = ?""", [fw.id, run_id, year])
    regions = sorted(sc["region_code"].unique().to_list())
    codes = [i.code for i in fw.indicators]
    cats = [c.code for c in fw.categories]
    r_idx = {r: n for n, r in enumerate(regions)}
    k_idx = {k: n for n, k in enumerate(codes)}
    scores = np.full((len(regions), len(codes)), np.nan)
    base_w = np.zeros((len(regions), len(codes)))  # 0 where the zone does not assess the indicator
    ri = np.array([r_idx[r] for r in sc["region_code"]])
    ki = np.array([k_idx[k] for k in sc["indicator_code"]])
    scores[ri, ki] = sc["normalized"].fill_null(np.nan).to_numpy()
    base_w[ri, ki] = sc["weight"].to_numpy()
    member = np.zeros((len(codes), len(cats)))
    member[[k_idx[i.code] for i in fw.indicators], [cats.index(i.category) for i in fw.indicators]] = 1
    explicit = np.array([c.weight if c.weight else np.nan for c in fw.categories])
    cat_geo, idx_geo = fw.aggregation.category == "geometric", fw.aggregation.index == "geometric"

    u = fw.uncertainty
    rng = np.random.default_rng(u.seed)
    log_f = rng.normal(-u.weight_spread ** 2 / 2, u.weight_spread, (u.draws, len(codes)))  # E[factor] = 1
    chunk = max(1, CHUNK_CELLS // max(1, len(regions) * len(codes)))
    ranks = np.concatenate([
        _ranks(_index(scores, base_w[None] * np.exp(log_f[d:d + chunk])[:, None, :], member, explicit,
                      cat_geo, idx_geo))
        for d in range(0, u.draws, chunk)])  # (D,R)
    p05, med, p95 = np.percentile(ranks, [5, 50, 95], axis=0)
    # which weight moves each region's rank most: correlation over draws
    fz = (log_f - log_f.mean(0)) / log_f.std(0)
    rs = ranks.std(0)
    rz = (ranks - ranks.mean(0)) / np.where(rs > 0, rs, 1)
    corr = rz.T @ fz / u.draws  # (R,K)
    driver = np.where(rs > 0, np.array(codes)[np.abs(corr).argmax(axis=1)], None)
    out = pl.DataFrame({"region_code": regions, "rank_p05": p05, "rank_median": med, "rank_p95": p95,
                        "rank_driver": driver.tolist()}, schema_overrides={"rank_driver": pl.String})
    con.execute("""UPDATE result SET rank_p05 = o.rank_p05, rank_median = o.rank_median, rank_p95 = o.rank_p95,
                   rank_driver = o.rank_driver FROM out o
                   WHERE result.run_id = ? AND result.year = ? AND result.region_code = o.region_code""",
                [run_id, year])
    return out
