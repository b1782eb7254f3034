-- The run's indicator scores with the indicator's names and department, and each score's weighted gap
-- to the median county (strengths and weaknesses). Parameters: framework_id, run_id, year.
SELECT s.*, i.name, i.unit, i.binding, i.position, i.department, c.name AS category_name,
       d.name AS department_name,
       s.weight_share * (s.normalized - median(s.normalized) OVER (PARTITION BY s.indicator_code)) AS peer_gap
FROM score s JOIN indicator i ON i.framework_id = ? AND i.code = s.indicator_code
JOIN category c ON c.framework_id = i.framework_id AND c.code = i.category
LEFT JOIN department d ON d.code = i.department
WHERE s.run_id = ? AND s.year = ? ORDER BY i.position
