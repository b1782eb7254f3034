"""Contexts for the report templates, built with a fixed handful of queries per run (not per document).

The templates only lay out what is here; every number they show comes from the warehouse, so a
report can always be traced to the submissions it used. Numbers of the assessed year come from
the run being reported; numbers of other years (trend, multi-year record) from the best run
available for each year (see `transforms/sql/reporting/best_runs.sql`), and years with data but no
run are listed as such.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import datetime

import duckdb
import polars as pl

from transforms.config.framework import Framework
from transforms.reporting.annex import method_annex
from transforms.reporting.method import county_method_note, method_notes, missing_text
from transforms.runtime.sql import statement
from transforms.runtime.warehouse import frame, rows
from transforms.scoring.attribution import events_in_tenure

SYNTHETIC_NOTE = "本报告所用指标数值、干部信息和事件均为演示用虚构数据, 不代表任何地区或个人的真实情况。"
DEPARTMENT_HEAD = "部门主要负责人"


def _iso(d) -> str | None:
    return d.isoformat() if d is not None else None


def _by(df: pl.DataFrame, key: str) -> dict[str, list[dict]]:
    """Rows of `df` grouped by one column, as lists of dicts (empty frame: empty dict)."""
    out: dict[str, list[dict]] = defaultdict(list)
    for r in df.iter_rows(named=True):
        out[r[key]].append(r)
    return out


def with_best_runs(step: str) -> str:
    """The SQL of a reporting step that reads other years, behind the CTE `best` (`best_runs`) it joins."""
    return f"WITH best AS ({statement('reporting/best_runs')})\n{statement(step)}"


def best_runs(con: duckdb.DuckDBPyConnection, framework_id: str, run_id: str, year: int) -> pl.DataFrame:
    return frame(con, statement("reporting/best_runs"), {"framework": framework_id, "run_id": run_id, "year": year})


HISTOGRAM_WIDTHS = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0)
EDGE = 1e-9


def index_histogram(results: pl.DataFrame, max_bins: int = 30) -> dict | None:
    """The distribution of the index for a bulletin with too many counties for a dot each: the smallest
    round bin width giving at most `max_bins` bins, edges on multiples of it, counties per grade in each
    bin (lower edge inclusive). None when no county has an index."""
    scored = results.filter(pl.col("gdi").is_not_null())
    if scored.is_empty():
        return None
    lo, hi = scored["gdi"].min(), scored["gdi"].max()
    # + EDGE: a value on an edge (80.3 with width 0.1) falls in the bin it starts, whatever the rounding
    width = next((w for w in HISTOGRAM_WIDTHS
                  if math.floor(hi / w + EDGE) - math.floor(lo / w + EDGE) + 1 <= max_bins), HISTOGRAM_WIDTHS[-1])
    binned = scored.with_columns(bin=(pl.col("gdi") / width + EDGE).floor().cast(pl.Int64))
    first, last = binned["bin"].min(), binned["bin"].max()
    bins = [{"lo": round(k * width, 6), "hi": round((k + 1) * width, 6), "counts": {}, "total": 0}
            for k in range(first, last + 1)]
    for b, grade, n in binned.group_by("bin", "grade").len().iter_rows():  # ≤ bins × grades rows
        bins[b - first]["counts"][grade] = n
        bins[b - first]["total"] += n
    return {"width": width, "bins": bins}


def build_contexts(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str,
                   synthetic: bool = True) -> list[tuple[str, str, str, dict]]:
    """All documents of a run as (kind, key, title, context); bulletin first, then counties, then cadres."""
    jurisdiction = rows(con, "SELECT name FROM region WHERE region_code = ?", [fw.jurisdiction])[0][0]
    doc_base = {"jurisdiction_name": jurisdiction, "year": year, "framework_name": fw.name,
                "generated_at": datetime.now().strftime("%Y-%m-%d %H:%M"), "synthetic": synthetic,
                "synthetic_note": SYNTHETIC_NOTE, "run_id": run_id}
    p = {"framework": fw.id, "run_id": run_id, "year": year}
    results = frame(con, statement("reporting/results"), {k: p[k] for k in ("run_id", "year")})
    cats = frame(con, "SELECT code, name, weight FROM category WHERE framework_id = ? ORDER BY position", [fw.id])
    cat_scores = frame(con, statement("reporting/category_scores"), [run_id, year])
    scores = frame(con, statement("reporting/indicator_scores"), [fw.id, run_id, year])
    vetoes = frame(con, with_best_runs("reporting/vetoes"), p)
    trend = frame(con, with_best_runs("reporting/trend"), p)
    cadres = frame(con, statement("reporting/county_cadres"), [run_id, year, DEPARTMENT_HEAD])
    data_years = [y for (y,) in rows(con, "SELECT DISTINCT year FROM current_observation WHERE year <= ? ORDER BY 1",
                                     [year])]
    used = frame(con, statement("reporting/submissions_used"), {k: p[k] for k in ("run_id", "year")})
    warnings = frame(con, statement("reporting/validation_warnings"), [run_id, year, year])

    veto_by_region_year = defaultdict(list)
    for v in vetoes.iter_rows(named=True):
        veto_by_region_year[(v["region_code"], v["year"])].append(_veto_item(v))
    ctx = _Shared(doc_base, fw, year, results, cats, cat_scores, scores, veto_by_region_year, trend, data_years,
                  used, warnings, cadres)
    docs = [("bulletin", "bulletin", ctx.bulletin_title, ctx.bulletin() | {"method_annex": method_annex(con, fw, year, run_id)})]
    docs += [("county", r["region_code"], ctx.county_title(r), ctx.county(r)) for r in results.iter_rows(named=True)]
    docs += cadre_contexts(con, fw, year, run_id, doc_base, veto_by_region_year, scores)
    return docs


def _veto_item(v: dict) -> dict:
    return {"rule_id": v["rule_id"], "rule_name": v["rule_name"], "effect": v["effect"], "cap_grade": v["cap_grade"],
            "evidence": {"indicator_name": v["indicator_name"], "value": v["value"], "target": v["target"],
                         "target_op": v["target_op"], "unit": v["unit"], "event_kind": v["event_kind"],
                         "event_date": _iso(v["event_date"]), "description": v["description"],
                         "file_name": v["file_name"], "version": v["version"], "sha256": v["sha256"]}}


class _Shared:
    """The run's frames, indexed once; one method per document kind."""

    def __init__(self, doc_base, fw, year, results, cats, cat_scores, scores, vetoes, trend, data_years, used,
                 warnings, cadres) -> None:
        self.doc_base, self.fw, self.year = doc_base, fw, year
        self.results, self.cats = results, cats.to_dicts()
        self.vetoes, self.data_years = vetoes, data_years
        self.cat_rows = {(r["region_code"], r["category"]): r for r in cat_scores.iter_rows(named=True)}
        self.median = dict(cat_scores.group_by("category").agg(pl.col("score").median()).iter_rows())
        self.scores = scores.partition_by("region_code", as_dict=True)
        self.trend = _by(trend, "region_code")
        self.used = _by(used, "region_code")
        self.common_used = self.used.pop(None, [])
        self.warnings = [_Warning(w) for w in warnings.to_dicts()]  # failures parsed once, not once per county
        self.cadres = _by(cadres, "region_code")
        self.indicator_names = {i.code: i.name for i in fw.indicators}
        self.method_note = county_method_note(fw)  # the same for every county: written once
        self.bulletin_title = f"{doc_base['jurisdiction_name']}{year}年度生态文明建设评价考核结果公报"

    def county_title(self, r: dict) -> str:
        return f"{r['name']}{self.year}年度生态文明建设评价考核报告"

    def category_scores(self, code: str) -> dict[str, float | None]:
        return {c["code"]: self.cat_rows.get((code, c["code"]), {}).get("score") for c in self.cats}

    # ------------------------------------------------------------------ bulletin
    def bulletin(self) -> dict:
        counties = []
        indexed = self.results.filter(pl.col("gdi").is_not_null())
        # a county without an index (the framework's coverage rule) is listed apart with the reason
        withheld = [{"name": r["name"], "region_code": r["region_code"], "reason": r["no_index_reason"],
                     "report_href": f"county/{r['region_code']}.html"}
                    for r in self.results.filter(pl.col("gdi").is_null()).iter_rows(named=True)]
        for r in indexed.iter_rows(named=True):
            code = r["region_code"]
            counties.append({k: r[k] for k in ("rank", "name", "region_code", "zone", "gdi", "assessment_score",
                                               "grade", "vetoed", "targets_met", "targets_total", "rank_p05",
                                               "rank_p95", "previous_gdi", "previous_rank")}
                            | {"category_scores": self.category_scores(code), "report_href": f"county/{code}.html"})
        changed = [c | {"change": c["gdi"] - c["previous_gdi"],
                        "rank_change": c["previous_rank"] - c["rank"] if c["previous_rank"] and c["rank"] else None}
                   for c in counties if c["gdi"] is not None and c["previous_gdi"] is not None]
        grades = self.results["grade"].to_list()
        return {
            "doc": self.doc_base | {"kind": "bulletin", "title": self.bulletin_title},
            "categories": [{"code": c["code"], "name": c["name"]} for c in self.cats],
            "counties": counties,
            "withheld": withheld,
            "grade_distribution": [{"grade": b.grade, "count": grades.count(b.grade)} for b in self.fw.grade_bands],
            "vetoed": [{"name": c["name"], "region_code": c["region_code"], "grade": c["grade"],
                        "items": self.vetoes[(c["region_code"], self.year)]}
                       for c in counties if self.vetoes.get((c["region_code"], self.year))],
            "movers": {"up": sorted((m for m in changed if m["change"] > 0), key=lambda m: -m["change"])[:5],
                       "down": sorted((m for m in changed if m["change"] < 0), key=lambda m: m["change"])[:5]}
            if changed else None,
            "method_notes": method_notes(self.fw),
            "index_histogram": index_histogram(indexed),
        }

    # ------------------------------------------------------------------ county
    def county(self, r: dict) -> dict:
        code = r["region_code"]
        sc = self.scores[(code,)]
        ranked = lambda df: [{"name": s["name"], "score": s["normalized"], "peer_gap": s["peer_gap"]}  # noqa: E731
                             for s in df.head(5).iter_rows(named=True)]
        used = list({u["submission_id"]: u for u in self.common_used + self.used.get(code, [])}.values())
        used_ids = {u["submission_id"] for u in used}
        return {
            "doc": self.doc_base | {"kind": "county", "title": self.county_title(r)},
            "county": {"region_code": code, "name": r["name"], "zone": r["zone"]},
            "result": {k: r[k] for k in ("gdi", "rank", "n_regions", "assessment_score", "targets_met", "targets_total",
                                         "binding_missed", "grade", "grade_before_veto", "vetoed", "missing_count",
                                         "previous_gdi", "previous_rank", "rank_p05", "rank_median", "rank_p95",
                                         "rank_driver", "no_index_reason")}
            | {"rank_driver_name": self.indicator_names.get(r["rank_driver"])},
            "vetoes": self.vetoes.get((code, self.year), []),
            "categories": [{"code": c["code"], "name": c["name"],
                            "weight": self.cat_rows.get((code, c["code"]), {}).get("weight", c["weight"]),
                            "score": self.cat_rows.get((code, c["code"]), {}).get("score"),
                            "median": self.median.get(c["code"]),
                            "previous_score": self.cat_rows.get((code, c["code"]), {}).get("previous_score"),
                            "contribution": self.cat_rows.get((code, c["code"]), {}).get("contribution")}
                           for c in self.cats],
            "indicators": [{"code": s["indicator_code"], "name": s["name"], "category_name": s["category_name"],
                            "unit": s["unit"], "value": s["value"], "target_op": s["target_op"],
                            "target_value": s["target_value"], "met": s["met"], "binding": s["binding"],
                            "score": s["normalized"], "weight": s["weight_share"], "contribution": s["contribution"],
                            "department_name": s["department_name"], "flag": s["flag"], "method": s["method"],
                            "previous_value": s["previous_value"], "peer_gap": s["peer_gap"]}
                           for s in sc.iter_rows(named=True)],
            "strengths": ranked(sc.filter(pl.col("peer_gap") > 0).sort("peer_gap", descending=True)),
            "weaknesses": ranked(sc.filter(pl.col("peer_gap") < 0).sort("peer_gap")),
            "trend": self._trend(code),
            "cadres": [{"cadre_id": c["cadre_id"], "name": c["name"], "post": c["post"], "share": c["share"],
                        "start": _iso(c["start_date"]), "end": _iso(c["end_date"]), "acting": c["acting"],
                        "report_href": f"../cadre/{c['cadre_id']}.html"} for c in self.cadres.get(code, [])],
            "missing": [{"name": s["name"], "department_name": s["department_name"], "flag": s["flag"],
                         "value": s["value"], "unit": s["unit"]}
                        for s in sc.filter(pl.col("flag").is_not_null()).iter_rows(named=True)],
            "missing_policy": missing_text(self.fw.missing_policy),
            "method_note": self.method_note,
            "submissions": [{k: u[k] for k in ("department_name", "kind", "file_name", "version", "sha256", "status",
                                               "warnings")} | {"received_at": str(u["received_at"])[:16]}
                            for u in sorted(used, key=lambda u: (u["department_name"] or "", u["kind"], u["version"]))],
            "warnings": self._warnings(code, used_ids),
        }

    def _trend(self, code: str) -> list[dict]:
        """Every year with data in the warehouse; years no run has scored are listed without numbers."""
        by_year = {t["year"]: t for t in self.trend.get(code, [])}
        return [{k: t[k] for k in ("year", "gdi", "rank", "n_regions", "assessment_score", "grade", "vetoed",
                                   "assessed")} if (t := by_year.get(y)) else
                {"year": y, "gdi": None, "rank": None, "n_regions": None, "assessment_score": None, "grade": None,
                 "vetoed": None, "assessed": None}
                for y in sorted(set(self.data_years) | set(by_year))]

    def _warnings(self, code: str, used_ids: set[int]) -> list[dict]:
        """Validation warnings of the submissions this county's numbers came from: those naming this county,
        and those about the file as a whole."""
        out = []
        for w in self.warnings:
            if w.row["submission_id"] not in used_ids:
                continue
            mine = w.by_region.get(code, [])
            if not mine and w.other_counties_only:
                continue  # about other counties only
            out.append({k: w.row[k] for k in ("department_name", "file_name", "version", "rule_id", "message",
                                              "expected", "fix")}
                       | {"rows": [{"row": i.get("row"), "value": i.get("value"),
                                    "indicator": self.indicator_names.get(i.get("indicator"), i.get("indicator")),
                                    "note": i.get("note")} for i in mine]})
        return out


