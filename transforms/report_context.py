"""Contexts for the report templates, built with a handful of queries per run (not per document).

The templates only lay out what is here; every number they show comes from this run's rows in
the warehouse, so a report can always be traced to the submissions it used.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

import duckdb
import polars as pl

from transforms.attribution import events_in_tenure
from transforms.config import Framework
from transforms.warehouse import frame, rows

SYNTHETIC_NOTE = "本报告所用指标数值、干部信息和事件均为演示用虚构数据, 不代表任何地区或个人的真实情况。"


def _records(df: pl.DataFrame) -> list[dict]:
    return df.to_dicts()


def _iso(d) -> str | None:
    return d.isoformat() if d is not None else None


def validation_warnings(con: duckdb.DuckDBPyConnection, fw: Framework, year: int) -> dict[str | None, list[dict]]:
    """Warnings of the year's accepted submissions, per county they name (key None: the whole file),
    each as `{department_name, message}` naming the indicator, the value and what was noticed."""
    names = {i.code: i.name for i in fw.reported_items}
    rules = frame(con, """
        SELECT d.name AS department_name, v.message, v.failures FROM validation_result v
        JOIN current_submission s USING (submission_id) LEFT JOIN department d ON d.code = s.department
        WHERE s.year = ? AND NOT v.success AND v.severity = 'warning' ORDER BY s.department, v.rule_id""", [year])
    out: dict[str | None, list[dict]] = defaultdict(list)
    for r in rules.iter_rows(named=True):
        items = [f for f in json.loads(r["failures"] or "[]") if f.get("region_code")]
        if not items:
            out[None].append({"department_name": r["department_name"], "message": r["message"]})
        for f in items:
            what = "; ".join(x for x in (names.get(f.get("indicator") or "", f.get("indicator")),
                                         f"填报值 {f['value']}" if f.get("value") not in (None, "") else None,
                                         f.get("note")) if x)
            out[f["region_code"]].append({"department_name": r["department_name"],
                                          "message": f"{r['message']}" + (f"({what})" if what else "")})
    return out


def build_contexts(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str,
                   synthetic: bool = True) -> list[tuple[str, str, str, dict]]:
    """All documents of a run as (kind, key, title, context); bulletin first."""
    jurisdiction = con.sql("SELECT name FROM region WHERE region_code = ?", params=[fw.jurisdiction]).fetchall()[0][0]
    doc_base = {"jurisdiction_name": jurisdiction, "year": year, "framework_name": fw.name,
                "generated_at": datetime.now().strftime("%Y-%m-%d %H:%M"), "synthetic": synthetic,
                "synthetic_note": SYNTHETIC_NOTE, "run_id": run_id}
    results = frame(con, """SELECT r.*, g.name, g.zone FROM result r JOIN region g USING (region_code)
                            WHERE run_id = ? AND year = ? ORDER BY rank, region_code""", [run_id, year])
    cats = frame(con, "SELECT code, name, weight FROM category WHERE framework_id = ? ORDER BY position", [fw.id])
    cat_scores = frame(con, "SELECT region_code, category, score, previous_score, contribution FROM category_score "
                            "WHERE run_id = ? AND year = ?", [run_id, year])
    medians = cat_scores.group_by("category").agg(pl.col("score").median().alias("median"))
    trend = frame(con, """
        WITH chosen AS (
            SELECT year, arg_max(scored_run_id, finished_at) AS run_id FROM run
            WHERE status = 'succeeded' AND framework_id = ? AND scored_run_id IS NOT NULL GROUP BY year)
        SELECT r.region_code, r.year, r.gdi, r.rank, r.assessment_score, r.grade FROM result r
        WHERE r.run_id = ? AND r.year <= ?
        UNION ALL
        SELECT r.region_code, r.year, r.gdi, r.rank, r.assessment_score, r.grade FROM result r
        JOIN chosen c ON c.run_id = r.run_id AND c.year = r.year
        WHERE r.year < ? - 1 ORDER BY year""", [fw.id, run_id, year, year])
    scores = frame(con, """
        SELECT s.*, i.name, i.unit, i.binding, i.position, c.name AS category_name, d.name AS department_name,
               s.weight_share * (s.normalized - median(s.normalized) OVER (PARTITION BY s.indicator_code)) AS peer_gap
        FROM score s JOIN indicator i ON i.framework_id = ? AND i.code = s.indicator_code
        JOIN category c ON c.framework_id = i.framework_id AND c.code = i.category
        LEFT JOIN department d ON d.code = i.department
        WHERE s.run_id = ? AND s.year = ? ORDER BY i.position""", [fw.id, run_id, year])
    vetoes = frame(con, """
        SELECT h.*, i.name AS indicator_name, i.unit, s.file_name, s.version, s.sha256
        FROM veto_hit h LEFT JOIN indicator i ON i.framework_id = ? AND i.code = h.indicator_code
        LEFT JOIN submission s USING (submission_id) WHERE h.run_id = ? ORDER BY h.rule_id""", [fw.id, run_id])
    cadres = frame(con, "SELECT * FROM cadre_result WHERE run_id = ? AND year = ? ORDER BY region_code, post, start_date",
                   [run_id, year])
    used = frame(con, """
        SELECT s.department, d.name AS department_name, s.kind, s.file_name, s.version, s.sha256, s.status,
               (SELECT count(*) FROM validation_result v WHERE v.submission_id = s.submission_id
                AND NOT v.success AND v.severity = 'warning') AS warnings
        FROM current_submission s LEFT JOIN department d ON d.code = s.department
        WHERE s.year = ? ORDER BY s.department, s.kind""", [year])
    warnings = validation_warnings(con, fw, year)
    events = events_in_tenure(con).join(frame(con, "SELECT region_code, name AS region_name FROM region"),
                                        on="region_code", how="left")

    cat_by_region: dict[str, dict[str, float]] = defaultdict(dict)
    cat_rows: dict[tuple[str, str], dict] = {}
    for r in cat_scores.iter_rows(named=True):
        cat_by_region[r["region_code"]][r["category"]] = r["score"]
        cat_rows[(r["region_code"], r["category"])] = r
    trend_by_region = trend.partition_by("region_code", as_dict=True)
    indicator_names = {i.code: i.name for i in fw.indicators}
    median = dict(medians.iter_rows())
    scores_by_region = scores.partition_by("region_code", as_dict=True)
    vetoes_by_region = vetoes.partition_by("region_code", as_dict=True) if vetoes.height else {}
    cadres_by_region = cadres.partition_by("region_code", as_dict=True) if cadres.height else {}

    def veto_items(code: str) -> list[dict]:
        df = vetoes_by_region.get((code,))
        return [] if df is None else [{
            "rule_id": v["rule_id"], "rule_name": v["rule_name"], "effect": v["effect"], "cap_grade": v["cap_grade"],
            "evidence": {"indicator_name": v["indicator_name"], "value": v["value"], "target": v["target"],
                         "unit": v["unit"], "event_kind": v["event_kind"], "event_date": _iso(v["event_date"]),
                         "description": v["description"], "file_name": v["file_name"], "version": v["version"],
                         "sha256": v["sha256"]}} for v in _records(df)]

    docs: list[tuple[str, str, str, dict]] = []
    counties = []
    for r in _records(results):
        code = r["region_code"]
        counties.append({**{k: r[k] for k in ("rank", "name", "region_code", "zone", "gdi", "assessment_score",
                                               "grade", "vetoed", "targets_met", "targets_total")},
                         "category_scores": cat_by_region[code], "report_href": f"county/{code}.html"})
    grade_counts = results.group_by("grade").len()
    bulletin = {
        "doc": doc_base | {"kind": "bulletin", "title": f"{jurisdiction}{year}年度生态文明建设评价考核结果公报"},
        "categories": _records(cats.select("code", "name")),
        "counties": counties,
        "grade_distribution": [{"grade": b.grade, "count": int(dict(grade_counts.iter_rows()).get(b.grade, 0))}
                               for b in fw.grade_bands],
        "vetoed": [{"name": c["name"], "reasons": [
            f"{v['rule_name']}({v['evidence']['event_kind'] or v['evidence']['description']}"
            f"{', ' + v['evidence']['event_date'] if v['evidence']['event_date'] else ''})"
            for v in veto_items(c["region_code"])]} for c in counties if veto_items(c["region_code"])],
        "movers": sorted([{"name": c["name"], "gdi": c["gdi"], "previous_gdi": r["previous_gdi"],
                           "change": c["gdi"] - r["previous_gdi"],
                           "rank_change": (r["previous_rank"] - c["rank"]) if r["previous_rank"] else None}
                          for c, r in zip(counties, _records(results)) if r["previous_gdi"] is not None],
                         key=lambda m: -abs(m["change"]))[:5],
        "method_notes": [
            f"指标体系: {fw.name}, 共 {len(fw.categories)} 类 {len(fw.indicators)} 项指标。",
            "个体指数采用效能系数法: 正向指标 60 + 40 × (x − 最小值)/(最大值 − 最小值), 逆向指标反之; 各县取值相同时记 100。",
            "权数按 ★◆○ = 3:2:1 在全部指标间归一; 绿色发展指数为各指标个体指数的加权平均, 缺失指标按权数重新分配并注明。",
            f"考核得分 = {fw.assessment.target_points:g} × 目标完成权重占比 + {fw.assessment.index_points:g} × (指数 − 60)/40;"
            " 等级: " + "、".join(f"{b.grade} ≥ {b.min:g}" for b in fw.grade_bands[:-1]) + f", 其余为{fw.grade_bands[-1].grade}。",
            "一票否决: 发生规定的重大生态环境事件、耕地保有量低于红线或未完成节能目标的, 等级定为不合格。",
        ],
    }
    docs.append(("bulletin", "bulletin", bulletin["doc"]["title"], bulletin))

    for r in _records(results):
        code = r["region_code"]
        title = f"{r['name']}{year}年度生态文明建设评价考核报告"
        sc = scores_by_region[(code,)]
        ctx = {
            "doc": doc_base | {"kind": "county", "title": title},
            "county": {"region_code": code, "name": r["name"], "zone": r["zone"]},
            "result": {k: r[k] for k in ("gdi", "rank", "n_regions", "assessment_score", "targets_met", "targets_total",
                                         "binding_missed", "grade", "grade_before_veto", "vetoed", "missing_count",
                                         "previous_gdi", "previous_rank", "rank_p05", "rank_median", "rank_p95",
                                         "rank_driver")} | {"rank_driver_name": indicator_names.get(r["rank_driver"])},
            "vetoes": veto_items(code),
            "categories": [{"code": c["code"], "name": c["name"],
                            "weight": cat_rows.get((code, c["code"]), {}).get("weight", c["weight"]),
                            "score": cat_by_region[code].get(c["code"]), "median": median.get(c["code"]),
                            "previous_score": cat_rows.get((code, c["code"]), {}).get("previous_score"),
                            "contribution": cat_rows.get((code, c["code"]), {}).get("contribution")}
                           for c in _records(cats)],
            "indicators": [{"code": s["indicator_code"], "name": s["name"], "category_name": s["category_name"],
                            "unit": s["unit"], "value": s["value"], "target_op": s["target_op"],
                            "target_value": s["target_value"], "met": s["met"], "binding": s["binding"],
                            "score": s["normalized"], "weight": s["weight"], "contribution": s["contribution"],
                            "department_name": s["department_name"], "flag": s["flag"], "method": s["method"],
                            "previous_value": s["previous_value"], "peer_gap": s["peer_gap"]} for s in _records(sc)],
            "strengths": [{"name": s["name"], "score": s["normalized"], "peer_gap": s["peer_gap"]}
                          for s in _records(sc.filter(pl.col("peer_gap") > 0).sort("peer_gap", descending=True)
                                            .head(5))],
            "weaknesses": [{"name": s["name"], "score": s["normalized"], "peer_gap": s["peer_gap"]}
                           for s in _records(sc.filter(pl.col("peer_gap") < 0).sort("peer_gap").head(5))],
            "trend": _records(trend_by_region.get((code,), trend.clear()).drop("region_code")),
            "cadres": [{"cadre_id": c["cadre_id"], "name": c["name"], "post": c["post"], "share": c["share"],
                        "start": _iso(c["start_date"]), "end": _iso(c["end_date"]), "acting": c["acting"]}
                       for c in _records(cadres_by_region.get((code,), cadres.clear()))],
            "submissions": _records(used.select("department_name", "file_name", "version", "sha256", "status",
                                                "warnings")),
            "warnings": warnings.get(code, []) + warnings.get(None, []),
        }
        docs.append(("county", code, title, ctx))

    dept_names = dict(rows(con, "SELECT code, name FROM department"))
    region_names = dict(rows(con, "SELECT region_code, name FROM region"))
    record = cadre_record(con, fw.id, run_id, year)
    audit = outgoing_audit(con, fw.id, year)
    this_year = cadres.partition_by("cadre_id", as_dict=True) if cadres.height else {}
    # a cadre gets a report when in post this year, or when an event of any year binds to them (终身追责)
    cadre_ids = sorted({k[0] for k in this_year} | set(events["cadre_id"].to_list()))
    names_by_id = dict(record.select("cadre_id", "name").unique("cadre_id").iter_rows()) | \
        dict(events.select("cadre_id", "name").unique("cadre_id").iter_rows())

    def post_item(p: dict) -> dict:
        return {"post": p["post"], "region_code": p["region_code"], "region_name": region_names.get(p["region_code"]),
                "department_name": dept_names.get(p["department"]), "start": _iso(p["start_date"]),
                "end": _iso(p["end_date"]), "acting": p["acting"], "share": p["share"], "gdi": p["gdi"],
                "rank": p["rank"], "grade": p["grade"], "vetoed": p["vetoed"],
                "department_score": p["department_score"], "targets_met": p["targets_met"],
                "targets_total": p["targets_total"], "year": p["year"]}

    for cadre_id in cadre_ids:
        name = names_by_id[cadre_id]
        title = f"{name}同志{year}年度生态文明建设考核结果"
        posts = this_year.get((cadre_id,))
        ctx = {
            "doc": doc_base | {"kind": "cadre", "title": title},
            "cadre": {"cadre_id": cadre_id, "name": name, "in_post": posts is not None},
            "posts": [post_item(p) for p in _records(posts.sort("start_date"))] if posts is not None else [],
            "record": [post_item(p) for p in _records(record.filter(pl.col("cadre_id") == cadre_id)
                                                       .sort("year", "start_date"))],
            "events": [{"date": _iso(e["event_date"]), "region_name": e["region_name"], "kind": e["kind"],
                        "description": e["description"], "post": e["post"], "year": e["year"]}
                       for e in _records(events.filter(pl.col("cadre_id") == cadre_id))],
            "audit": [a | {"start_date": _iso(a["start_date"]), "end_date": _iso(a["end_date"])}
                      for a in audit if a["cadre_id"] == cadre_id],
        }
        docs.append(("cadre", cadre_id, title, ctx))
    return docs


def cadre_record(con: duckdb.DuckDBPyConnection, framework_id: str, run_id: str, year: int) -> pl.DataFrame:
    """Every year's attributed results: this run for the years it scored, else the latest succeeded run."""
    return frame(con, """
        WITH chosen AS (
            SELECT year, arg_max(scored_run_id, finished_at) AS run_id FROM run
            WHERE status = 'succeeded' AND framework_id = ? AND scored_run_id IS NOT NULL GROUP BY year
        ), here AS (SELECT DISTINCT year FROM cadre_result WHERE run_id = ?)
        SELECT c.* FROM cadre_result c WHERE c.run_id = ? AND c.year <= ?
        UNION ALL
        SELECT c.* FROM cadre_result c JOIN chosen ch ON c.run_id = ch.run_id AND c.year = ch.year
        WHERE c.year NOT IN (SELECT year FROM here) AND c.year <= ?""", [framework_id, run_id, run_id, year, year])


