-- Scores of indicators under a geometric mean ($codes) that are not above 0, with the county named
-- ($regions: the counties by position `ri`).
SELECT s.year, list_extract($regions, s.ri) AS region_code, g.name, i.name AS indicator, s.normalized
FROM _score s JOIN _ind i USING (ki) JOIN region g ON g.region_code = list_extract($regions, s.ri)
WHERE list_contains($codes, i.code) AND s.normalized <= 0
ORDER BY s.year DESC, s.ri, s.ki