class _Warning:
    """A failed warning-level rule with its failing rows (steward JSON) grouped by county."""

    def __init__(self, row: dict) -> None:
        items = json.loads(row["failures"] or "[]")
        self.row = row
        self.by_region: dict[str, list[dict]] = defaultdict(list)
        for i in items:
            self.by_region[i.get("region_code")].append(i)
        self.other_counties_only = bool(items) and all(i.get("region_code") for i in items)


def cadre_contexts(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str, doc_base: dict,
                   vetoes: dict[tuple[str, int], list[dict]], scores: pl.DataFrame) -> list[tuple[str, str, str, dict]]:
    """One report per cadre in post this year, or bound to an event of any year (终身追责)."""
    dept_names = dict(rows(con, "SELECT code, name FROM department"))
    region_names = dict(rows(con, "SELECT region_code, name FROM region"))
    record = cadre_record(con, fw.id, run_id, year)
    tenures = frame(con, "SELECT * FROM current_tenure ORDER BY cadre_id, start_date")
    events = events_in_tenure(con).filter(pl.col("year") <= year)
    audit = _by(pl.DataFrame(outgoing_audit(con, fw.id, year), infer_schema_length=None), "cadre_id") \
        if fw.indicators else {}
    this_year = _by(record.filter(pl.col("year") == year), "cadre_id")
    record_by = _by(record, "cadre_id")
    events_by = _by(events, "cadre_id")
    tenures_by = _by(tenures, "cadre_id")
    dept_indicators = _department_indicators(scores)
    cadre_ids = sorted(set(this_year) | set(events_by))
    names = {t["cadre_id"]: t["name"] for t in tenures.iter_rows(named=True)}

    def post_item(p: dict) -> dict:
        dept = p.get("department")
        head = p["post"] == DEPARTMENT_HEAD
        return {"post": p["post"], "region_code": None if head else p["region_code"],
                "region_name": None if head else region_names.get(p["region_code"]),
                "department": dept, "department_name": dept_names.get(dept) if head else None,
                "start": _iso(p["start_date"]), "end": _iso(p["end_date"]), "acting": p["acting"],
                "rule": "一岗双责" if head else "党政同责", "share": p.get("share"), "gdi": p.get("gdi"),
                "rank": p.get("rank"), "grade": p.get("grade"), "vetoed": p.get("vetoed"),
                "department_score": p.get("department_score"), "targets_met": p.get("targets_met"),
                "targets_total": p.get("targets_total"), "year": p.get("year"), "assessed": p.get("assessed")}

    def tenure_vetoes(p: dict) -> list[dict]:
        """The year's vetoes of the county the cadre led; an event veto only if the event fell in this tenure."""
        if p["post"] == DEPARTMENT_HEAD or not p.get("vetoed"):
            return []
        start, end = _iso(p["start_date"]), _iso(p["end_date"]) or "9999-12-31"
        return [v for v in vetoes.get((p["region_code"], p["year"]), [])
                if not v["evidence"]["event_date"] or start <= v["evidence"]["event_date"] <= end]

    docs = []
    for cadre_id in cadre_ids:
        name = names.get(cadre_id) or events_by[cadre_id][0]["name"]
        title = f"{name}同志{year}年度生态文明建设考核结果"
        posts = [post_item(p) for p in this_year.get(cadre_id, [])]
        heads = sorted({p["department"] for p in posts if p["department"]})
        # several posts in the year: the share-weighted result (each post's share of the year as weight)
        shares = [(p["share"], p["department_score"] if p["department_score"] is not None else p["gdi"]) for p in posts]
        total = sum(s for s, _ in shares)
        weighted = sum(s * v for s, v in shares) / total \
            if len(shares) > 1 and total and all(v is not None for _, v in shares) else None
        ctx = {
            "doc": doc_base | {"kind": "cadre", "title": title},
            "cadre": {"cadre_id": cadre_id, "name": name, "in_post": bool(posts)},
            "tenures": [post_item(t) for t in tenures_by.get(cadre_id, [])],
            "posts": posts,
            "weighted": weighted,
            "department_indicators": [i for d in heads for i in dept_indicators.get(d, [])],
            "record": [post_item(p) | {"vetoes": tenure_vetoes(p)} for p in record_by.get(cadre_id, [])],
            "events": [{"date": _iso(e["event_date"]), "region_name": region_names.get(e["region_code"]),
                        "kind": e["kind"], "description": e["description"], "post": e["post"], "year": e["year"]}
                       for e in events_by.get(cadre_id, [])],
            "audit": [a | {"start_date": _iso(a["start_date"]), "end_date": _iso(a["end_date"])}
                      for a in audit.get(cadre_id, [])],
        }
        ctx["veto_count"] = sum(len(p["vetoes"]) for p in ctx["record"])
        docs.append(("cadre", cadre_id, title, ctx))
    return docs


