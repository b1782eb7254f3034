-- 一岗双责: each department's sub-score (weighted mean of its indicators' scores over all counties).
INSERT INTO department_result BY NAME
SELECT $run_id AS run_id, s.year, i.department,
       sum(s.weight * s.normalized) / sum(s.weight) FILTER (s.normalized IS NOT NULL) AS score,
       count(*) FILTER (s.met) AS targets_met, count(*) FILTER (s.target_value IS NOT NULL) AS targets_total,
       count(DISTINCT s.indicator_code) AS indicators
FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
WHERE s.run_id = $run_id
GROUP BY s.year, i.department
