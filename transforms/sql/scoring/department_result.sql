-- 一岗双责: each department's sub-score (weighted mean of its indicators' scores over all counties), its
-- targets met, and its rank among the departments in the year (by sub-score, best first).
INSERT INTO department_result BY NAME
WITH per_department AS (
    SELECT s.year, i.department,
           sum(s.weight * s.normalized) / sum(s.weight) FILTER (s.normalized IS NOT NULL) AS score,
           count(*) FILTER (s.met) AS targets_met, count(*) FILTER (s.target_value IS NOT NULL) AS targets_total,
           count(DISTINCT s.indicator_code) AS indicators
    FROM score s JOIN indicator i ON i.framework_id = $framework AND i.code = s.indicator_code
    WHERE s.run_id = $run_id
    GROUP BY s.year, i.department
)
SELECT $run_id AS run_id, *,
       CAST(rank() OVER (PARTITION BY year ORDER BY round(score, 9) DESC NULLS LAST) AS INTEGER) AS rank,
       CAST(count(*) OVER (PARTITION BY year) AS INTEGER) AS n_departments
FROM per_department
