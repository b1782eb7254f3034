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
from transforms.config.posts import DEPARTMENT_HEAD, full_title, official_title, pair_in_prose, region_kind
from transforms.config.provenance import SYNTHETIC_MARK
from transforms.reporting.annex import method_annex
from transforms.reporting.method import county_method_note, method_notes, missing_text
from transforms.runtime.sql import statement
from transforms.runtime.warehouse import frame, rows
from transforms.scoring.attribution import events_in_tenure

SYNTHETIC_TAIL = "不代表任何地区或个人的真实情况。"
# What the index change is (the efficacy coefficient rescales each year), said wherever it is shown.
CHANGE_NOTE = ("指数变化反映的是在参评县（市、区）中相对位置的变化：效能系数法每年按当年各县的最小值和最大值重新标定；"
               "各指标按自身方向的实际改善或恶化见“绝对变化”（改善与恶化指标的权数之差占可比指标权数的比例）。")
MOVEMENT = {1: "改善", -1: "恶化", 0: "持平"}


def grade_gap(fw: Framework, score: float | None) -> dict | None:
    """The next grade up from `score` and the points it lacks (None at the top grade or without a score)."""
    if score is None:
        return None
    bands = fw.grade_bands  # descending lower bounds
    here = next((n for n, b in enumerate(bands) if score >= b.min), len(bands) - 1)
    if here == 0:
        return None
    up = bands[here - 1]
    return {"grade": up.grade, "min": up.min, "distance": round(up.min - score, 2)}


def movement(direction: int, value: float | None, previous: float | None) -> str | None:
    """改善 / 恶化 / 持平 in the indicator's own direction (the same tolerance as the result's count)."""
    if value is None or previous is None:
        return None
    if abs(value - previous) <= 1e-9 * max(abs(previous), 1):
        return MOVEMENT[0]
    return MOVEMENT[1 if direction * (value - previous) > 0 else -1]


def satisfaction_statement(fw: Framework, value: float | None, points: float | None) -> str | None:
    """公众满意程度 beside the index where the framework follows the national method, or what it does instead."""
    ps = fw.public_satisfaction
    if ps is None:
        return None
    name = next(i.name for i in fw.indicators if i.code == ps.indicator)
    if not ps.separate:
        return f"{name}为本指标体系计入指数的一项指标（未采用国家年度评价单独评价的口径）。"
    shown = "无已审核数据" if value is None else f"{value:.2f}%"
    extra = f"，计{points:.2f}分" if points else ""
    return f"{name}：{shown}（按国家口径单独评价，不计入指数{extra}）。"



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