def outgoing_audit(con: duckdb.DuckDBPyConnection, framework_id: str, year: int) -> list[dict]:
    """离任审计: each county tenure's change of the natural-resource indicators, from the year before
    it began to its last year (or `year` if still in post), with the targets; None where no data."""
    return frame(con, """
        WITH t AS (
            SELECT *, year(start_date) - 1 AS year_before,
                   least(year(coalesce(end_date, make_date(?, 12, 31))), ?) AS year_end
            FROM current_tenure WHERE post <> '部门主要负责人'
        )
        SELECT t.cadre_id, t.post, t.region_code, g.name AS region_name, t.start_date, t.end_date,
               t.year_before, t.year_end, i.code, i.name AS indicator_name, i.unit, i.direction,
               b.value AS value_before, e.value AS value_end, e.value - b.value AS change,
               coalesce(rt.value, i.target_value) AS target, coalesce(rt.op, i.target_op) AS target_op
        FROM t JOIN indicator i ON i.framework_id = ? AND i.audit
        JOIN region g ON g.region_code = t.region_code
        LEFT JOIN current_observation b ON b.region_code = t.region_code AND b.indicator_code = i.code
                                       AND b.year = t.year_before
        LEFT JOIN current_observation e ON e.region_code = t.region_code AND e.indicator_code = i.code
                                       AND e.year = t.year_end
        LEFT JOIN region_target rt ON rt.framework_id = i.framework_id AND rt.indicator_code = i.code
                                  AND rt.region_code = t.region_code AND rt.year = t.year_end
        ORDER BY t.cadre_id, t.start_date, i.position""", [year, year, framework_id]).to_dicts()
