-- Rows of data/targets/<framework>.csv with op 不涉及 ($not_applicable): the indicator does not apply to
-- that region in that year (left out, its weight redistributed within its category).
INSERT INTO indicator_not_applicable BY NAME
SELECT framework AS framework_id, indicator AS indicator_code, region_code, CAST(year AS INTEGER) AS year, source
FROM targets
WHERE op = $not_applicable