def provenance(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> list[str]:
    """Why this run's data is not real, read from the data itself; empty when nothing says so. Two
    sources: the jurisdiction's regions.csv (`synthetic_note`, written by `ecoassess demo --regions`
    and kept on the demo's invented zones) and the submissions the run used whose title rows carry
    the demo marker (every file `ecoassess demo` writes does)."""
    notes = [n for (n,) in rows(con, statement("reporting/provenance_regions"), {"jurisdiction": fw.jurisdiction})]
    marked = rows(con, statement("reporting/provenance_marked_files"),
                  {"mark": SYNTHETIC_MARK, "run_id": run_id, "year": year})[0][0]
    return ([f"{marked}份报送文件标注为{SYNTHETIC_MARK}"] if marked else []) \
        + [f"区划配置注明：{n.rstrip('。')}" for n in notes]


def synthetic_note(reasons: list[str]) -> str:
    """The notice printed on every document of a run whose data is (partly) synthetic."""
    return f"本报告所用数据含{SYNTHETIC_MARK}（{'；'.join(reasons)}），{SYNTHETIC_TAIL}"


def build_contexts(con: duckdb.DuckDBPyConnection, fw: Framework, year: int,
                   run_id: str) -> list[tuple[str, str, str, dict]]:
    """All documents of a run as (kind, key, title, context); bulletin first, then counties, then cadres.
    The synthetic-data notice is decided by `provenance`, never by default."""
    jurisdiction = rows(con, "SELECT name FROM region WHERE region_code = ?", [fw.jurisdiction])[0][0]
    reasons = provenance(con, fw, year, run_id)
    doc_base = {"jurisdiction_name": jurisdiction, "year": year, "framework_name": fw.name,
                "issuer": f"{jurisdiction}生态文明建设领导小组办公室",
                "generated_at": datetime.now().strftime("%Y-%m-%d %H:%M"), "synthetic": bool(reasons),
                "synthetic_note": synthetic_note(reasons) if reasons else "", "run_id": run_id}
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
    evidence = _by(frame(con, statement("reporting/evidence"), {"framework": fw.id, "year": year}), "submission_id")

    veto_by_region_year = defaultdict(list)
    for v in vetoes.iter_rows(named=True):
        veto_by_region_year[(v["region_code"], v["year"])].append(_veto_item(v, evidence.get(v["submission_id"], [])))
    ctx = _Shared(doc_base, fw, year, results, cats, cat_scores, scores, veto_by_region_year, trend, data_years,
                  used, warnings, cadres, evidence)
    docs = [("bulletin", "bulletin", ctx.bulletin_title, ctx.bulletin() | {"method_annex": method_annex(con, fw, year, run_id)})]
    docs += [("county", r["region_code"], ctx.county_title(r), ctx.county(r)) for r in results.iter_rows(named=True)]
    docs += cadre_contexts(con, fw, year, run_id, doc_base, veto_by_region_year, scores)
    return docs


def _veto_item(v: dict, evidence: list[dict]) -> dict:
    """One veto hit with its evidence; `evidence`: the 佐证材料 of the hit's submission, of which those
    proving this hit's event, or this county's value of this indicator (or all its values), are listed."""
    attachments = [e for e in evidence if (e["event_id"] is not None and e["event_id"] == v["event_id"])
                   or (e["event_id"] is None and e["region_code"] == v["region_code"]
                       and e["indicator_code"] in (None, v["indicator_code"]))]
    return {"rule_id": v["rule_id"], "rule_name": v["rule_name"], "effect": v["effect"], "cap_grade": v["cap_grade"],
            "indicator_code": v["indicator_code"], "region_code": v["region_code"],
            "evidence": {"indicator_name": v["indicator_name"], "value": v["value"], "target": v["target"],
                         "target_op": v["target_op"], "unit": v["unit"], "event_kind": v["event_kind"],
                         "event_date": _iso(v["event_date"]), "description": v["description"],
                         "file_name": v["file_name"], "version": v["version"], "sha256": v["sha256"],
                         "attachments": [_attachment(e) for e in attachments]}}


def _attachment(e: dict) -> dict:
    return {k: e[k] for k in ("department_name", "submission_file", "version", "file_name", "sha256", "size_bytes",
                              "note", "proves", "attached_at", "attached_by")}


class _Shared:
    """The run's frames, indexed once; one method per document kind."""

    def __init__(self, doc_base, fw, year, results, cats, cat_scores, scores, vetoes, trend, data_years, used,
                 warnings, cadres, evidence) -> None:
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
        self.evidence = evidence  # 佐证材料 by submission id
        self.indicator_names = {i.code: i.name for i in fw.indicators}
        self.direction = {i.code: i.direction for i in fw.indicators}
        self.method_note = county_method_note(fw)  # the same for every county: written once
        self.bulletin_title = f"{doc_base['jurisdiction_name']}{year}年度生态文明建设评价考核结果公报"

    def county_title(self, r: dict) -> str:
        return f"{r['name']}{self.year}年度生态文明建设评价考核报告"

    def category_scores(self, code: str, column: str = "score") -> dict[str, float | None]:
        return {c["code"]: self.cat_rows.get((code, c["code"]), {}).get(column) for c in self.cats}

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
                            | {"category_scores": self.category_scores(code),
                               "category_previous": self.category_scores(code, "previous_score"),
                               "report_href": f"county/{code}.html"})
        by_code = {r["region_code"]: r for r in self.results.iter_rows(named=True)}
        for c in counties:
            r = by_code[c["region_code"]]
            c.update({k: r.get(k) for k in ("improved", "worsened", "change_balance", "binding_missed",
                                            "grade_before_veto")}
                     | {"grade_gap": grade_gap(self.fw, r["assessment_score"]),
                        "binding_missed_names": self.binding_missed_names(c["region_code"])})
        # largest rises and falls by the absolute measure (indicators improved or worsened in their own
        # direction), not by the index change, which only says how the county moved among the others
        changed = [c | {"change": c["gdi"] - c["previous_gdi"] if c["previous_gdi"] is not None else None,
                        "rank_change": c["previous_rank"] - c["rank"] if c["previous_rank"] and c["rank"] else None}
                   for c in counties if c["change_balance"] is not None]
        grades = self.results["grade"].to_list()
        return {
            "doc": self.doc_base | {"kind": "bulletin", "title": self.bulletin_title},
            "categories": [{"code": c["code"], "name": c["name"]} for c in self.cats],
            "counties": counties,
            "withheld": withheld,
            "grade_distribution": [{"grade": b.grade, "count": grades.count(b.grade)} for b in self.fw.grade_bands],
            "grade_bands": [{"grade": b.grade, "min": b.min} for b in self.fw.grade_bands],
            "vetoed": [{"name": c["name"], "region_code": c["region_code"], "grade": c["grade"],
                        "items": self.vetoes[(c["region_code"], self.year)]}
                       for c in counties if self.vetoes.get((c["region_code"], self.year))],
            "movers": {"up": sorted((m for m in changed if m["change_balance"] > 0),
                                    key=lambda m: (-m["change_balance"], m["region_code"]))[:5],
                       "down": sorted((m for m in changed if m["change_balance"] < 0),
                                      key=lambda m: (m["change_balance"], m["region_code"]))[:5]}
            if changed else None,
            "change_note": CHANGE_NOTE,
            "grade_summary": self.grade_summary(counties),
            "method_notes": method_notes(self.fw),
            "index_histogram": index_histogram(indexed),
        }

    def binding_missed_names(self, code: str) -> list[str]:
        """The binding targets the county missed (as counted in result.binding_missed)."""
        sc = self.scores.get((code,))
        if sc is None:
            return []
        return [s["name"] for s in sc.iter_rows(named=True)
                if s["binding"] and s["target_value"] is not None and not s["met"]]

    def grade_summary(self, counties: list[dict]) -> dict:
        """Why each county has its grade: the points it lacks for the next one and its binding targets missed."""
        near = [c for c in counties if c["grade_gap"]]
        return {"with_binding_missed": sum(1 for c in counties if c["binding_missed_names"]),
                "rows": sorted(near, key=lambda c: (c["grade_gap"]["distance"], c["region_code"])),
                "top": [c for c in counties if not c["grade_gap"] and c["assessment_score"] is not None]}

    # ------------------------------------------------------------------ county
    def county(self, r: dict) -> dict:
        code = r["region_code"]
        sc = self.scores[(code,)]
        ranked = lambda df: [{"name": s["name"], "score": s["normalized"], "peer_gap": s["peer_gap"]}  # noqa: E731
                             for s in df.head(5).iter_rows(named=True)]
        used = list({u["submission_id"]: u for u in self.common_used + self.used.get(code, [])}.values())
        used_ids = {u["submission_id"] for u in used}
        counts = self._warning_counts(code, used_ids)
        return {
            "doc": self.doc_base | {"kind": "county", "title": self.county_title(r)},
            "county": {"region_code": code, "name": r["name"], "zone": r["zone"]},
            "leaders": {"kind": region_kind(r["name"]) or "县（市、区）", "pair": pair_in_prose(r["name"])},
            "result": {k: r[k] for k in ("gdi", "rank", "n_regions", "assessment_score", "targets_met", "targets_total",
                                         "binding_missed", "grade", "grade_before_veto", "vetoed", "missing_count",
                                         "previous_gdi", "previous_rank", "rank_p05", "rank_median", "rank_p95",
                                         "rank_driver", "no_index_reason")}
            | {"rank_driver_name": self.indicator_names.get(r["rank_driver"])}
            | {k: r.get(k) for k in ("improved", "worsened", "change_balance", "points_rank", "points_satisfaction",
                                      "satisfaction")},
            "grade_gap": grade_gap(self.fw, r["assessment_score"]),
            "binding_missed_names": self.binding_missed_names(code),
            "change_note": CHANGE_NOTE,
            "satisfaction": satisfaction_statement(self.fw, r.get("satisfaction"), r.get("points_satisfaction")),
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
                            "previous_value": s["previous_value"], "peer_gap": s["peer_gap"],
                            "target_source": s.get("target_source"), "applicable": s.get("applicable"),
                            "movement": movement(self.direction[s["indicator_code"]], s["value"],
                                                 s["previous_value"])}
                           for s in sc.iter_rows(named=True)],
            "strengths": ranked(sc.filter(pl.col("peer_gap") > 0).sort("peer_gap", descending=True)),
            "weaknesses": ranked(sc.filter(pl.col("peer_gap") < 0).sort("peer_gap")),
            "trend": self._trend(code),
            "cadres": [{"cadre_id": c["cadre_id"], "name": c["name"], "post": c["post"], "share": c["share"],
                        "title": full_title(c["post"], r["name"]),
                        "start": _iso(c["start_date"]), "end": _iso(c["end_date"]), "acting": c["acting"],
                        "report_href": f"../cadre/{c['cadre_id']}.html"} for c in self.cadres.get(code, [])],
            "missing": [{"name": s["name"], "department_name": s["department_name"], "flag": s["flag"],
                         "value": s["value"], "unit": s["unit"]}
                        for s in sc.filter(pl.col("flag").is_not_null() & pl.col("applicable").fill_null(True))
                        .iter_rows(named=True)],
            "not_applicable": sc.filter(~pl.col("applicable").fill_null(True))["name"].to_list(),
            "missing_policy": missing_text(self.fw.missing_policy),
            "method_note": self.method_note,
            "submissions": [{k: u[k] for k in ("department_name", "kind", "file_name", "version", "sha256", "status")}
                            | {"received_at": str(u["received_at"])[:16],
                               "warnings_here": counts[u["submission_id"]][0],
                               "warnings_other": counts[u["submission_id"]][1]}
                            for u in sorted(used, key=lambda u: (u["department_name"] or "", u["kind"], u["version"]))],
            "warnings": self._warnings(code, used_ids),
            # 佐证材料 of the files used: those about the whole file, or about this county (or its events)
            "evidence": [_attachment(e) for sid in sorted(used_ids) for e in self.evidence.get(sid, [])
                         if e["scope_region"] in (None, code)],
            "other_warnings": sum(other for _, other in counts.values()),
        }

    def _warning_counts(self, code: str, used_ids: set[int]) -> dict[int, list[int]]:
        """Per submission used: [warnings about this county or the whole file, warnings about other counties
        only], so a county's report does not present another county's problems as its own."""
        counts: dict[int, list[int]] = {sid: [0, 0] for sid in used_ids}
        for w in self.warnings:
            sid = w.row["submission_id"]
            if sid in counts:
                counts[sid][0 if code in w.by_region or not w.other_counties_only else 1] += 1
        return counts

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
        out, explained = [], set()
        for w in self.warnings:
            sid = w.row["submission_id"]
            if sid not in used_ids:
                continue
            mine = w.by_region.get(code, [])
            if not mine and w.other_counties_only:
                continue  # about other counties only
            out.append({k: w.row[k] for k in ("department_name", "file_name", "version", "rule_id", "message",
                                              "expected", "fix")}
                       | {"scope": "county" if mine else "file", "rows": [{"row": i.get("row"), "value": i.get("value"),
                                    "indicator": self.indicator_names.get(i.get("indicator"), i.get("indicator")),
                                    "note": i.get("note")} for i in mine],
                          # who released a held file and why (强制上报): once per file, under its first warning
                          "confirmations": [] if sid in explained else (w.row["confirmations"] or [])})
            explained.add(sid)
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
    dept_audit = _by(pl.DataFrame(department_audit(con, fw, year), infer_schema_length=None), "cadre_id") \
        if fw.indicators else {}
    # 一岗双责: a veto caused by an indicator lands in the report of the head of the department answering for it
    indicator_department = {i.code: i.department for i in fw.indicators}
    dept_vetoes: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for (region, veto_year), items in vetoes.items():
        for v in items:
            if v["indicator_code"] in indicator_department:
                dept_vetoes[(indicator_department[v["indicator_code"]], veto_year)].append(
                    v | {"region_name": region_names.get(region)})
    cadre_ids = sorted(set(this_year) | set(events_by))
    names = {t["cadre_id"]: t["name"] for t in tenures.iter_rows(named=True)}

    def post_item(p: dict) -> dict:
        dept = p.get("department")
        head = p["post"] == DEPARTMENT_HEAD
        region_name = None if head else region_names.get(p["region_code"])
        return {"post": p["post"], "region_code": None if head else p["region_code"],
                "title": full_title(p["post"], region_name, dept_names.get(dept) if head else None),
                "region_name": None if head else region_names.get(p["region_code"]),
                "department": dept, "department_name": dept_names.get(dept) if head else None,
                "start": _iso(p["start_date"]), "end": _iso(p["end_date"]), "acting": p["acting"],
                "rule": "一岗双责" if head else "党政同责", "share": p.get("share"), "gdi": p.get("gdi"),
                "rank": p.get("rank"), "grade": p.get("grade"), "vetoed": p.get("vetoed"),
                "department_score": p.get("department_score"), "targets_met": p.get("targets_met"),
                "targets_total": p.get("targets_total"), "department_rank": p.get("department_rank"),
                "n_departments": p.get("n_departments"), "year": p.get("year"), "assessed": p.get("assessed")}

    def tenure_vetoes(p: dict) -> list[dict]:
        """The year's vetoes of the county the cadre led (an event veto only if the event fell in this tenure);
        for a department head, the year's vetoes caused by the department's indicators (一岗双责)."""
        if p["post"] == DEPARTMENT_HEAD:
            return dept_vetoes.get((p["department"], p["year"]), [])
        if not p.get("vetoed"):
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
                        "kind": e["kind"], "description": e["description"], "year": e["year"],
                        "post": official_title(e["post"], region_names.get(e["region_code"]))}
                       for e in events_by.get(cadre_id, [])],
            "audit": [a | {"start_date": _iso(a["start_date"]), "end_date": _iso(a["end_date"]),
                           "incumbent": a["end_date"] is None or a["end_date"].year > year,
                           "title": full_title(a["post"], a["region_name"])}
                      for a in audit.get(cadre_id, [])],
        }
        ctx["veto_count"] = sum(len(p["vetoes"]) for p in ctx["record"])
        ctx["department_audit"] = [a | {"start_date": _iso(a["start_date"]), "end_date": _iso(a["end_date"])}
                                   for a in dept_audit.get(cadre_id, [])]
        ctx["conclusion"] = cadre_conclusion(fw, posts, weighted,
                                             [p for p in ctx["record"] if p["year"] == year])
        docs.append(("cadre", cadre_id, title, ctx))
    return docs


