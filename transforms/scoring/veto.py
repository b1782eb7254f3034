"""One-vote veto (一票否决): rules from the framework, hits with their evidence, forced grades.

A region can be hit by several rules; every hit is kept with what proves it (the event, or the
value and target with the submission they came from). The grade is then forced to the lowest
band (`fail`) or capped at a band (`cap`), and `grade_before_veto` keeps what it would have been.
The SQL of each step is in `transforms/sql/scoring/veto_*.sql`.
"""

from __future__ import annotations

import duckdb

from transforms.config.framework import OP_SIGNS, Framework, VetoRule
from transforms.runtime.sql import registered, statement, transaction
from transforms.scoring.score import grade_bands


def _rule_params(rule: VetoRule, run_id: str) -> dict:
    return {"run_id": run_id, "rule_id": rule.id, "rule_name": rule.name, "effect": rule.effect,
            "cap_grade": rule.cap_grade}


def apply_vetoes(con: duckdb.DuckDBPyConnection, fw: Framework, year: int, run_id: str) -> int:
    """Record every hit of every rule and force the grades; returns the number of hits."""
    binding = [i.code for i in fw.indicators if i.binding]
    with registered(con, bands=grade_bands(fw)), transaction(con):
        for rule in fw.veto_rules:
            p = _rule_params(rule, run_id)
            if rule.kind == "event":
                con.execute(statement("scoring/veto_event_hits"), p | {"year": year, "kinds": rule.event_kinds})
            elif rule.kind == "threshold":
                codes = [rule.indicator] if rule.indicator else \
                    binding if rule.indicators == "binding" else list(rule.indicators)
                con.execute(statement("scoring/veto_threshold_hits"),
                            p | {"framework": fw.id, "year": year, "indicators": codes,
                                 "ops": list(OP_SIGNS), "signs": list(OP_SIGNS.values())})
            else:
                codes = binding if rule.indicators in (None, "binding") else list(rule.indicators)
                con.execute(statement("scoring/veto_data_hits"),
                            p | {"framework": fw.id, "year": year, "indicators": codes})
        con.execute(statement("scoring/veto_apply"), {"run_id": run_id, "year": year,
                                                      "worst": fw.grade_bands[-1].grade})
        # a cap that is not worse than the grade earned still marks the region as hit
        con.execute("UPDATE result SET vetoed = true WHERE run_id = $run_id AND year = $year AND region_code IN "
                    "(SELECT region_code FROM veto_hit WHERE run_id = $run_id AND effect = 'fail')",
                    {"run_id": run_id, "year": year})
    return con.sql("SELECT count(*) FROM veto_hit WHERE run_id = ?", params=[run_id]).fetchall()[0][0]
