-- Every year's veto hits up to $year, each year from its best run (CTE `best`: reporting/best_runs),
-- with the evidence: the indicator, the target's operator and the submission the value came from.
-- Parameters (named): $framework, $run_id, $year.
SELECT b.year, h.*, i.name AS indicator_name, i.unit, sc.target_op, s.file_name, s.version, s.sha256
FROM veto_hit h JOIN best b ON b.run_id = h.run_id AND b.assessed
LEFT JOIN indicator i ON i.framework_id = $framework AND i.code = h.indicator_code
-- the operator of the target the hit was judged against (the county's own target where it has one)
LEFT JOIN score sc ON sc.run_id = h.run_id AND sc.year = b.year AND sc.region_code = h.region_code
                  AND sc.indicator_code = h.indicator_code
LEFT JOIN submission s ON s.submission_id = h.submission_id ORDER BY b.year, h.rule_id
