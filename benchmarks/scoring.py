"""Benchmark of the scoring engine at national scale, and the same formulas written naively.

Builds a synthetic framework (60 indicators in a three-level tree: four dimensions, one of them a
geometric mean, twelve sub-dimensions; all six normalization methods (attainment for stock indicators), a log transform, zone
weights, not-applicable regions, ~1 % missing values) and two years of values for 3,000 counties with the demo generator
(seeded), loads them into a fresh DuckDB warehouse on disk through the real schema, then times
`score_year` (the year and, for the changes, the year before) and `rank_uncertainty` separately.

It then scores the same observations with a straightforward pandas implementation of the same
formulas, row by row (iterrows and Python loops, as an analyst would first write it), asserts that
both give the same normalized scores, category scores, index, rank, targets met, assessment score
and grade, and prints the ratio (issue #10 asks for ≥ 20×).

    python benchmarks/scoring.py                      # 3,000 × 60, 5 repetitions
    python benchmarks/scoring.py --regions 100 --json benchmarks/out/scoring.json

Not collected by pytest (testpaths = tests). Timings are wall and process CPU (DuckDB's threads
included), on whatever else the machine is doing; the script prints the load average with them.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transforms.config.framework import DATA_DIR, Framework, load_framework  # noqa: E402
from transforms.demo.inbox import indicator_values  # noqa: E402
from transforms.scoring.score import score_year  # noqa: E402
from transforms.scoring.uncertainty import rank_uncertainty  # noqa: E402
from transforms.runtime.warehouse import connect, load_config  # noqa: E402

JURISDICTION = "900000"
ZONES = ["重点开发区", "农产品主产区", "重点生态功能区", "禁止开发区"]
YEAR = 2025


# ---------------------------------------------------------------------------------------- data
def synthetic_framework(n_indicators: int) -> dict:
    """Four dimensions (D1 geometric) × three sub-dimensions; methods, log, zone weights by position."""
    dims = [{"code": f"D{d}", "name": f"维度{d}", **({"aggregation": "geometric"} if d == 1 else {})}
            for d in range(1, 5)]
    subs = [{"code": f"D{d}S{s}", "name": f"子维度{d}.{s}", "parent": f"D{d}"} for d in range(1, 5) for s in range(1, 4)]
    indicators = []
    for k in range(n_indicators):
        sub = subs[k % len(subs)]
        direction = -1 if k % 4 == 3 else 1
        ind = {"code": f"I{k:03d}", "name": f"指标{k}", "category": sub["code"], "unit": "%", "direction": direction,
               "weight_class": "★◆○"[k % 3], "binding": k % 6 == 0,
               "target": {"op": ">=" if direction == 1 else "<=", "value": 50.0},
               "valid_range": [0.01, 1000], "department": "tjj"}
        geometric = sub["parent"] == "D1"
        kind = k % 10
        if kind == 1:
            ind |= {"normalization": "minmax", "goalposts": [0, 100]}
        elif kind == 2:
            ind |= {"normalization": "minmax", "goalposts": [1, 1000], "log": True}
        elif kind == 3:
            ind |= {"normalization": "target"}
        elif kind == 4 and not geometric:
            ind |= {"normalization": "zscore"}
        elif kind == 5:
            ind |= {"normalization": "rank"}
        elif kind == 6:
            ind |= {"normalization": "attainment"}  # a stock indicator scored on compliance
        if k % 15 == 0:
            ind["zone_weights"] = {"重点生态功能区": 0}  # 差异化考核: not assessed there
        if k % 15 == 7:
            ind["not_applicable"] = ["禁止开发区"]  # 地域性指标: left out there, weight kept in its category
        indicators.append(ind)
    return {"id": "bench", "name": "基准测试指标体系(合成)", "jurisdiction": JURISDICTION, "years": [2020, 2030],
            "normalization": "efficacy", "missing_policy": "reweight",
            "uncertainty": {"draws": 500, "alternative_methods": ["rank"]},
            "weight_classes": {"★": 3, "◆": 2, "○": 1},
            "assessment": {"target_points": 80, "index_points": 20},
            "grade_bands": [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 80}, {"grade": "合格", "min": 60},
                            {"grade": "不合格", "min": 0}],
            "categories": dims + subs, "indicators": indicators}


# issue 23's data preparation, declared on the whole framework (`--methods`): JRC outlier treatment,
# imputation by zone median then reweighting, and both coverage rules
METHODS = {"treatment": {"method": "jrc"}, "missing_policy": ["group_median", "reweight"],
           "coverage": {"indicator_min": 0.5, "unit_max_missing": 0.3}}


def build(root: Path, n_regions: int, n_indicators: int, seed: int, methods: bool = False):
    """A data folder and a fresh warehouse with two accepted years; returns (connection, framework, obs)."""
    data = root / "data"
    (data / "frameworks").mkdir(parents=True)
    shutil.copy(DATA_DIR / "departments.yaml", data / "departments.yaml")
    codes = [f"9{n:05d}" for n in range(1, n_regions + 1)]
    counties = [{"region_code": c, "zone": ZONES[n % len(ZONES)]} for n, c in enumerate(codes)]
    pl.DataFrame({"region_code": [JURISDICTION] + codes, "name": ["合成市"] + [f"合成县{n}" for n in range(1, n_regions + 1)],
                  "parent_code": [""] + [JURISDICTION] * n_regions, "level": ["city"] + ["county"] * n_regions,
                  "zone": [""] + [c["zone"] for c in counties],
                  "synthetic_note": "基准测试用合成数据"}).write_csv(data / "regions.csv")
    path = data / "frameworks" / "bench.yaml"
    doc = synthetic_framework(n_indicators)
    if methods:  # treatment serves the data-driven methods only: the others keep none
        doc |= METHODS
        for ind in doc["indicators"]:
            if ind.get("normalization") in ("minmax", "target", "attainment"):
                ind["treatment"] = {"method": "none"}
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    fw = load_framework(path)
    values = indicator_values(fw, counties, [YEAR - 1, YEAR], seed, {})  # the demo generator, vectorized
    rng = np.random.default_rng(seed)
    frames = []
    for sid, year in enumerate((YEAR - 1, YEAR), start=1):
        v = values[year].ravel()
        v[rng.random(v.size) < 0.01] = np.nan  # ~1 % not reported
        frames.append(pl.DataFrame({"submission_id": sid, "row_number": np.arange(v.size, dtype=np.int32),
                                    "region_code": np.repeat(codes, n_indicators),
                                    "indicator_code": np.tile([i.code for i in fw.indicators], n_regions),
                                    "year": year, "value": v}).filter(pl.col("value").is_not_nan()))
    obs = pl.concat(frames)
    con = connect(root / "warehouse.duckdb")
    load_config(con, fw, path, data)
    con.execute("INSERT INTO submission (submission_id, department, year, kind, version, status) VALUES "
                f"(1, 'tjj', {YEAR - 1}, 'indicators', 1, 'accepted'), (2, 'tjj', {YEAR}, 'indicators', 1, 'accepted')")
    con.execute("INSERT INTO observation BY NAME SELECT * FROM obs")
    con.execute("CHECKPOINT")
    return con, fw, obs, counties


def timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


# ---------------------------------------------------------------------------------------- naive
def naive_scores(obs: pd.DataFrame, counties: list[dict], fw: Framework, years: list[int]) -> dict:
    """The same formulas, written the straightforward way: a dict of values filled by iterrows, then
    loops over years, indicators, regions and the category tree."""
    values = {}
    for _, row in obs.iterrows():
        values[(row["year"], row["region_code"], row["indicator_code"])] = row["value"]
    total_w = sum(fw.indicator_weight(i) for i in fw.indicators)
    methods = fw.category_methods()
    out = {"normalized": {}, "category": {}, "gdi": {}, "rank": {}, "targets_met": {}, "assessment": {}, "grade": {}}
    for year in years:
        weight, not_applicable = {}, set()
        for c in counties:
            for ind in fw.indicators:
                w = ind.zone_weights.get(c["zone"], fw.indicator_weight(ind)) / total_w
                if w > 0:
                    weight[(c["region_code"], ind.code)] = w
                    if {"*", c["region_code"], c["zone"]} & set(ind.not_applicable):
                        not_applicable.add((c["region_code"], ind.code))  # left out; weight stays in its category
        for ind in fw.indicators:
            method = ind.normalization or fw.normalization
            xs = {}
            for c in counties:
                r = c["region_code"]
                if (r, ind.code) in weight and (r, ind.code) not in not_applicable and (year, r, ind.code) in values:
                    v = values[(year, r, ind.code)]
                    xs[r] = math.log(v) if ind.log else v
            if not xs:  # no data anywhere that year: the method's floor, weight kept
                floor = 60.0 if method == "efficacy" or (method == "attainment" and fw.normalization == "efficacy") \
                    else 0.0
                for c in counties:
                    if (c["region_code"], ind.code) in weight and (c["region_code"], ind.code) not in not_applicable:
                        out["normalized"][(year, c["region_code"], ind.code)] = floor
                continue
            lo, hi = min(xs.values()), max(xs.values())
            mean = sum(xs.values()) / len(xs)
            sd = math.sqrt(sum((x - mean) ** 2 for x in xs.values()) / len(xs))
            ordered = sorted(ind.direction * x for x in xs.values())
            for r, x in xs.items():
                if method == "efficacy":
                    s = 100.0 if hi == lo else 60 + 40 * ((x - lo) if ind.direction == 1 else (hi - x)) / (hi - lo)
                elif method == "minmax":
                    gl, gh = (math.log(g) for g in ind.goalposts) if ind.log else ind.goalposts
                    s = max(0.0, min(100.0, 100 * ((x - gl) if ind.direction == 1 else (gh - x)) / (gh - gl)))
                elif method == "target":
                    v, t = values[(year, r, ind.code)], ind.target.value
                    s = 100 * min(v / t, fw.target_cap) if ind.direction == 1 else \
                        (100 * fw.target_cap if v <= 0 else 100 * min(t / v, fw.target_cap))
                elif method == "attainment":
                    v, t = values[(year, r, ind.code)], ind.target.value
                    low = 60.0 if fw.normalization == "efficacy" else 0.0
                    s = low + (100 - low) * (max(0.0, min(v / t, 1.0)) if ind.direction == 1 else
                                             (1.0 if v <= 0 else min(t / v, 1.0)))
                elif method == "zscore":
                    s = 0.0 if sd == 0 else ind.direction * (x - mean) / sd
                else:  # rank: share of the others strictly worse
                    below = bisect.bisect_left(ordered, ind.direction * x)
                    s = 100.0 * below / (len(xs) - 1) if len(xs) > 1 else 0.0
                out["normalized"][(year, r, ind.code)] = s
        ranked = []
        for c in counties:
            r = c["region_code"]
            node, mass = {}, {}
            for cat in fw.categories:  # leaves, from their indicators
                parts = [(weight[(r, i.code)], out["normalized"][(year, r, i.code)]) for i in fw.indicators
                         if i.category == cat.code and (year, r, i.code) in out["normalized"]]
                if parts:
                    m = sum(w for w, _ in parts)
                    mass[cat.code] = m + sum(weight[(r, i.code)] for i in fw.indicators  # not applicable: kept
                                             if i.category == cat.code and (r, i.code) in not_applicable)
                    if methods[cat.code] == "geometric":
                        node[cat.code] = math.exp(sum(w * math.log(s) for w, s in parts) / m)
                    else:
                        node[cat.code] = sum(w * s for w, s in parts) / m
            depth = fw.category_depths()
            for d in range(max(depth.values()) - 1, 0, -1):  # then each level up
                for cat in fw.categories:
                    if depth[cat.code] != d:
                        continue
                    kids = [k for k in fw.categories if k.parent == cat.code and k.code in node]
                    if kids:
                        raws = [(k.weight or mass[k.code], node[k.code]) for k in kids]
                        m = sum(w for w, _ in raws)
                        mass[cat.code] = sum(mass[k.code] for k in kids)
                        if methods[cat.code] == "geometric":
                            node[cat.code] = math.exp(sum(w * math.log(s) for w, s in raws) / m)
                        else:
                            node[cat.code] = sum(w * s for w, s in raws) / m
            tops = [(k.weight or mass[k.code], node[k.code]) for k in fw.categories
                    if k.parent is None and k.code in node]
            m = sum(w for w, _ in tops)
            if fw.aggregation.index == "geometric":
                gdi = math.exp(sum(w * math.log(s) for w, s in tops) / m)
            else:
                gdi = sum(w * s for w, s in tops) / m
            for code, s in node.items():
                out["category"][(year, r, code)] = s
            met_w = all_w = 0.0
            met = 0
            for ind in fw.indicators:
                if (r, ind.code) not in weight or (r, ind.code) in not_applicable:
                    continue
                all_w += weight[(r, ind.code)]
                v = values.get((year, r, ind.code))
                if v is not None and (v >= ind.target.value if ind.target.op == ">=" else v <= ind.target.value):
                    met += 1
                    met_w += weight[(r, ind.code)]
            a = fw.assessment
            score = round(a.target_points * met_w / all_w + a.index_points * (gdi - a.index_range[0])
                          / (a.index_range[1] - a.index_range[0]), 2)
            out["gdi"][(year, r)] = gdi
            out["targets_met"][(year, r)] = met
            out["assessment"][(year, r)] = score
            out["grade"][(year, r)] = next(b.grade for b in fw.grade_bands if score >= b.min)
            ranked.append((gdi, r))
        worst_first = sorted(g for g, _ in ranked)
        for gdi, r in ranked:
            out["rank"][(year, r)] = 1 + len(worst_first) - bisect.bisect_right(worst_first, gdi)
    return out


def compare(con, run_id: str, naive: dict) -> int:
    """Assert the warehouse's numbers equal the naive ones; returns how many numbers were compared."""
    n = 0
    for (year, region, code, s) in con.sql("SELECT year, region_code, indicator_code, normalized FROM score "
                                           "WHERE run_id = ? AND normalized IS NOT NULL", params=[run_id]).fetchall():
        assert math.isclose(s, naive["normalized"][(year, region, code)], rel_tol=1e-9, abs_tol=1e-9), \
            (year, region, code)
        n += 1
    assert n == len(naive["normalized"])
    cats = con.sql("SELECT year, region_code, category, score FROM category_score WHERE run_id = ?",
                   params=[run_id]).fetchall()
    assert len(cats) == len(naive["category"])
    for year, region, cat, s in cats:
        assert math.isclose(s, naive["category"][(year, region, cat)], rel_tol=1e-9, abs_tol=1e-9), (year, region, cat)
    res = con.sql("SELECT year, region_code, gdi, rank, targets_met, assessment_score, grade FROM result "
                  "WHERE run_id = ?", params=[run_id]).fetchall()
    assert len(res) == len(naive["gdi"])
    for year, region, gdi, rank, met, score, grade in res:
        key = (year, region)
        assert math.isclose(gdi, naive["gdi"][key], rel_tol=1e-9), key
        assert (rank, met, grade) == (naive["rank"][key], naive["targets_met"][key], naive["grade"][key]), key
        assert math.isclose(score, naive["assessment"][key], abs_tol=0.0100001), key  # both rounded to 0.01
    return n + len(cats) + 6 * len(res)


