"""One-vote veto (一票否决): rules from the framework, hits with their evidence, forced grades.

A region can be hit by several rules; every hit is kept with what proves it (the event, or the
value and target with the submission they came from). The grade is then forced to the lowest
band (`fail`) or capped at a band (`cap`), and `grade_before_veto` keeps what it would have been.
"""

from __future__ import annotations

import duckdb

from transforms.config.framework import OP_SIGNS, Framework, VetoRule
from transforms.scoring.score import grade_bands

EVENT_HITS = """
INSERT INTO veto_hit BY NAME
SELECT $run_id AS run_id, e.region_code, $rule_id AS rule_id, $rule_name AS rule_name, $effect AS effect,
       $cap_grade AS cap_grade, e.event_id, e.kind AS event_kind, e.event_date, e.description, e.submission_id
FROM current_event e JOIN result r ON r.run_id = $run_id AND r.year = $year AND r.region_code = e.region_code
WHERE year(e.event_date) = $year AND list_contains($kinds, e.kind)
"""

THRESHOLD_HITS = """
INSERT INTO veto_hit BY NAME
SELECT $run_id AS run_id, s.region_code, $rule_id AS rule_id, $rule_name AS rule_name, $effect AS effect,
       $cap_grade AS cap_grade, s.indicator_code, s.value, s.target_value AS target, s.submission_id,
       i.name || ' ' || CAST(round(s.value, 4) AS VARCHAR) || i.unit || ', 目标 ' || coalesce(map($ops, $signs)[s.target_op],
           s.target_op) || CAST(round(s.target_value, 4) AS VARCHAR) || i.unit AS description
FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
WHERE s.run_id = $run_id AND s.year = $year AND s.indicator_code = $indicator AND s.met = false
"""

# A binding indicator with no accepted value. The evidence names the department's latest file of the
# year when it was rejected (still rejected at the run, i.e. at the deadline), or says nothing arrived.
DATA_HITS = """
INSERT INTO veto_hit BY NAME
WITH latest AS (
    SELECT department, max(submission_id) AS submission_id FROM submission
    WHERE year = $year AND coalesce(kind, 'unreadable') IN ('indicators', 'unreadable') GROUP BY department
)
SELECT $run_id AS run_id, s.region_code, $rule_id AS rule_id, $rule_name AS rule_name, $effect AS effect,
       $cap_grade AS cap_grade, s.indicator_code, NULL AS value, s.target_value AS target,
       CASE WHEN f.status = 'rejected'
            THEN i.name || ': 报送文件未通过审核(' || coalesce(f.message, '退回') || '), 无已通过审核的数据'
            WHEN f.submission_id IS NULL THEN i.name || ': 责任部门未报送, 无已通过审核的数据'
            ELSE i.name || ': 无已通过审核的数据' END AS description,
       CASE WHEN f.status = 'rejected' THEN f.submission_id END AS submission_id
FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
LEFT JOIN latest l ON l.department = i.department
LEFT JOIN submission f ON f.submission_id = l.submission_id
WHERE s.run_id = $run_id AND s.year = $year AND s.value IS NULL AND list_contains($indicators, s.indicator_code)
"""

APPLY = """
UPDATE result SET vetoed = true, grade = forced.grade
FROM (
    SELECT h.region_code,
           -- the worst band any hit allows: fail -> last band, cap -> the cap band (if worse than now)
           arg_max(b.grade, b.position) AS grade
    FROM (SELECT region_code, CASE WHEN effect = 'fail' THEN $worst ELSE cap_grade END AS allowed
          FROM veto_hit WHERE run_id = $run_id) h
    JOIN bands b ON b.grade = h.allowed
    GROUP BY h.region_code
) forced, bands now_b, bands forced_b
WHERE result.run_id = $run_id AND result.year = $year AND result.region_code = forced.region_code
  AND now_b.grade = result.grade_before_veto AND forced_b.grade = forced.grade
  AND forced_b.position > now_b.position
"""


def _rule_params(rule: VetoRule, run_id: str) -> dict:
    return {"run_id": run_id, "rule_id": rule.id, "rule_name": rule.name, "effect": rule.effect,
            "cap_grade": rule.cap_grade}


def apply_vetoes(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> int:
    """Record every hit of every rule and force the grades; returns the number of hits."""
    bands = grade_bands(fw)  # noqa: F841 (read by DuckDB's replacement scan in APPLY)
    binding = [i.code for i in fw.indicators if i.binding]
    con.execute("BEGIN")
    try:
        for rule in fw.veto_rules:
            p = _rule_params(rule, run_id)
            if rule.kind == "event":
                con.execute(EVENT_HITS, p | {"year": year, "kinds": rule.event_kinds})
            elif rule.kind == "threshold":
                con.execute(THRESHOLD_HITS, p | {"framework": fw.id, "year": year, "indicator": rule.indicator,
                                                 "ops": list(OP_SIGNS), "signs": list(OP_SIGNS.values())})
            else:
                codes = binding if rule.indicators in (None, "binding") else list(rule.indicators)
                con.execute(DATA_HITS, p | {"framework": fw.id, "year": year, "indicators": codes})
        con.execute(APPLY, {"run_id": run_id, "year": year, "worst": fw.grade_bands[-1].grade})
        # a cap that is not worse than the grade earned still marks the region as hit
        con.execute("UPDATE result SET vetoed = true WHERE run_id = $run_id AND year = $year AND region_code IN "
                    "(SELECT region_code FROM veto_hit WHERE run_id = $run_id AND effect = 'fail')",
                    {"run_id": run_id, "year": year})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return con.sql("SELECT count(*) FROM veto_hit WHERE run_id = ?", params=[run_id]).fetchall()[0][0]
