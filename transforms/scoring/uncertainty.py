"""Rank uncertainty: how much would the ranking move if the weights (or the normalization) were
somewhat different?

Monte Carlo with a fixed seed: each draw multiplies every indicator's weight by a log-normal factor
(mean 1, spread from the framework) and, where the framework lists alternative normalization
methods, normalizes with one of them (the framework's own method or an alternative, equally
likely; indicators with their own method keep it). It recomputes the index over the same category
tree with the same aggregation per node as `scoring`, and ranks the regions. Each region gets its
median rank and 5th–95th percentile interval, the indicators whose weight moves its rank most (the
largest absolute correlation over the draws between that weight's factor and the region's rank),
and, with alternative methods, its median rank under each method.
Vectorized in numpy: one matrix product per leaf category over all draws of a chunk, then one per
level of the tree; draws in chunks to bound memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from transforms.config.framework import Framework
from transforms.runtime.sql import registered, statement, transaction
from transforms.runtime.warehouse import frame
from transforms.scoring.prepare import drop_prepared
from transforms.scoring.score import NORMALIZED_SQL, counties_of, normalized_params, prepare_keys

CHUNK_CELLS = 2_000_000  # draws per chunk × regions × categories kept under this
DRIVERS_KEPT = 5  # indicators stored per region in `rank_driver`
TINY = 1e-300  # ln(0) → a very negative finite number, so 0·ln never makes NaN in a matrix product


@dataclass(frozen=True)
class Tree:
    """The category tree in framework order: each node's indicators (leaves) or parts, its method."""

    indicators: list[np.ndarray]  # per node: indices of its indicators (empty for inner nodes)
    parts: list[list[int]]  # per node: its sub-categories; the index's parts are `top`
    top: list[int]
    order: list[int]  # inner nodes, deepest first (parts before the node that combines them)
    geometric: list[bool]  # per node: its own method
    explicit: list[float | None]  # per node: explicit weight among its siblings, else Σ of its indicators'
    index_geometric: bool

    @classmethod
    def of(cls, fw: Framework) -> "Tree":
        cats = [c.code for c in fw.categories]
        depths, methods = fw.category_depths(), fw.category_methods()
        parts = [[n for n, c in enumerate(fw.categories) if c.parent == code] for code in cats]
        return cls(
            indicators=[np.array([k for k, i in enumerate(fw.indicators) if i.category == code], dtype=int)
                        for code in cats],
            parts=parts, top=[n for n, c in enumerate(fw.categories) if c.parent is None],
            order=sorted((n for n in range(len(cats)) if parts[n]), key=lambda n: -depths[cats[n]]),
            geometric=[methods[c] == "geometric" for c in cats], explicit=[c.weight for c in fw.categories],
            index_geometric=fw.aggregation.index == "geometric")


def _mean(parts: list[int], node: list, mass: list, explicit: list, geometric: bool) -> np.ndarray:
    """Weighted mean over the parts present (mass > 0) of a node, arithmetic or geometric: (D,R)."""
    raw = [np.where(mass[k] > 0, mass[k] if explicit[k] is None else explicit[k], 0.0) for k in parts]
    total = sum(raw)
    safe = np.where(total > 0, total, 1.0)
    if geometric:
        return np.exp(sum(r * np.log(np.maximum(node[k], TINY)) for r, k in zip(raw, parts)) / safe)
    return sum(r * node[k] for r, k in zip(raw, parts)) / safe