def _department_indicators(scores: pl.DataFrame) -> dict[str, list[dict]]:
    """一岗双责: per department, the indicators it answers for, with their share of its sub-score."""
    if scores.is_empty():
        return {}
    per = (scores.group_by("department", "indicator_code", "name", "unit", "position", "binding")
           .agg(pl.col("weight").mean(), pl.col("normalized").mean().alias("mean_score"),
                pl.col("met").sum().alias("met"), pl.col("met").is_not_null().sum().alias("with_target"),
                pl.col("value").is_null().sum().alias("missing"), pl.len().alias("counties"))
           .with_columns((pl.col("weight") / pl.col("weight").sum().over("department")).alias("dept_weight"))
           .sort("department", "position"))
    return _by(per, "department")


def cadre_record(con: duckdb.DuckDBPyConnection, framework_id: str, run_id: str, year: int) -> pl.DataFrame:
    """Every year's attributed results up to `year`, each year from its best run (`best_runs`)."""
    return frame(con, with_best_runs("reporting/cadre_record"),
                 {"framework": framework_id, "run_id": run_id, "year": year})


def outgoing_audit(con: duckdb.DuckDBPyConnection, framework_id: str, year: int) -> list[dict]:
    """离任审计: each county tenure's change of the natural-resource indicators, from the year before
    it began to its last year (or `year` if still in post), with the targets; None where no data."""
    return frame(con, statement("reporting/outgoing_audit"),
                 [year, year, DEPARTMENT_HEAD, year, framework_id]).to_dicts()
