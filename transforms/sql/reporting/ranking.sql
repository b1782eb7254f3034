-- The year's ranking of one run ($run_id, $year): every county in rank order with its index, 5–95 %
-- rank interval, assessment score, grade and the one-vote vetoes it hit (the CLI and the run's artifact).
SELECT r.rank, r.region_code, g.name AS county, round(r.gdi, 2) AS "index",
       CAST(round(r.rank_p05) AS INTEGER) AS rank_p05, CAST(round(r.rank_p95) AS INTEGER) AS rank_p95,
       r.assessment_score, r.grade, coalesce(r.vetoed, false) AS vetoed,
       coalesce((SELECT list(DISTINCT h.rule_name ORDER BY h.rule_name) FROM veto_hit h
                 WHERE h.run_id = r.run_id AND h.region_code = r.region_code), []) AS veto_rules
FROM result r JOIN region g USING (region_code)
WHERE r.run_id = $run_id AND r.year = $year
ORDER BY r.rank NULLS LAST, r.region_code