# ---------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description="评分引擎基准测试 / scoring benchmark")
    ap.add_argument("--regions", type=int, default=3000)
    ap.add_argument("--indicators", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--methods", action="store_true", help="declare outlier treatment, imputation and coverage "
                                                            "(issue 23; the pandas reference does not implement them)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    report: dict = {"regions": args.regions, "indicators": args.indicators, "methods": args.methods,
                    "cores": os.cpu_count(),
                    "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        con, fw, obs, counties = build(Path(tmp), args.regions, args.indicators, args.seed, args.methods)
        report["build_s"] = time.perf_counter() - t0
        report["observations"] = obs.height
        runs = [timed(lambda n=n: score_year(con, fw, YEAR, f"bench-{n}")) for n in range(args.repeat)]
        report["score_year_wall_s"] = [round(w, 4) for w, _ in runs]
        report["score_year_cpu_s"] = [round(c, 4) for _, c in runs]
        report["score_rows"] = con.sql("SELECT count(*) FROM score WHERE run_id = 'bench-0'").fetchall()[0][0]
        one = [timed(lambda n=n: score_year(con, fw, YEAR, f"one-{n}", with_previous=False))
               for n in range(args.repeat)]
        report["score_one_year_wall_s"] = [round(w, 4) for w, _ in one]
        report["score_one_year_cpu_s"] = [round(c, 4) for _, c in one]
        report["rank_uncertainty_wall_s"], report["rank_uncertainty_cpu_s"] = timed(
            lambda: rank_uncertainty(con, fw, YEAR, "bench-0"))
        report["draws"] = fw.uncertainty.draws
        if not args.skip_naive and not args.methods:
            pandas_obs = obs.to_pandas()
            wall, cpu = time.perf_counter(), time.process_time()
            naive = naive_scores(pandas_obs, counties, fw, [YEAR - 1, YEAR])
            report["naive_wall_s"], report["naive_cpu_s"] = time.perf_counter() - wall, time.process_time() - cpu
            report["numbers_compared"] = compare(con, "bench-0", naive)
            report["ratio_wall"] = report["naive_wall_s"] / statistics.median(report["score_year_wall_s"])
            report["ratio_cpu"] = report["naive_cpu_s"] / statistics.median(report["score_year_cpu_s"])
        con.close()
    report["load_average_after"] = os.getloadavg()

    med_w, med_c = statistics.median(report["score_year_wall_s"]), statistics.median(report["score_year_cpu_s"])
    print(f"评分基准 / scoring benchmark: {args.regions} 县 × {args.indicators} 指标, 2 年 "
          f"({report['observations']:,} 观测值, {report['score_rows']:,} score 行), {os.cpu_count()} 核, "
          f"负载 {report['load_average_before'][0]:.2f}")
    print(f"  score_year (本年+上年) 中位 wall {med_w:.3f} s, CPU {med_c:.3f} s   (全部 wall {report['score_year_wall_s']})")
    print(f"  score_year (仅本年)   中位 wall {statistics.median(report['score_one_year_wall_s']):.3f} s, CPU "
          f"{statistics.median(report['score_one_year_cpu_s']):.3f} s")
    print(f"  rank_uncertainty    wall {report['rank_uncertainty_wall_s']:.3f} s, CPU "
          f"{report['rank_uncertainty_cpu_s']:.3f} s ({report['draws']} 次抽样, 含归一化方法扰动)")
    if not args.skip_naive and not args.methods:
        print(f"  pandas 逐行实现      wall {report['naive_wall_s']:.1f} s, CPU {report['naive_cpu_s']:.1f} s; "
              f"结果一致 ({report['numbers_compared']:,} 个数)")
        print(f"  倍数 vectorized/naive: wall {report['ratio_wall']:.0f}×, CPU {report['ratio_cpu']:.0f}×")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