def index_of(factors: np.ndarray, weights: np.ndarray, scores: np.ndarray, tree: Tree,
             kept: np.ndarray | None = None) -> np.ndarray:
    """The index per (draw, region) when draw d multiplies indicator k's weight by factors[d, k].

    weights, scores (R,K), NaN score = missing; `kept` (R,K): the weights of indicators not applicable
    to a region, which stay in their category's weight (as in score.py) while its mean leaves them out. A leaf's sums over its indicators are one matrix
    product each, (draws × its indicators) @ (its indicators × regions), so no array of draws ×
    regions × indicators is ever built; the levels above combine (D,R) arrays node by node.
    """
    present = ~np.isnan(scores)
    base = np.where(present, weights, 0.0)
    values = np.where(present, scores, 0.0)
    n_nodes = len(tree.parts)
    node: list = [None] * n_nodes
    mass: list = [None] * n_nodes
    for n, ks in enumerate(tree.indicators):
        if len(ks) == 0:
            continue
        f = factors[:, ks]
        scored = f @ base[:, ks].T
        safe = np.where(scored > 0, scored, 1.0)
        if tree.geometric[n]:
            logs = np.where(present[:, ks], np.log(np.maximum(values[:, ks], TINY)), 0.0)
            node[n] = np.exp(f @ (base[:, ks] * logs).T / safe)
        else:
            node[n] = f @ (base[:, ks] * values[:, ks]).T / safe
        mass[n] = scored if kept is None else np.where(scored > 0, scored + f @ kept[:, ks].T, 0.0)
    for n in tree.order:  # deepest first: a node's parts are done before it
        node[n] = _mean(tree.parts[n], node, mass, tree.explicit, tree.geometric[n])
        mass[n] = sum(mass[k] for k in tree.parts[n])
    return _mean(tree.top, node, mass, tree.explicit, tree.index_geometric)


def _ranks(index: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best) per draw, as `rank()` in SQL: ties share the better rank."""
    order = np.argsort(-index, axis=1, kind="stable")
    ordered = np.take_along_axis(index, order, axis=1)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(starts, np.arange(index.shape[1]), 0), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


def _score_matrix(df: pl.DataFrame, r_idx: dict[str, int], k_idx: dict[str, int], column: str) -> np.ndarray:
    out = np.full((len(r_idx), len(k_idx)), np.nan)
    df = df.filter(pl.col("region_code").is_in(list(r_idx)) & pl.col("indicator_code").is_in(list(k_idx)))
    if df.is_empty():
        return out
    rows = df["region_code"].replace_strict(r_idx, return_dtype=pl.Int64).to_numpy()
    cols = df["indicator_code"].replace_strict(k_idx, return_dtype=pl.Int64).to_numpy()
    out[rows, cols] = df[column].cast(pl.Float64).fill_null(np.nan).to_numpy()
    return out


def _inputs(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str
            ) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Regions scored, methods drawn, weights (R,K; 0 where the zone does not assess an indicator),
    normalized scores per method (M,R,K; NaN = missing): the run's own, then each alternative's, and
    the weights kept in their category for indicators not applicable (R,K)."""
    sc = frame(con, statement("scoring/rank_uncertainty_scores"), [run_id, year])
    regions = sorted(sc.filter(pl.col("normalized").is_not_null())["region_code"].unique().to_list())
    sc = sc.filter(pl.col("region_code").is_in(regions))
    codes = [i.code for i in fw.indicators]
    r_idx = {r: n for n, r in enumerate(regions)}
    k_idx = {k: n for n, k in enumerate(codes)}
    methods = [fw.normalization] + [m for m in fw.uncertainty.alternative_methods if m != fw.normalization]
    scores = [_score_matrix(sc, r_idx, k_idx, "normalized")]
    if len(methods) > 1:
        everyone = counties_of(con, fw)  # NORMALIZED_SQL numbers them (ri) in this order
        row_of = np.array([r_idx.get(code, -1) for code in everyone])
        prepare_keys(con, fw, everyone, year)
        for method in methods[1:]:
            alt = con.sql(NORMALIZED_SQL, params=normalized_params(fw, [year], method)).pl()
            rows = row_of[alt["ri"].to_numpy() - 1]
            keep = rows >= 0
            matrix = np.full((len(regions), len(codes)), np.nan)
            matrix[rows[keep], alt["ki"].to_numpy()[keep] - 1] = \
                alt["normalized"].cast(pl.Float64).fill_null(np.nan).to_numpy()[keep]
            scores.append(matrix)
        con.execute("DROP TABLE _county")
        con.execute("DROP TABLE _ind")
        drop_prepared(con)
    return (regions, methods, np.nan_to_num(_score_matrix(sc, r_idx, k_idx, "weight")), np.stack(scores),
            np.nan_to_num(_score_matrix(sc, r_idx, k_idx, "kept")))