def cadre_conclusion(fw: Framework, posts: list[dict], weighted: float | None, record: list[dict]) -> dict | None:
    """The cadre's result for the year on the index page's basis: score, grade, veto conclusion and the
    rule that produced them. County posts (党政同责): the county's index and grade, share-weighted over
    several posts, the grade of the post held longest (the worse on a tie), vetoed if a veto fell in a
    tenure. Department heads (一岗双责): the department's sub-score, its rank among the departments and its
    targets met; vetoes caused by its indicators are listed, the head has no grade of their own."""
    if not posts:
        return None
    vetoes = [v for p in record for v in p["vetoes"]]
    county = [p for p in posts if p["rule"] == "党政同责"]
    heads = [p for p in posts if p["rule"] == "一岗双责"]
    order = {b.grade: n for n, b in enumerate(fw.grade_bands)}
    if county:
        main = max(county, key=lambda p: (p["share"] or 0, order.get(p["grade"], -1)))
        score = weighted if weighted is not None and len(posts) > 1 else main["gdi"]
        vetoed = any(v for p in record if p["rule"] == "党政同责" for v in p["vetoes"])
        where = "、".join(f"{p['region_name']}" for p in county)
        rule = (f"党政同责: 承担{where}的评价考核结果" + (", 按在任时间比例加权, 等级取在任时间最长的职务所在县(市、区)"
                                                       "的等级" if len(posts) > 1 else ""))
        text = (f"绿色发展指数 {score:.2f}, 考核等级{main['grade'] or '—'}" if score is not None else "无考核结果") + \
            (f", 任期内触发一票否决 {len(vetoes)} 项(见下)" if vetoed else ", 任期内未触发一票否决")
        return {"score": score, "grade": main["grade"], "vetoed": vetoed, "rule": rule, "text": text + "。",
                "veto_count": len(vetoes)}
    p = heads[0]
    score = weighted if weighted is not None and len(posts) > 1 else p["department_score"]
    rank = f", 在 {p['n_departments']} 个责任部门中列第 {p['department_rank']} 位" if p.get("department_rank") else ""
    targets = f", 完成目标 {p['targets_met']}/{p['targets_total']} 项(县次)" if p.get("targets_total") else ""
    vetoed_text = (f"; 本部门负责的指标引发一票否决 {len(vetoes)} 项(见下)" if vetoes
                   else "; 本部门负责的指标未引发一票否决")
    return {"score": score, "grade": None, "vetoed": False, "veto_count": len(vetoes),
            "rule": f"一岗双责: 承担{p['department_name']}负责指标的分项得分(部门负责人不单独评定等级)",
            "text": (f"部门分项得分 {score:.2f}" if score is not None else "部门分项得分无")
            + rank + targets + vetoed_text + "。"}


def department_audit(con: duckdb.DuckDBPyConnection, fw: Framework, year: int) -> list[dict]:
    """离任审计 of department heads named in 第五条(二) (`audit_subject` in data/departments.yaml): per tenure,
    each of the department's indicators across the counties, the year before the tenure against its last
    year (or `year`); `incumbent`: still in post, a 任中 audit."""
    return frame(con, statement("reporting/department_audit"),
                 {"framework": fw.id, "jurisdiction": fw.jurisdiction, "year": year,
                  "head": DEPARTMENT_HEAD}).to_dicts()


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
