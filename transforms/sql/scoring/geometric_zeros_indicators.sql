-- Indicator scores not above 0 in a category that is a geometric mean of its indicators (their logarithm
-- would be −∞), with the county named ($regions: the counties by position `ri`).
SELECT s.year, list_extract($regions, s.ri) AS region_code, g.name, i.name AS part, s.normalized
FROM _score s JOIN _ind i USING (ki) JOIN _cat c ON c.ci = s.ci
JOIN region g ON g.region_code = list_extract($regions, s.ri)
WHERE c.aggregation = 'geometric' AND s.normalized <= 0
ORDER BY s.year DESC, s.ri, s.ki