def rank_uncertainty(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> pl.DataFrame:
    """Compute and store rank_p05 / rank_median / rank_p95 / rank_driver in `result`, the drivers per
    region in `rank_driver` and, with alternative methods, `rank_by_method`; returns the per-region frame."""
    regions, methods, base_w, stacked, kept_w = _inputs(con, fw, year, run_id)
    codes = [i.code for i in fw.indicators]
    u = fw.uncertainty
    tree = Tree.of(fw)

    rng = np.random.default_rng(u.seed)
    log_f = rng.normal(-u.weight_spread ** 2 / 2, u.weight_spread, (u.draws, len(codes)))  # E[factor] = 1
    chosen = rng.integers(0, len(methods), u.draws) if len(methods) > 1 else np.zeros(u.draws, dtype=int)
    factors = np.exp(log_f)
    ranks = np.empty((u.draws, len(regions)))
    chunk = max(1, CHUNK_CELLS // max(1, len(regions) * len(fw.categories)))  # (D,R) arrays per node
    for m in range(len(methods)):
        draws = np.flatnonzero(chosen == m)
        for start in range(0, len(draws), chunk):
            d = draws[start:start + chunk]
            ranks[d] = _ranks(index_of(factors[d], base_w, stacked[m], tree, kept_w))
    p05, med, p95 = np.percentile(ranks, [5, 50, 95], axis=0)

    # which weights move each region's rank most: correlation over the draws
    fz = (log_f - log_f.mean(0)) / log_f.std(0)
    rs = ranks.std(0)
    rz = (ranks - ranks.mean(0)) / np.where(rs > 0, rs, 1)
    corr = rz.T @ fz / u.draws  # (R,K)
    kept = min(DRIVERS_KEPT, len(codes))
    top = np.argsort(-np.abs(corr), axis=1, kind="stable")[:, :kept]
    moving = np.repeat(rs > 0, kept)
    drivers = pl.DataFrame({
        "run_id": run_id, "year": year, "region_code": np.repeat(regions, kept),
        "position": np.tile(np.arange(1, kept + 1), len(regions)),
        "indicator_code": np.array(codes)[top].ravel(),
        "correlation": np.take_along_axis(corr, top, axis=1).ravel()}).filter(pl.Series(moving))
    out = pl.DataFrame({"region_code": regions, "rank_p05": p05, "rank_median": med, "rank_p95": p95,
                        "rank_driver": np.where(rs > 0, np.array(codes)[top[:, 0]], None).tolist()},
                       schema_overrides={"rank_driver": pl.String})
    by_method = pl.DataFrame({
        "run_id": run_id, "year": year, "region_code": np.tile(regions, len(methods)),
        "method": np.repeat(methods, len(regions)),
        "draws": np.repeat([int((chosen == m).sum()) for m in range(len(methods))], len(regions)),
        "rank_median": np.concatenate([np.median(ranks[chosen == m], axis=0) if (chosen == m).any()
                                       else np.full(len(regions), np.nan) for m in range(len(methods))])})
    with transaction(con), registered(con, out=out, drivers=drivers, by_method=by_method):
        con.execute(statement("scoring/rank_uncertainty_result"), [run_id, year])
        for table in ("rank_driver", "rank_by_method"):
            con.execute(f"DELETE FROM {table} WHERE run_id = ? AND year = ?", [run_id, year])
        con.execute("INSERT INTO rank_driver BY NAME SELECT * FROM drivers")
        if len(methods) > 1:
            con.execute("INSERT INTO rank_by_method BY NAME SELECT * FROM by_method")
    return out
