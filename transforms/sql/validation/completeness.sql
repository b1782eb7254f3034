-- Every (county, indicator) a department reports: whether the submission has it.
-- Parameters (named): $jurisdiction, $own (the department's indicator codes), $sid.
SELECT row_number() OVER (ORDER BY c.region_code, i.code) - 1 AS _key, c.region_code, i.code AS indicator_code,
       o.region_code IS NOT NULL AS reported
FROM (SELECT region_code FROM region WHERE parent_code = $jurisdiction) c
CROSS JOIN (SELECT unnest($own) AS code) i
LEFT JOIN (SELECT DISTINCT region_code, indicator_code FROM observation WHERE submission_id = $sid) o
       ON o.region_code = c.region_code AND o.indicator_code = i.code
ORDER BY _key
