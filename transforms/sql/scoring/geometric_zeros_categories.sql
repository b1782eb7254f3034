-- Category scores not above 0 under a geometric parent or index (their logarithm would be −∞), with the
-- county named ($regions: the counties by position `ri`; $framework: the categories' names).
SELECT n.year, list_extract($regions, n.ri) AS region_code, g.name, k.name AS part, n.score
FROM _node n JOIN _cat c USING (ci) JOIN category k ON k.framework_id = $framework AND k.position + 1 = n.ci
JOIN region g ON g.region_code = list_extract($regions, n.ri)
WHERE c.parent_method = 'geometric' AND n.score <= 0
ORDER BY n.year DESC, n.ri, n.ci
